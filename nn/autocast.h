#pragma once
// Mixed precision. Inside an AutocastGuard(DType::bf16) the matrix products
// of f32 operands (matmul, linear, conv2d, conv_transpose2d in
// nn/functional.h) cast their operands to bf16, run the bf16 kernels (exact
// products, f32 accumulation) and cast the result back to f32. Everything
// else — normalisation, activations, losses, reductions and the optimizer's
// master weights — stays in f32. The casts are differentiable, so the
// backward products run in bf16 too and every parameter's gradient arrives
// in f32 (rounded through bf16 once, as the kernels produce it).
// Thread-local like grad mode; DType::f32 (the default) turns it off.
#include "tensor/dtype.h"

namespace fb {

// DType::bf16 inside an active AutocastGuard(DType::bf16), else DType::f32.
DType autocast_dtype();
void set_autocast_dtype(DType compute);

class AutocastGuard {
 public:
  explicit AutocastGuard(DType compute) : prev_(autocast_dtype()) { set_autocast_dtype(compute); }
  ~AutocastGuard() { set_autocast_dtype(prev_); }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  DType prev_;
};

}  // namespace fb
