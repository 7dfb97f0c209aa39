#pragma once
// The pre-training loop shared by every method: data loader, optimizer with
// linear warm-up + cosine schedule, progress line, JSONL metrics, periodic
// atomic checkpoints, exact resume, NaN guard, and the final backbone export
// (torchvision names, `backbone.safetensors`).
#include <string>

#include "facebench/pretrain/config.h"

namespace fb::pretrain {

struct RunSummary {
  int64_t steps = 0;
  double first_loss = 0, last_loss = 0;  // mean loss of the first and last epoch run
  double images_per_second = 0;
  double loader_wait_fraction = 0;  // share of the time the step waited for data
};

// Runs (or, when `resume`, continues) the run whose files live in `out_dir`.
// With resume the config saved in out_dir is used; `max_steps_override` (if
// > 0) still applies, to stop early.
RunSummary run_pretraining(Config cfg, const std::string& out_dir, bool resume, int64_t max_steps_override = 0);

}  // namespace fb::pretrain
