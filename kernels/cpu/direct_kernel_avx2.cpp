// AVX2 direct-A kernels, MR x 16 for MR = 1..6 (12 accumulators + 2 B + 1
// broadcast of 16 ymm), and a portable version of the same contract.
#include <immintrin.h>

#include <utility>

#include "kernels/cpu/direct_kernel.h"

namespace fb::kernels::cpu {
namespace {

constexpr int NR = 16, MAXMR = 6;

template <int MR>
__attribute__((target("avx2,fma"))) void direct_mx16(int64_t nseg, const float* const* a_seg, int64_t lda,
                                                     int64_t kseg, const float* __restrict b, float* __restrict c,
                                                     int64_t ldc, int64_t nr, float beta) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm256_setzero_ps();
  for (int64_t s = 0; s < nseg; ++s) {
    const float* a = a_seg[s];
    for (int64_t k = 0; k < kseg; ++k) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      b += NR;
#pragma GCC unroll 6
      for (int i = 0; i < MR; ++i) {
        const __m256 ai = _mm256_broadcast_ss(a + i * lda + k);
        c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
        c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
      }
    }
  }
  if (nr == NR) {
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      float* row = c + i * ldc;
      __m256 r0 = c0[i], r1 = c1[i];
      if (beta != 0.0f) {
        r0 = _mm256_add_ps(r0, _mm256_loadu_ps(row));
        r1 = _mm256_add_ps(r1, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, r0);
      _mm256_storeu_ps(row + 8, r1);
    }
    return;
  }
  alignas(32) float tile[MR][NR];
  for (int i = 0; i < MR; ++i) {
    _mm256_store_ps(&tile[i][0], c0[i]);
    _mm256_store_ps(&tile[i][8], c1[i]);
  }
  for (int i = 0; i < MR; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = tile[i][j] + (beta != 0.0f ? c[i * ldc + j] : 0.0f);
}

template <int MR>
void direct_portable(int64_t nseg, const float* const* a_seg, int64_t lda, int64_t kseg, const float* __restrict b,
                     float* __restrict c, int64_t ldc, int64_t nr, float beta) {
  float acc[MR][NR] = {};
  for (int64_t s = 0; s < nseg; ++s) {
    const float* a = a_seg[s];
    for (int64_t k = 0; k < kseg; ++k, b += NR)
      for (int i = 0; i < MR; ++i) {
        const float ai = a[i * lda + k];
        for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
      }
  }
  for (int i = 0; i < MR; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = acc[i][j] + (beta != 0.0f ? c[i * ldc + j] : 0.0f);
}

template <int... M>
DirectKernel make(std::integer_sequence<int, M...>, bool portable) {
  DirectKernel k;
  k.max_mr = MAXMR;
  k.nr = NR;
  k.isa = portable ? Isa::Generic : Isa::Avx2;
  if (portable)
    ((k.fn[M + 1] = &direct_portable<M + 1>), ...);
  else
    ((k.fn[M + 1] = &direct_mx16<M + 1>), ...);
  return k;
}

}  // namespace

const DirectKernel& direct_kernel_avx2() {
  static const DirectKernel k = make(std::make_integer_sequence<int, MAXMR>{}, false);
  return k;
}

const DirectKernel& direct_kernel_portable() {
  static const DirectKernel k = make(std::make_integer_sequence<int, MAXMR>{}, true);
  return k;
}

const DirectKernel& direct_kernel(Isa isa) {
  if (isa == Isa::Avx512) return direct_kernel_avx512();
  if (isa == Isa::Avx2) return direct_kernel_avx2();
  return direct_kernel_portable();
}

}  // namespace fb::kernels::cpu
