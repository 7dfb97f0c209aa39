#pragma once
// Fast CPU (OpenMP) activations on contiguous raw buffers; same contracts as
// kernels/ref/activation.h, instantiated for float and double. Arithmetic is
// in T (the reference works in double).
#include <cstdint>

#include "kernels/ops.h"

namespace fb::kernels::cpu {

template <typename T>
void activation_forward(Activation a, const T* x, int64_t n, T* y);
// dx = dy * f'(x), x the forward input.
template <typename T>
void activation_backward(Activation a, const T* dy, const T* x, int64_t n, T* dx);

}  // namespace fb::kernels::cpu
