#include "kernels/contrastive.h"

#include "kernels/backend.h"
#include "kernels/cpu/contrastive.h"
#include "kernels/cuda/ops.h"
#include "kernels/ref/contrastive.h"

namespace fb::kernels {

Tensor sinkhorn(const Tensor& scores, double eps, int iters) {
  FB_CHECK(scores.dim() == 2 && scores.size(0) > 0 && scores.size(1) > 0,
           "sinkhorn: scores must be a non-empty 2-D [batch, prototypes] tensor, got ", shape_str(scores.shape()));
  FB_CHECK(eps > 0 && iters >= 0, "sinkhorn: eps must be positive and iters non-negative (eps ", eps, ", iters ",
           iters, ")");
  if (scores.device().is_cuda()) return cuda::sinkhorn(scores, eps, iters);
  Tensor s = scores.contiguous();
  Tensor q = Tensor::empty(s.shape(), s.dtype());
  int64_t B = s.size(0), K = s.size(1);
  auto run = [&](auto z) {
    using T = decltype(z);
    if (cpu_backend() == CpuBackend::Reference)
      ref::sinkhorn<T>(s.data<T>(), q.data<T>(), B, K, eps, iters);
    else
      cpu::sinkhorn<T>(s.data<T>(), q.data<T>(), B, K, eps, iters);
  };
  if (s.dtype() == DType::f32)
    run(float{});
  else if (s.dtype() == DType::f64)
    run(double{});
  else
    FB_FAIL("sinkhorn: dtype ", dtype_name(s.dtype()), " is not supported (f32 or f64)");
  return q;
}

}  // namespace fb::kernels
