// AVX-512 float micro-kernel, 12 x 32 (see microkernel.h for the register
// budget). Built with a target attribute so that a portable -march build
// still carries it; it is only called when CPUID reports avx512f.
#include <immintrin.h>

#include "kernels/cpu/microkernel.h"

namespace fb::kernels::cpu {
namespace {

constexpr int MR = 12, NR = 32;

__attribute__((target("avx512f"))) void kernel_12x32(int64_t kc, const float* __restrict a,
                                                      const float* __restrict b, float* __restrict c, int64_t ldc,
                                                      int64_t mr, int64_t nr, float alpha, float beta) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  // The packed panels are read sequentially, so the hardware prefetcher
  // keeps them streaming; the C tile is prefetched while the k loop runs.
  for (int i = 0; i < MR && i < mr; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
    a += MR;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  // Column masks clip the right edge; rows past mr are simply not stored.
  const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr <= 16 ? __mmask16(0) : __mmask16((1u << (nr - 16)) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m512 r0 = _mm512_mul_ps(va, c0[i]), r1 = _mm512_mul_ps(va, c1[i]);
    if (beta != 0.0f) {
      r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), r0);
      r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), r1);
    }
    _mm512_mask_storeu_ps(row, m0, r0);
    _mm512_mask_storeu_ps(row + 16, m1, r1);
  }
}

}  // namespace

MicroKernel<float> micro_kernel_avx512_f32() { return {MR, NR, &kernel_12x32, Isa::Avx512}; }

}  // namespace fb::kernels::cpu
