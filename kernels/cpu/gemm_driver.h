#pragma once
// The Goto/BLIS loop nest around the micro-kernel, generic in how the
// operands are packed so that convolutions can pack straight from NHWC
// tensors (implicit im2col) instead of materialising patch matrices.
//
// Our micro-kernel broadcasts A (MR rows) and streams B as vectors (NR
// columns), so the operand that must sit in L1 is the A micro-panel:
//
//   for pc in K step KC
//     for ic in M step MC         A block [MC x KC] packed once (L3)
//       pack A micro-panels (MR tall)
//       for jc in N step NC       B block [KC x NC] packed (L2/L3)
//         pack B micro-panels (NR wide)
//         for ir in MC step MR    A micro-panel [MR x KC], streamed ...
//           for jr in NC step NR  ... against each B micro-panel from L2
//             micro-kernel
//
// Blocking from the detected caches (gemm_blocking, which says why):
// long K slices (few loads and stores of C) and wide B blocks (few re-reads
// of the A block), KC = L2 / (8 NR sizeof T), NC = 2 L2 / (KC sizeof T);
// the A block a share of L3. With MC covering a thread's whole row range,
// each operand is packed exactly once per K slice.
//
// Threading: the M (or N) range is cut into one contiguous slab per thread
// and every thread runs the whole nest on its slab with private packing
// buffers. There are no barriers; the price is that the shared operand is
// packed once per thread, which costs O(K*N) against O(M*N*K/threads) of
// arithmetic. The split goes along the larger dimension.
//
// Packers (both called with 64-byte aligned dst and must zero-pad):
//   pack_a(i0, rows, p0, kc, dst): rows [i0, i0+rows) x k [p0, p0+kc) of A
//       into dst[k*MR + i], rows >= `rows` zero.
//   pack_b(p0, kc, j0, cols, dst): k [p0, p0+kc) x cols [j0, j0+cols) of B
//       into dst[k*NR + j], cols >= `cols` zero.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "kernels/cpu/isa.h"
#include "kernels/cpu/microkernel.h"

namespace fb::kernels::cpu {

struct GemmBlocking {
  int64_t kc, mc, nc;
};

// Cache-derived blocking for a micro-kernel of MR x NR elements of `elem` bytes.
GemmBlocking gemm_blocking(int mr, int nr, int elem);

// Below this many multiply-adds a parallel region costs more than it saves.
constexpr double kGemmParallelFlops = 64.0 * 64.0 * 64.0;

namespace detail {

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

// Per-thread packing buffers, grown on demand and reused across calls.
template <typename T>
struct PackBuffers {
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
PackBuffers<T>& pack_buffers() {
  static thread_local PackBuffers<T> ws;
  return ws;
}

}  // namespace detail

// One thread: C[m0:m1, n0:n1] = alpha * A @ B + beta * C.
template <typename T, typename PackA, typename PackB>
void gemm_serial(const MicroKernel<T>& uk, const GemmBlocking& bl, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                 int64_t K, T alpha, const PackA& pack_a, const PackB& pack_b, T beta, T* C, int64_t ldc) {
  const int MR = uk.mr, NR = uk.nr;
  if (m1 <= m0 || n1 <= n0) return;
  // Slices of equal length: a short last slice would pay a whole C update for little work.
  const int64_t slices = (K + bl.kc - 1) / bl.kc;
  const int64_t KC = std::min(bl.kc, ((K + slices - 1) / slices + 7) / 8 * 8);
  const int64_t MC = std::min(bl.mc, (m1 - m0 + MR - 1) / MR * MR);
  const int64_t NC = std::min(bl.nc, (n1 - n0 + NR - 1) / NR * NR);
  auto& ws = detail::pack_buffers<T>();
  T* const abuf = detail::PackBuffers<T>::grow(ws.a, ws.a_size, size_t(MC * KC));
  T* const bbuf = detail::PackBuffers<T>::grow(ws.b, ws.b_size, size_t(KC * NC));
  for (int64_t pc = 0; pc < K; pc += KC) {
    const int64_t kc = std::min(KC, K - pc);
    // Later K slices accumulate onto what the first one wrote.
    const T beta_k = pc == 0 ? beta : T(1);
    for (int64_t ic = m0; ic < m1; ic += MC) {
      const int64_t mc = std::min(MC, m1 - ic), mpan = (mc + MR - 1) / MR;
      for (int64_t ip = 0; ip < mpan; ++ip)
        pack_a(ic + ip * MR, std::min<int64_t>(MR, mc - ip * MR), pc, kc, abuf + ip * MR * kc);
      for (int64_t jc = n0; jc < n1; jc += NC) {
        const int64_t nc = std::min(NC, n1 - jc), npan = (nc + NR - 1) / NR;
        for (int64_t jp = 0; jp < npan; ++jp)
          pack_b(pc, kc, jc + jp * NR, std::min<int64_t>(NR, nc - jp * NR), bbuf + jp * NR * kc);
        for (int64_t ip = 0; ip < mpan; ++ip) {
          const int64_t i = ic + ip * MR, mr = std::min<int64_t>(MR, m1 - i);
          for (int64_t jp = 0; jp < npan; ++jp) {
            const int64_t j = jc + jp * NR;
            uk.fn(kc, abuf + ip * MR * kc, bbuf + jp * NR * kc, C + i * ldc + j, ldc, mr,
                  std::min<int64_t>(NR, n1 - j), alpha, beta_k);
          }
        }
      }
    }
  }
}

// C[M,N] = alpha * A @ B + beta * C with the active ISA's micro-kernel,
// parallel over the calling team unless already inside a parallel region.
template <typename T, typename PackA, typename PackB>
void gemm_packed(int64_t M, int64_t N, int64_t K, T alpha, const PackA& pack_a, const PackB& pack_b, T beta, T* C,
                 int64_t ldc, const MicroKernel<T>* kernel = nullptr, int64_t kc_override = 0) {
  if (M <= 0 || N <= 0) return;
  const MicroKernel<T> uk = kernel ? *kernel : micro_kernel_for<T>(active_isa());
  GemmBlocking bl = gemm_blocking(uk.mr, uk.nr, int(sizeof(T)));
  if (kc_override > 0) bl.kc = kc_override;
  const int64_t mpan = (M + uk.mr - 1) / uk.mr, npan = (N + uk.nr - 1) / uk.nr;
  int nt = 1;
  if (!omp_in_parallel() && double(M) * double(N) * double(K) > kGemmParallelFlops) nt = omp_get_max_threads();
  const bool split_m = (M >= N && mpan >= 2) || npan < 2;
  const int64_t parts = split_m ? mpan : npan;
  nt = int(std::min<int64_t>(nt, parts));
  if (nt <= 1) {
    gemm_serial(uk, bl, 0, M, 0, N, K, alpha, pack_a, pack_b, beta, C, ldc);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t p0 = parts * t / n, p1 = parts * (t + 1) / n;
    if (split_m)
      gemm_serial(uk, bl, p0 * uk.mr, std::min(M, p1 * uk.mr), 0, N, K, alpha, pack_a, pack_b, beta, C, ldc);
    else
      gemm_serial(uk, bl, 0, M, p0 * uk.nr, std::min(N, p1 * uk.nr), K, alpha, pack_a, pack_b, beta, C, ldc);
  }
}

// Packers for ordinary strided matrices (op(X)[r, c] with optional transpose).
template <typename T>
struct MatrixPackA {
  const T* a;
  int64_t lda;
  bool trans;
  int mr;
  void operator()(int64_t i0, int64_t rows, int64_t p0, int64_t kc, T* dst) const;
};
template <typename T>
struct MatrixPackB {
  const T* b;
  int64_t ldb;
  bool trans;
  int nr;
  void operator()(int64_t p0, int64_t kc, int64_t j0, int64_t cols, T* dst) const;
};

extern template struct MatrixPackA<float>;
extern template struct MatrixPackA<double>;
extern template struct MatrixPackB<float>;
extern template struct MatrixPackB<double>;

}  // namespace fb::kernels::cpu
