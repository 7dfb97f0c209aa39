#pragma once
// Runs one cell of the benchmark grid: trains a task's head (linear mode:
// on a frozen backbone's cached features; finetune mode: together with the
// backbone) on a subset of the training split for a fixed number of steps,
// then evaluates the final model on the test split. There is no model
// selection on the test set: what is measured is the last step's model.
//
// Fine-tuning keeps the backbone's batch-norm statistics frozen (eval mode):
// few-shot subsets can be a handful of images, too few for batch statistics.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "facebench/tasks/task.h"

namespace fb::tasks {

struct FitOptions {
  int64_t steps = 300;        // optimizer steps, whatever the subset's size
  int64_t batch = 32;         // capped at the subset's size
  double lr = 3e-3;           // head (AdamW)
  double backbone_lr = 3e-4;  // backbone in finetune mode (AdamW)
  double weight_decay = 1e-4;
  int64_t eval_batch = 128;
  bool progress = true;
};

// A frozen backbone's features of each array set, computed once (at the
// richest level, C2..C5) and derived per kind on demand.
class FeatureCache {
 public:
  FeatureCache(nn::ResNet& net, int64_t batch = 128) : net_(net), batch_(batch) {}
  const Features& get(const TaskArrays& a, FeatureKind kind);

 private:
  nn::ResNet& net_;
  int64_t batch_;
  std::map<std::pair<const TaskArrays*, int>, Features> cache_;
};

// Pooled / C5-only views of a pyramid (no copy of C5).
Features derive_features(const Features& pyramid, FeatureKind kind);
BackboneShape backbone_shape(const nn::ResNet& net);

struct CellInput {
  const Task* task = nullptr;
  const TaskArrays* train = nullptr;  // the whole training split
  const TaskArrays* test = nullptr;
  std::vector<const TaskArrays*> extra;  // extra evaluation sets (ORL for recognition)
  std::vector<int64_t> subset;           // training rows this cell may use
  std::string mode = "linear";           // linear | finetune
  uint64_t seed = 0;                     // head init and batch order
  std::string label;                     // progress-bar label
};

struct CellOutcome {
  Metrics metrics;
  double seconds = 0;
  double final_loss = 0;
  std::shared_ptr<TaskHead> head;
  // Head outputs on the first `overlay_rows` test rows (for drawing).
  Tensor sample_outputs;
};

// `backbone` is used as is in linear mode (with `cache`, which must wrap it)
// and trained in place in finetune mode (pass a fresh copy per cell).
CellOutcome run_cell(nn::ResNet& backbone, const CellInput& in, const FitOptions& fit, FeatureCache* cache,
                     int64_t overlay_rows = 0);

}  // namespace fb::tasks
