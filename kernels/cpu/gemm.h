#pragma once
// Fast CPU GEMM (float, double): cache-blocked and packed, OpenMP-parallel.
//
//   C[M,N] = alpha * op(A) @ op(B) + beta * C
//   op(A)[i,k] = trans_a ? A[k*lda + i] : A[i*lda + k]
//   op(B)[k,j] = trans_b ? B[j*ldb + k] : B[k*ldb + j]
// beta == 0 overwrites C without reading it.
//
// Called from inside an OpenMP parallel region it runs on the calling thread
// only, so callers may parallelise over independent products themselves.
#include <cstdint>

namespace fb::kernels::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

extern template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                 const float*, int64_t, float, float*, int64_t);
extern template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                  const double*, int64_t, double, double*, int64_t);

}  // namespace fb::kernels::cpu
