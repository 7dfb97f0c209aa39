#pragma once
// One pre-training method = how a batch of views becomes a loss, plus what
// happens after each optimizer step (prototype normalisation, momentum
// encoder, queue). The trainer is the same for all of them.
#include <map>
#include <memory>
#include <string>

#include "facebench/data/batch.h"
#include "facebench/data/pipeline.h"
#include "facebench/pretrain/config.h"
#include "facebench/pretrain/model.h"
#include "nn/distributed/communicator.h"

namespace fb::pretrain {

class Method {
 public:
  Method(const Config& c, PretrainModel& m) : cfg_(c), model_(m) {}
  virtual ~Method() = default;
  // Training-mode loss of one batch (records the graph).
  virtual Tensor loss(const data::Batch& b, int64_t step) = 0;
  // Between backward and the optimizer step (e.g. freezing prototypes).
  virtual void before_step(int64_t step) {}
  // After the optimizer step.
  virtual void after_step(int64_t step) {}
  // State that is neither a parameter nor a buffer (MoCo's queue), for checkpoints.
  virtual nn::NamedTensors extra_state() const { return {}; }
  virtual void load_extra_state(const nn::NamedTensors&) {}
  // Numbers worth logging from the last loss() (e.g. code entropy).
  const std::map<std::string, double>& stats() const { return stats_; }
  // Data parallel: this rank's batch is its rows of the global batch, and
  // what spans the global batch (SwAV's Sinkhorn, MoCo's queue, SimCLR's
  // negatives) goes through the communicator. Null: one process.
  void set_communicator(nn::dist::CommunicatorPtr c) { comm_ = std::move(c); }

 protected:
  // Backbone features of every view, running views of equal size together
  // (as SwAV does: one forward per resolution keeps batch-norm batches large).
  std::vector<Tensor> features(const std::vector<Tensor>& views, nn::ResNet& net);
  const Config& cfg_;
  PretrainModel& model_;
  std::map<std::string, double> stats_;
  nn::dist::CommunicatorPtr comm_;
  bool distributed() const { return comm_ && comm_->world_size() > 1; }
};

std::unique_ptr<Method> make_method(const Config& c, PretrainModel& m);
// The augmentation pipeline each method reads its views from.
data::Pipeline make_pipeline(const Config& c);

}  // namespace fb::pretrain
