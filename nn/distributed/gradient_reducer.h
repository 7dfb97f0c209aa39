#pragma once
// Averages gradients over ranks while backward is still running. Parameters
// are grouped into buckets of at most bucket_bytes in reverse order (backward
// reaches the last layers first); as soon as every gradient of a bucket is
// complete its all-reduce starts (Communicator::all_reduce_async), so the
// communication of the last layers overlaps the computation of the first.
//
//   GradientReducer reducer(*comm, params, 25u << 20);
//   for each step:
//     {
//       auto watch = reducer.observe();
//       autograd::backward(loss);
//     }
//     reducer.finish();        // every .grad now holds the average over ranks
//
// The result equals all_reduce_gradients (element-wise the same sums). A
// parameter without a gradient in a step is left out (its bucket starts in
// finish()); the set must be the same on every rank, as it is when every rank
// runs the same graph. One backward per step: a gradient that becomes ready
// twice before finish() is an error.
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "autograd/grad_ready.h"
#include "nn/distributed/communicator.h"

namespace fb::nn::dist {

class GradientReducer {
 public:
  GradientReducer(Communicator& comm, std::vector<Tensor> params, size_t bucket_bytes,
                  ReduceOp op = ReduceOp::Average);
  // Watches the backward pass run while the returned object lives.
  std::unique_ptr<autograd::GradReadyObserver> observe();
  // Starts the buckets backward did not complete, waits for every bucket and
  // writes the reduced values into the gradients; then ready for the next step.
  void finish();

  size_t bucket_count() const { return buckets_.size(); }
  // Buckets whose all-reduce started before backward returned, in the last step.
  int64_t started_during_backward() const { return started_early_; }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into params_
    size_t ready = 0;
    bool started = false;
    Tensor flat;
    std::vector<Tensor> grads;  // the gradients packed into flat, in order
    PendingReducePtr pending;
  };
  void grad_ready(const TensorImpl* leaf);
  void start(Bucket& b);

  Communicator& comm_;
  std::vector<Tensor> params_;
  ReduceOp op_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;  // per parameter
  std::vector<bool> ready_;        // per parameter, this step
  std::unordered_map<const TensorImpl*, size_t> index_;
  std::vector<size_t> start_order_;
  int64_t started_early_ = 0;
  bool in_backward_ = false;
};

}  // namespace fb::nn::dist
