// Tensor-level GEMM: argument checks, then the reference or CPU kernel.
#include "kernels/backend.h"
#include "kernels/bf16_on_cpu.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/gemm.h"
#include "kernels/ops.h"
#include "kernels/ref/gemm.h"

#include <type_traits>

namespace fb::kernels {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  if (a.defined() && b.defined() && (a.device().is_cuda() || b.device().is_cuda()))
    return cuda::matmul(a, b, trans_a, trans_b);
  FB_CHECK(a.defined() && b.defined(), "matmul: undefined operand");
  FB_CHECK(a.dim() == 2 && b.dim() == 2, "matmul: operands must be 2-D, got a ", shape_str(a.shape()), ", b ",
           shape_str(b.shape()));
  FB_CHECK(a.dtype() == b.dtype(), "matmul: dtypes differ: a ", dtype_name(a.dtype()), " ", shape_str(a.shape()),
           ", b ", dtype_name(b.dtype()), " ", shape_str(b.shape()));
  if (is_cpu_bf16(a) && is_cpu_bf16(b))
    return matmul(widen_to_f32(a), widen_to_f32(b), trans_a, trans_b).to(DType::bf16);
  FB_CHECK(a.dtype() == DType::f32 || a.dtype() == DType::f64, "matmul: unsupported dtype ", dtype_name(a.dtype()),
           " (supported: f32, f64, bf16) for a ", shape_str(a.shape()), ", b ", shape_str(b.shape()));
  FB_CHECK(a.device() == b.device(), "matmul: operands on different devices: a ", a.device().str(), ", b ",
           b.device().str());
  const int64_t M = trans_a ? a.size(1) : a.size(0), K = trans_a ? a.size(0) : a.size(1);
  const int64_t Kb = trans_b ? b.size(1) : b.size(0), N = trans_b ? b.size(0) : b.size(1);
  FB_CHECK(K == Kb, "matmul: inner dimensions differ: op(a) is [", M, ", ", K, "], op(b) is [", Kb, ", ", N,
           "] (a ", shape_str(a.shape()), trans_a ? " transposed" : "", ", b ", shape_str(b.shape()),
           trans_b ? " transposed" : "", ")");

  // A transposed view that is contiguous in the other order is consumed as
  // is, by flipping the transpose flag instead of copying.
  auto as_matrix = [](const Tensor& t, bool& trans) {
    if (t.is_contiguous()) return t;
    if (t.transpose(0, 1).is_contiguous()) {
      trans = !trans;
      return t.transpose(0, 1);
    }
    return t.contiguous();
  };
  bool ta = trans_a, tb = trans_b;
  const Tensor A = as_matrix(a, ta), B = as_matrix(b, tb);
  Tensor c = Tensor::empty({M, N}, a.dtype());
  const bool ref = cpu_backend() == CpuBackend::Reference;
  dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      const int64_t lda = A.size(1), ldb = B.size(1);
      if (ref)
        ref::gemm<T>(ta, tb, M, N, K, T(1), A.data<T>(), lda, B.data<T>(), ldb, T(0), c.data<T>(), N);
      else
        cpu::gemm<T>(ta, tb, M, N, K, T(1), A.data<T>(), lda, B.data<T>(), ldb, T(0), c.data<T>(), N);
    }
  });
  return c;
}

}  // namespace fb::kernels
