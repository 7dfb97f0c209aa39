#pragma once
// Reference GEMM: the oracle for every fast matrix product. Plain triple loop,
// accumulating in double so that the f32 result is as exact as f32 allows.
//
//   C[M,N] = alpha * op(A) @ op(B) + beta * C
//   op(A)[i,k] = trans_a ? A[k*lda + i] : A[i*lda + k]
//   op(B)[k,j] = trans_b ? B[j*ldb + k] : B[k*ldb + j]
// beta == 0 overwrites C without reading it (so C may hold garbage).
#include <cstdint>

namespace fb::kernels::ref {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const double b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      T& c = C[i * ldc + j];
      c = beta == T(0) ? static_cast<T>(alpha * acc) : static_cast<T>(alpha * acc + beta * double(c));
    }
  }
}

}  // namespace fb::kernels::ref
