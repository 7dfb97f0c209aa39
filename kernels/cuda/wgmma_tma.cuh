#pragma once
// Hopper main loop for plain bf16 matrices (matmul): the operands are moved
// by the tensor memory accelerator (TMA), and the warpgroups specialise.
//
//   warpgroup 0 (producer): one thread waits until a buffer is free, then
//     asks the TMA for the A and B tiles of the next 64 of k; the copies land
//     in the 128-byte-swizzled layouts of wgmma.cuh (the TMA applies the same
//     swizzle to address bits) and complete a transaction count on the
//     buffer's "full" barrier. Rows and k beyond the matrix read as zeros.
//   warpgroups 1 and 2 (consumers): rows 0-63 and 64-127 of a 128 x BN
//     tile (BN = 128 or 256, as wgmma.cuh picks it; matrices at most 64
//     wide stay on the cp.async loop's 64-wide tile); each waits on a
//     buffer's "full" barrier, issues 4 wgmmas, and
//     once those have completed (one group later) frees the buffer on its
//     "empty" barrier (one arrival per consumer).
//
// Nothing but the one producer thread spends instructions on moving data,
// and the consumers never wait on a block-wide barrier. Registers are moved
// from the producer (40) to the consumers (232) with setmaxnreg. Buffers and
// barrier phases: buffer_ring.h.
#include <cuda.h>

#include <cstdint>

#include "kernels/cuda/buffer_ring.h"
#include "kernels/cuda/wgmma.cuh"

namespace fb::kernels::cuda::igemm::hopper {

constexpr int kTmaThreads = 384;
template <int BN>
constexpr int kTmaSmemBytes = kStages<BN> * kStageBytes<BN> + 1024;

// A 2-D bf16 tensor map over a row-major matrix [outer, inner] with leading
// dimension ld (elements), boxes of box_inner x box_outer, 128-byte swizzle,
// zeros outside. Defined in gemm.cu (it calls the driver through the runtime).
CUtensorMap make_tensor_map(const void* p, uint64_t inner, uint64_t outer, uint64_t ld, uint32_t box_inner,
                            uint32_t box_outer);

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)

__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
__device__ __forceinline__ void mbar_expect_bytes(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ bool mbar_try_wait(uint32_t bar, uint32_t parity) {
  uint32_t done;
  asm volatile(
      "{\n"
      ".reg .pred p;\n"
      "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
      "selp.u32 %0, 1, 0, p;\n"
      "}\n"
      : "=r"(done)
      : "r"(bar), "r"(parity)
      : "memory");
  return done != 0;
}
// Returns once the barrier's phase of the given parity has completed. A
// phase that never completes (a wrong transaction count, say) ends the kernel
// with an error after some seconds instead of hanging the process.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  for (uint32_t i = 0; !mbar_try_wait(bar, parity); ++i)
    if (i == (1u << 24)) __trap();
}
// The box of `map` at element coordinates (c0 innermost, c1) -> dst; its
// bytes complete on barrier `bar`.
__device__ __forceinline__ void tma_load(uint32_t dst, const CUtensorMap* map, int c0, int c1, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(
          dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(bar)
      : "memory");
}

// Loads the R x kBK tile at (r0, k0) of an operand: K-major maps are
// [rows, K] with boxes of 64 k x R rows (one load); MN-major maps are
// [K, rows] with boxes of 64 rows x 64 k, one per 64-row block.
template <bool KMajor, int R>
__device__ __forceinline__ void tma_tile(const CUtensorMap* map, int r0, int k0, uint32_t dst, uint32_t bar) {
  if constexpr (KMajor) {
    tma_load(dst, map, k0, r0, bar);
  } else {
#pragma unroll
    for (int b = 0; b < R / 64; ++b) tma_load(dst + b * (kBK * 128), map, r0 + 64 * b, k0, bar);
  }
}

#endif  // __CUDA_ARCH_FEAT_SM90_ALL

// AK / BK: the operand is K-major (else MN-major). k_chunk as in wgmma_gemm.
template <int BN, bool AK, bool BK, class Epi>
__global__ void __launch_bounds__(kTmaThreads, 1)
    tma_gemm(const __grid_constant__ CUtensorMap map_a, const __grid_constant__ CUtensorMap map_b, int M, int N,
             int K, int k_chunk, Epi epi) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  constexpr int S = kStages<BN>;
  constexpr BufferRing ring{S};
  constexpr uint32_t kABytes = kBM * kBK * 2, kStage = kStageBytes<BN>;
  extern __shared__ unsigned char smem_raw[];
  __shared__ __align__(8) uint64_t full[S], empty[S];
  const uint32_t base = (smem_addr(smem_raw) + 1023u) & ~1023u;

  const int wg = threadIdx.x >> 7;
  const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * BN;
  const int kbeg = blockIdx.z * k_chunk, kend = min(K, kbeg + k_chunk);
  const int ntiles = kend > kbeg ? (kend - kbeg + kBK - 1) / kBK : 0;

  if (threadIdx.x == 0) {
    for (int s = 0; s < S; ++s) {
      mbar_init(smem_addr(&full[s]), 1);   // the producer's expect_tx arrival (+ the bytes)
      mbar_init(smem_addr(&empty[s]), 2);  // one arrival per consumer warpgroup
    }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
  }
  __syncthreads();

  if (wg == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    if (threadIdx.x == 0) {
      for (int t = 0; t < ntiles; ++t) {
        const int s = ring.slot(t);
        mbar_wait(smem_addr(&empty[s]), ring.empty_parity(t));
        const uint32_t sa = base + s * kStage, bar = smem_addr(&full[s]);
        mbar_expect_bytes(bar, kStage);
        const int k0 = kbeg + t * kBK;
        tma_tile<AK, kBM>(&map_a, m0, k0, sa, bar);
        tma_tile<BK, BN>(&map_b, n0, k0, sa + kABytes, bar);
      }
    }
    return;
  }

  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
  const int cw = wg - 1;  // consumer: rows 64 cw .. 64 cw + 63 of the tile
  float acc[BN / 2];
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) acc[i] = 0.f;
  for (int t = 0; t < ntiles; ++t) {
    const int s = ring.slot(t);
    mbar_wait(smem_addr(&full[s]), ring.full_parity(t));
    const uint32_t sa = base + s * kStage;
    mma_tile<BN, AK, BK>(acc, sa, sa + kABytes, cw * 64);
    // Tile t-1's wgmmas are done: its buffer may be refilled.
    if (t > 0 && (threadIdx.x & 127) == 0) mbar_arrive(smem_addr(&empty[ring.slot(t - 1)]));
  }
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(0) : "memory");
  fence_accumulators<BN / 2>(acc);
  store_accumulators<BN>(acc, M, N, m0 + cw * 64, n0, epi);
#else
  __trap();  // launched only when the device runs the sm_90a code
#endif
}

// A and B as tensor maps (see tma_tile for the box shapes), then the launch.
template <int BN, bool AK, bool BK, typename T, class Epi>
void launch_tma(int M, int N, int K, int k_chunk, int splits, const T* a, int64_t lda, const T* b, int64_t ldb,
                const Epi& epi) {
  const CUtensorMap ma = AK ? make_tensor_map(a, K, M, lda, kBK, kBM) : make_tensor_map(a, M, K, lda, 64, kBK);
  const CUtensorMap mb = BK ? make_tensor_map(b, K, N, ldb, kBK, BN) : make_tensor_map(b, N, K, ldb, 64, kBK);
  constexpr auto kernel = tma_gemm<BN, AK, BK, Epi>;
  allow_smem<kernel>(kTmaSmemBytes<BN>);
  const dim3 grid((N + BN - 1) / BN, (M + kBM - 1) / kBM, splits);
  kernel<<<grid, kTmaThreads, kTmaSmemBytes<BN>, fb::cuda::stream()>>>(ma, mb, M, N, K, k_chunk, epi);
  FB_CUDA_CHECK_LAUNCH();
}

// For matrices wider than 64 (see use in igemm::run).
template <bool AK, bool BK, typename T, class Epi>
void run_tma(int M, int N, int K, int k_chunk, int splits, int sms, const T* a, int64_t lda, const T* b, int64_t ldb,
             const Epi& epi) {
  if (pick_width(M, N, sms) == 256) launch_tma<256, AK, BK>(M, N, K, k_chunk, splits, a, lda, b, ldb, epi);
  else launch_tma<128, AK, BK>(M, N, K, k_chunk, splits, a, lda, b, ldb, epi);
}

}  // namespace fb::kernels::cuda::igemm::hopper
