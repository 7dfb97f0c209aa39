#pragma once
// A pre-training checkpoint: everything needed to continue bit for bit —
// model parameters and buffers, optimizer state, the method's own state (MoCo
// queue), the step and the loader position, and the run's config — in one
// safetensors file written atomically. The previous checkpoint is kept as
// checkpoint.prev.safetensors, so a damaged latest file costs one interval.
#include <string>

#include "facebench/pretrain/config.h"
#include "nn/module.h"

namespace fb::pretrain {

struct TrainingState {
  int64_t step = 0;        // optimizer steps done
  int64_t epoch = 0;       // loader position: the next batch to read
  int64_t batch = 0;
  int64_t world_size = 1;  // data-parallel ranks that wrote it (a resume needs the same)
  nn::NamedTensors model;  // state_dict of the PretrainModel
  nn::NamedTensors optim;  // Optimizer::state()
  nn::NamedTensors extra;  // Method::extra_state()
  std::string config_json;
};

std::string checkpoint_path(const std::string& dir);
void save_checkpoint(const std::string& dir, const TrainingState& s);
// Loads the latest checkpoint of `dir`, falling back (with a warning on stderr)
// to the previous one when the latest is missing or unreadable. Throws when
// neither can be read.
TrainingState load_checkpoint(const std::string& dir);

}  // namespace fb::pretrain
