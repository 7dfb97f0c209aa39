#pragma once
// Fast CPU GEMM (float, double): Goto/BLIS packing and cache blocking around
// a register micro-kernel chosen at run time (AVX-512, AVX2+FMA or portable;
// see isa.h, microkernel.h, gemm_driver.h).
//
//   C[M,N] = alpha * op(A) @ op(B) + beta * C
//   op(A)[i,k] = trans_a ? A[k*lda + i] : A[i*lda + k]
//   op(B)[k,j] = trans_b ? B[j*ldb + k] : B[k*ldb + j]
// beta == 0 overwrites C without reading it.
//
// Called from inside an OpenMP parallel region it runs on the calling thread
// only, so callers may parallelise over independent products themselves.
#include <cstdint>

#include "kernels/cpu/microkernel.h"

namespace fb::kernels::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// The same with an explicit micro-kernel (tests force each ISA's kernel).
template <typename T>
void gemm_with(const MicroKernel<T>& uk, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
               const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

#define FB_DECLARE_GEMM(T)                                                                                       \
  extern template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, \
                               T, T*, int64_t);                                                                  \
  extern template void gemm_with<T>(const MicroKernel<T>&, bool, bool, int64_t, int64_t, int64_t, T, const T*,  \
                                    int64_t, const T*, int64_t, T, T*, int64_t);
FB_DECLARE_GEMM(float)
FB_DECLARE_GEMM(double)
#undef FB_DECLARE_GEMM

}  // namespace fb::kernels::cpu
