#pragma once
// Lets a caller act on each leaf's gradient as soon as backward has finished
// accumulating it, while the rest of backward still runs: data-parallel
// training starts averaging the last layers' gradients over ranks this way
// while the first layers' are being computed.
//
//   {
//     autograd::GradReadyObserver watch([&](const TensorImpl* leaf) { ... });
//     autograd::backward(loss);   // calls it once per leaf that gets a gradient
//   }
//
// The observer belongs to the thread that runs backward; observers nest (the
// innermost one is called). It is called after the leaf's AccumulateGrad, in
// the deterministic order the engine runs nodes, so every rank of a
// data-parallel job sees the same sequence for the same graph.
#include <functional>

#include "tensor/tensor.h"

namespace fb::autograd {

using GradReadyFn = std::function<void(const TensorImpl* leaf)>;

class GradReadyObserver {
 public:
  explicit GradReadyObserver(GradReadyFn fn);
  ~GradReadyObserver();
  GradReadyObserver(const GradReadyObserver&) = delete;
  GradReadyObserver& operator=(const GradReadyObserver&) = delete;

 private:
  GradReadyFn fn_;
  GradReadyObserver* prev_;
  friend void notify_grad_ready(const TensorImpl* leaf);
};

// Called by the engine after a leaf's gradient is complete.
void notify_grad_ready(const TensorImpl* leaf);

}  // namespace fb::autograd
