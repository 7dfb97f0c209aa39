// cuBLAS GEMM for row-major operands.
//
// cuBLAS is column-major. A row-major [M, N] matrix C has the same bytes as
// the column-major [N, M] matrix C^T, and C^T = op(B)^T op(A)^T, so we ask
// cuBLAS for that product with the operands swapped: no copies, only the
// transpose flags change.
#include <mutex>

#include "kernels/cuda/vendor/check.h"
#include "kernels/cuda/vendor/vendor.h"
#include "tensor/cuda/check.h"

namespace fb::kernels::cuda::vendor {
namespace {
cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t r;
    FB_CUBLAS_CHECK(cublasCreate(&r));
    return r;
  }();
  return h;
}
}  // namespace

void gemm(bool ta, bool tb, int M, int N, int K, DType dtype, bool tf32, const void* A, const void* B, void* C) {
  cublasHandle_t h = handle();
  FB_CUBLAS_CHECK(cublasSetStream(h, fb::cuda::stream()));
  const float alpha = 1.f, beta = 0.f;
  const cudaDataType_t t = dtype == DType::bf16 ? CUDA_R_16BF : CUDA_R_32F;
  const cublasComputeType_t ct = dtype == DType::f32 && tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  // Column-major views: B (row-major [K,N], ld N) is B^T; stored [N,K] (tb), ld K.
  const int ldb = tb ? K : N, lda = ta ? M : K;
  FB_CUBLAS_CHECK(cublasGemmEx(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha, B,
                               t, ldb, A, t, lda, &beta, C, t, N, ct, CUBLAS_GEMM_DEFAULT));
}

}  // namespace fb::kernels::cuda::vendor
