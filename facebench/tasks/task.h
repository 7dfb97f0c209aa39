#pragma once
// A benchmark task = what its head reads, the head, the training loss and the
// metrics (../PROTOCOL.md, "The five tasks"). The runner (runner.h) owns the
// loop: it feeds the head features of a frozen backbone (linear mode) or of a
// backbone being fine-tuned, and never selects a model on the test set.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "facebench/tasks/backbone.h"
#include "facebench/tasks/task_data.h"
#include "nn/module.h"

namespace fb::tasks {

// A head reads Features (not one tensor), so each task wraps its decoder in one.
class TaskHead : public nn::Module {
 public:
  using nn::Module::forward;
  virtual Tensor forward_features(const Features& f) = 0;
};

// What the backbone offers a head: channel counts of C2..C5 and the pooled size.
struct BackboneShape {
  std::vector<int64_t> pyramid_channels;
  int64_t feature_dim = 0;
};

using Metrics = std::map<std::string, double>;

// What evaluation can ask for: head outputs (eval mode, no grad) for every
// row of an array set — the test split, or an extra set a task evaluates on
// (ORL for recognition).
struct EvalContext {
  const TaskArrays& test;
  std::vector<const TaskArrays*> extra;
  std::function<Tensor(const TaskArrays&)> outputs;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual FeatureKind feature_kind() const = 0;
  // Checks that `train` carries this task's labels; throws fb::Error naming what is missing.
  virtual void check_data(const TaskArrays& train) const = 0;
  // A fresh head (its weights drawn from nn::default_generator()).
  virtual std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& train) const = 0;
  // The training loss of head outputs `out` (from `head`) for rows `rows` of `train`.
  virtual Tensor loss(TaskHead& head, const Tensor& out, const TaskArrays& train,
                      const std::vector<int64_t>& rows) const = 0;
  virtual Metrics evaluate(const EvalContext& ctx) const = 0;
  // Predicted landmarks [rows, points, 2] in crop pixels from outputs, for overlays (empty if none).
  virtual std::vector<float> landmarks_from_outputs(const Tensor& out) const { (void)out; return {}; }
};

struct TaskSettings {
  int64_t head_channels = 64;     // HeatmapHead / ParsingHead width (the paper's 256 at full width)
  int64_t embedding = 128;        // recognition embedding size (the paper's 512 at full width)
  double arcface_s = 16, arcface_m = 0.3;  // the paper's s = 64, m = 0.5 suit 512-d, many-class training
  double softargmax_beta = 1.0;
};

// "recognition", "landmarks", "au", "emotion", "3d", "parsing".
std::unique_ptr<Task> make_task(const std::string& name, const TaskSettings& s = {});
const std::vector<std::string>& task_names();

}  // namespace fb::tasks
