#pragma once
// Reverse-mode differentiation of the recorded graph.
#include "tensor/tensor.h"

namespace fb::autograd {

// Accumulates d(root)/d(leaf) into every leaf's .grad. `grad` is the
// gradient of the root; it may be omitted when the root has one element.
void backward(const Tensor& root, const Tensor& grad = Tensor());

}  // namespace fb::autograd
