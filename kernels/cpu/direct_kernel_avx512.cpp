// AVX-512 direct-A kernels, MR x 32 for MR = 1..14: 2*MR accumulators, two B
// vectors and one broadcast stay within the 32 zmm registers up to MR = 14.
// Tiles are chosen per output row (e.g. 56 = 4 x 14, 7 = 1 x 7), so every
// row count has its own fully unrolled instantiation.
#include <immintrin.h>

#include <utility>

#include "kernels/cpu/direct_kernel.h"

namespace fb::kernels::cpu {
namespace {

constexpr int NR = 32;

template <int MR>
__attribute__((target("avx512f"))) void direct_mx32(int64_t nseg, const float* const* a_seg, int64_t lda,
                                                     int64_t kseg, const float* __restrict b, float* __restrict c,
                                                     int64_t ldc, int64_t nr, float beta) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int64_t s = 0; s < nseg; ++s) {
    const float* a = a_seg[s];
    for (int64_t k = 0; k < kseg; ++k) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
      b += NR;
#pragma GCC unroll 14
      for (int i = 0; i < MR; ++i) {
        const __m512 ai = _mm512_set1_ps(a[i * lda + k]);
        c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
        c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
      }
    }
  }
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr <= 16 ? __mmask16(0) : __mmask16((1u << (nr - 16)) - 1);
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    __m512 r0 = c0[i], r1 = c1[i];
    if (beta != 0.0f) {
      r0 = _mm512_add_ps(r0, _mm512_maskz_loadu_ps(m0, row));
      r1 = _mm512_add_ps(r1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, r0);
    _mm512_mask_storeu_ps(row + 16, m1, r1);
  }
}

template <int... M>
DirectKernel make(std::integer_sequence<int, M...>) {
  DirectKernel k;
  k.max_mr = DirectKernel::kMaxMr;
  k.nr = NR;
  k.isa = Isa::Avx512;
  ((k.fn[M + 1] = &direct_mx32<M + 1>), ...);
  return k;
}

}  // namespace

const DirectKernel& direct_kernel_avx512() {
  static const DirectKernel k = make(std::make_integer_sequence<int, DirectKernel::kMaxMr>{});
  return k;
}

}  // namespace fb::kernels::cpu
