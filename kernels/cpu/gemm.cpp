// Plain-matrix GEMM on top of the packed driver (gemm_driver.h): blocking
// from the cache sizes, and the packers for row-major / transposed operands.
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/profile.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/cpu/gemm_driver.h"

namespace fb::kernels::cpu {

GemmBlocking gemm_blocking(int mr, int nr, int elem) {
  const CacheSizes& cs = cache_sizes();
  auto round_down = [](int64_t v, int64_t m) { return std::max<int64_t>(m, v / m * m); };
  // What costs beyond the micro-kernel is traffic from L3 or memory: C is
  // loaded and stored once per K slice, the packed A block is read again for
  // every NC columns. The B block is re-read once per A micro-panel and
  // streams well from L2/L3 whatever its size, and the A micro-panel is
  // read in sequence (the prefetcher streams it), so neither need fit L1.
  // Hence long K slices and wide B blocks, both scaled by L2:
  // KC = L2 / (8 NR elem), NC = 2 L2 / (KC elem). On Zen 4
  // (1 MB L2: KC = 1024, NC = 512) SGEMM 2048^3 on 2 threads reaches
  // 87-94 % of the FMA peak (4096^3: 87-98 %) against 77 % with the
  // L1/L2-resident blocking (KC = 336, NC = 384) this replaces.
  int64_t kc = round_down(cs.l2 / (8 * int64_t(nr) * elem), 8);
  kc = std::clamp<int64_t>(kc, 256, 4096);
  int64_t nc = round_down(2 * cs.l2 / (kc * elem), nr);
  nc = std::clamp<int64_t>(nc, int64_t(nr), 4096 / nr * nr);
  // MC: the packed A block [MC x KC] takes a share of L3 (two threads'
  // blocks and their B traffic must fit); large MC means B is packed once.
  int64_t mc = round_down(cs.l3 / 4 / (kc * elem), mr);
  mc = std::clamp<int64_t>(mc, int64_t(mr), 8192 / mr * mr);
  if (const char* e = std::getenv("FB_GEMM_KC")) kc = std::max<int64_t>(8, std::atol(e));
  if (const char* e = std::getenv("FB_GEMM_NC")) nc = round_down(std::atol(e), nr);
  return {kc, mc, nc};
}

template <typename T>
void MatrixPackA<T>::operator()(int64_t i0, int64_t rows, int64_t p0, int64_t kc, T* dst) const {
  const int MR = mr;
  if (!trans) {
    // Row-major A: MR row streams, interleaved k by k.
    if (rows == MR) {
      const T* src = a + i0 * lda + p0;
      for (int64_t k = 0; k < kc; ++k)
        for (int i = 0; i < MR; ++i) dst[k * MR + i] = src[i * lda + k];
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        int64_t i = 0;
        for (; i < rows; ++i) dst[k * MR + i] = a[(i0 + i) * lda + p0 + k];
        for (; i < MR; ++i) dst[k * MR + i] = T(0);
      }
    }
  } else {
    // A stored [K, M]: every k is a contiguous run of MR values.
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = a + (p0 + k) * lda + i0;
      std::memcpy(dst + k * MR, src, size_t(rows) * sizeof(T));
      for (int64_t i = rows; i < MR; ++i) dst[k * MR + i] = T(0);
    }
  }
}

template <typename T>
void MatrixPackB<T>::operator()(int64_t p0, int64_t kc, int64_t j0, int64_t cols, T* dst) const {
  const int NR = nr;
  if (!trans) {
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = b + (p0 + k) * ldb + j0;
      std::memcpy(dst + k * NR, src, size_t(cols) * sizeof(T));
      for (int64_t j = cols; j < NR; ++j) dst[k * NR + j] = T(0);
    }
  } else {
    // B stored [N, K]: gather NR column streams.
    if (cols < NR) std::fill(dst, dst + kc * NR, T(0));
    for (int64_t j = 0; j < cols; ++j) {
      const T* src = b + (j0 + j) * ldb + p0;
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
    }
  }
}

template struct MatrixPackA<float>;
template struct MatrixPackA<double>;
template struct MatrixPackB<float>;
template struct MatrixPackB<double>;

namespace {

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}

}  // namespace

template <typename T>
void gemm_with(const MicroKernel<T>& uk, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
               const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const MatrixPackA<T> pa{A, lda, trans_a, uk.mr};
  const MatrixPackB<T> pb{B, ldb, trans_b, uk.nr};
  gemm_packed<T>(M, N, K, alpha, pa, pb, beta, C, ldc, &uk);
}

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  ProfileScope prof_("gemm");
  gemm_with<T>(micro_kernel_for<T>(active_isa()), trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#define FB_INSTANTIATE_GEMM(T)                                                                                    \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, \
                        int64_t);                                                                                 \
  template void gemm_with<T>(const MicroKernel<T>&, bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,  \
                             const T*, int64_t, T, T*, int64_t);
FB_INSTANTIATE_GEMM(float)
FB_INSTANTIATE_GEMM(double)
#undef FB_INSTANTIATE_GEMM

}  // namespace fb::kernels::cpu
