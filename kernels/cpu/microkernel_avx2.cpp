// AVX2 + FMA float micro-kernel, 6 x 16 (see microkernel.h), and the
// portable kernels that need no particular instruction set.
#include <immintrin.h>

#include <cstring>

#include "kernels/cpu/microkernel.h"

namespace fb::kernels::cpu {
namespace {

constexpr int MR = 6, NR = 16;

__attribute__((target("avx2,fma"))) void kernel_6x16(int64_t kc, const float* __restrict a,
                                                     const float* __restrict b, float* __restrict c, int64_t ldc,
                                                     int64_t mr, int64_t nr, float alpha, float beta) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
    }
    a += MR;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (mr == MR && nr == NR) {
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      float* row = c + i * ldc;
      __m256 r0 = _mm256_mul_ps(va, c0[i]), r1 = _mm256_mul_ps(va, c1[i]);
      if (beta != 0.0f) {
        r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r0);
        r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r1);
      }
      _mm256_storeu_ps(row, r0);
      _mm256_storeu_ps(row + 8, r1);
    }
    return;
  }
  // Edge tile: spill the accumulators and copy the valid part.
  alignas(32) float tile[MR][NR];
  for (int i = 0; i < MR; ++i) {
    _mm256_store_ps(&tile[i][0], c0[i]);
    _mm256_store_ps(&tile[i][8], c1[i]);
  }
  for (int64_t i = 0; i < mr; ++i) {
    float* row = c + i * ldc;
    for (int64_t j = 0; j < nr; ++j)
      row[j] = beta == 0.0f ? alpha * tile[i][j] : alpha * tile[i][j] + beta * row[j];
  }
}

// Portable kernel written with GCC/Clang vector types: the compiler picks the
// widest vectors the build's -march allows.
template <typename T>
struct Portable {
#if defined(__AVX512F__)
  static constexpr int VB = 64;  // bytes per vector, the widest the build targets
#elif defined(__AVX__)
  static constexpr int VB = 32;
#else
  static constexpr int VB = 16;  // SSE2, the x86-64 floor
#endif
  static constexpr int VL = VB / int(sizeof(T)), NV = 2, MR = 6, NR = VL * NV;
  typedef T vec __attribute__((vector_size(VB)));
  static void kernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc,
                     int64_t mr, int64_t nr, T alpha, T beta) {
    vec acc[MR][NV];
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) acc[i][v] = vec{};
    for (int64_t k = 0; k < kc; ++k) {
      vec bv[NV];
      for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + k * NR + v * VL, sizeof(vec));
      for (int i = 0; i < MR; ++i) {
        const T ai = a[k * MR + i];
        for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
    alignas(64) T tile[MR][NR];
    for (int i = 0; i < MR; ++i)
      for (int v = 0; v < NV; ++v) std::memcpy(&tile[i][v * VL], &acc[i][v], sizeof(vec));
    for (int64_t i = 0; i < mr; ++i) {
      T* row = c + i * ldc;
      for (int64_t j = 0; j < nr; ++j)
        row[j] = beta == T(0) ? alpha * tile[i][j] : alpha * tile[i][j] + beta * row[j];
    }
  }
};

}  // namespace

MicroKernel<float> micro_kernel_avx2_f32() { return {MR, NR, &kernel_6x16, Isa::Avx2}; }

MicroKernel<float> micro_kernel_f32(Isa isa) {
  if (isa == Isa::Avx512) return micro_kernel_avx512_f32();
  if (isa == Isa::Avx2) return micro_kernel_avx2_f32();
  using P = Portable<float>;
  return {P::MR, P::NR, &P::kernel, Isa::Generic};
}

MicroKernel<double> micro_kernel_f64() {
  using P = Portable<double>;
  return {P::MR, P::NR, &P::kernel, Isa::Generic};
}

}  // namespace fb::kernels::cpu
