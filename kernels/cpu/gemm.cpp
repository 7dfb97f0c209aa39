// Packed, cache-blocked GEMM in the Goto/BLIS style:
//
//   for jc (NC columns of C)            B panel  [KC x NC] packed, lives in L3
//     for pc (KC of the K dimension)
//       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide micro-panels
//       for ic (MC rows of C)           A block  [MC x KC] packed, lives in L2
//         pack op(A)[ic:ic+MC, pc:pc+KC] into MR-tall micro-panels
//         for jr, ir: MR x NR micro-kernel (accumulators in registers)
//
// All threads of one team share the packed buffers: they pack cooperatively
// and split the micro-tiles of each block, with a barrier between phases.
// The micro-kernel is written with GCC/Clang vector extensions so that the
// compiler emits full-width FMAs for whatever -march it targets; hand-tuned
// assembly kernels can replace it behind the same packing.
#include "kernels/cpu/gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace fb::kernels::cpu {
namespace {

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif

// Blocking per element type. The micro-tile is MR rows by NV vectors; with
// 32-byte vectors that is 6x16 floats (12 accumulators of 16 AVX2 registers).
template <typename T>
struct Blocking {
  static constexpr int VL = kVecBytes / int(sizeof(T));  // elements per vector
  static constexpr int NV = 2;                          // vectors per micro-row
  static constexpr int MR = 6;
  static constexpr int NR = VL * NV;
  static constexpr int64_t KC = 256;
  static constexpr int64_t MC = MR * 24;
  static constexpr int64_t NC = NR * 128;
};

// Below this many multiply-adds a parallel region costs more than it saves.
constexpr double kParallelFlops = 48.0 * 48.0 * 48.0;

// Packing buffers, per thread that calls gemm, grown on demand and reused so
// that repeated calls (e.g. conv tiles) do not allocate.
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
struct Workspace {
  std::unique_ptr<T[], AlignedFree> a, b;
  size_t a_size = 0, b_size = 0;
  static T* grow(std::unique_ptr<T[], AlignedFree>& buf, size_t& have, size_t need) {
    if (need > have) {
      const size_t bytes = (need * sizeof(T) + 63) / 64 * 64;
      buf.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
      have = need;
    }
    return buf.get();
  }
};
template <typename T>
Workspace<T>& workspace() {
  static thread_local Workspace<T> ws;
  return ws;
}

// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-tall panels:
// panel r holds ap[r*MR*kc + k*MR + i]; rows past mc are zero.
template <typename T, int MR>
void pack_a_panel(bool trans, const T* A, int64_t lda, int64_t i0, int64_t rows, int64_t p0, int64_t kc,
                  T* dst) {
  if (!trans) {
    for (int64_t i = 0; i < MR; ++i) {
      if (i < rows) {
        const T* src = A + (i0 + i) * lda + p0;
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = T(0);
      }
    }
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = A + (p0 + k) * lda + i0;
      int64_t i = 0;
      for (; i < rows; ++i) dst[k * MR + i] = src[i];
      for (; i < MR; ++i) dst[k * MR + i] = T(0);
    }
  }
}

// Packs rows [p0, p0+kc) x cols [j0, j0+cols) of op(B) into one NR-wide
// panel: bp[k*NR + j]; columns past `cols` are zero.
template <typename T, int NR>
void pack_b_panel(bool trans, const T* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t cols, T* dst) {
  if (!trans) {
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = B + (p0 + k) * ldb + j0;
      int64_t j = 0;
      for (; j < cols; ++j) dst[k * NR + j] = src[j];
      for (; j < NR; ++j) dst[k * NR + j] = T(0);
    }
  } else {
    for (int64_t j = 0; j < NR; ++j) {
      if (j < cols) {
        const T* src = B + (j0 + j) * ldb + p0;
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
      } else {
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = T(0);
      }
    }
  }
}

// C[0:mr, 0:nr] = alpha * Apanel @ Bpanel + beta * C, for the packed panels.
// The MR x NR accumulator block stays in vector registers across the k loop.
template <typename T>
void micro_kernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc,
                  int64_t mr, int64_t nr, T alpha, T beta) {
  using Bl = Blocking<T>;
  constexpr int MR = Bl::MR, NV = Bl::NV, VL = Bl::VL, NR = Bl::NR;
  typedef T vec __attribute__((vector_size(kVecBytes)));
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
    T* crow = c + i * ldc;
    if (beta == T(0)) {
      for (int64_t j = 0; j < nr; ++j) crow[j] = alpha * tile[i][j];
    } else {
      for (int64_t j = 0; j < nr; ++j) crow[j] = alpha * tile[i][j] + beta * crow[j];
    }
  }
}

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  using Bl = Blocking<T>;
  constexpr int MR = Bl::MR, NR = Bl::NR;
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const int64_t KC = std::min<int64_t>(Bl::KC, K);
  const int64_t NC = std::min<int64_t>(Bl::NC, (N + NR - 1) / NR * NR);
  const int64_t MC = std::min<int64_t>(Bl::MC, (M + MR - 1) / MR * MR);
  Workspace<T>& ws = workspace<T>();
  T* const abuf = Workspace<T>::grow(ws.a, ws.a_size, size_t(MC * KC));
  T* const bbuf = Workspace<T>::grow(ws.b, ws.b_size, size_t(KC * NC));
  const bool parallel =
      !omp_in_parallel() && omp_get_max_threads() > 1 && double(M) * double(N) * double(K) > kParallelFlops;

#pragma omp parallel if (parallel)
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    const int64_t n_panels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      // Later K slices accumulate onto what the first slice wrote.
      const T beta_k = pc == 0 ? beta : T(1);
#pragma omp for schedule(static)
      for (int64_t jp = 0; jp < n_panels; ++jp)
        pack_b_panel<T, NR>(trans_b, B, ldb, pc, kc, jc + jp * NR, std::min<int64_t>(NR, nc - jp * NR),
                            bbuf + jp * NR * kc);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        const int64_t m_panels = (mc + MR - 1) / MR;
#pragma omp for schedule(static)
        for (int64_t ip = 0; ip < m_panels; ++ip)
          pack_a_panel<T, MR>(trans_a, A, lda, ic + ip * MR, std::min<int64_t>(MR, mc - ip * MR), pc, kc,
                              abuf + ip * MR * kc);
        // Consecutive tiles of one thread share the B micro-panel (L1) and
        // sweep the A block (L2).
#pragma omp for collapse(2) schedule(static)
        for (int64_t jp = 0; jp < n_panels; ++jp)
          for (int64_t ip = 0; ip < m_panels; ++ip) {
            const int64_t i = ic + ip * MR, j = jc + jp * NR;
            micro_kernel<T>(kc, abuf + ip * MR * kc, bbuf + jp * NR * kc, C + i * ldc + j, ldc,
                            std::min<int64_t>(MR, M - i), std::min<int64_t>(NR, N - j), alpha, beta_k);
          }
      }
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                          int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t);

}  // namespace fb::kernels::cpu
