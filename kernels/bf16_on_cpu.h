#pragma once
// bf16 operands of the matrix products on the CPU. There is no bf16
// arithmetic here: the operands are widened to f32 (exactly), the f32 kernel
// runs, and the result is rounded to bf16 once. That is what tensor cores
// compute for bf16 (exact products, f32 sums) up to the order of the sums,
// so the CPU is the oracle of the CUDA bf16 kernels, and mixed precision
// (nn/autocast.h) runs, slowly but exactly, on any machine.
#include "tensor/tensor.h"

namespace fb::kernels {

// True for a defined bf16 tensor on the CPU.
inline bool is_cpu_bf16(const Tensor& t) { return t.defined() && t.dtype() == DType::bf16 && t.device().is_cpu(); }
// An undefined tensor (an absent bias) is passed through.
inline Tensor widen_to_f32(const Tensor& t) { return t.defined() ? t.to(DType::f32) : t; }

}  // namespace fb::kernels
