#pragma once
// Hopper main loop of the GEMM engine (igemm.cuh): bf16 on the warpgroup
// tensor cores (wgmma), sm_90a only.
//
//   C[m, n] = sum_k A[m, k] * B[n, k]   through the same loaders and epilogues
//
// A block of 256 threads (two warpgroups) computes a 128 x BN tile of C (BN =
// 64, 128 or 256); warpgroup w owns rows 64w..64w+63 and issues one
// m64nBNk16 wgmma per 16 of k, reading both operands straight from shared
// memory through matrix descriptors, accumulating in registers.
//
// Operand tiles (64 of k deep) are copied global -> shared with cp.async
// (16 bytes per copy, zero-filled where the loader says the vector lies
// outside the problem or on padding), into S buffers (S = 4, or 6 for the
// 128-wide tile, whose buffers are smaller; about 192 KiB either way, while
// the 64-wide tile keeps 4 so that two blocks share an SM). Copies run
// A = S - 2 tiles ahead of the math, and one group of wgmmas stays in flight
// while the next is issued:
//
//   iteration t:  wait for tile t's copies, fence them to the async proxy,
//                 barrier (now every wgmma of tile t-2 is done: its buffer is
//                 free) -> start copies of tile t+A into that buffer ->
//                 issue tile t's 4 wgmmas -> wait until only they are in flight.
//
// Shared layouts and descriptors: wgmma_layout.h.
#include <cstdint>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/wgmma_layout.h"
#include "kernels/cuda/wgmma_ops.cuh"

namespace fb::kernels::cuda::igemm::hopper {

constexpr int kThreads = 256;

template <int BN>
constexpr int kStages = BN == 128 ? 6 : 4;
template <int BN>
constexpr int kStageBytes = (kBM + BN) * kBK * 2;
template <int BN>
constexpr int kSmemBytes = kStages<BN> * kStageBytes<BN> + 1024;  // + slack to align the base to 1024

// The source of zero-filled copies (cp.async wants a valid address even when
// it reads 0 bytes).
static __device__ __align__(16) const unsigned char kZeroVector[16] = {};

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Pins the accumulators to their registers at this point: nothing may move
// them while wgmmas that write them are in flight.
template <int R>
__device__ __forceinline__ void fence_accumulators(float* acc) {
#pragma unroll
  for (int i = 0; i < R; ++i) asm volatile("" : "+f"(acc[i])::"memory");
}

// One 16-byte global -> shared copy; src == nullptr writes zeros.
__device__ __forceinline__ void copy16(uint32_t dst, const void* src) {
  const int bytes = src ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src ? src : kZeroVector),
               "r"(bytes));
}

// One thread's share of an R x kBK operand tile: kPer 16-byte vectors, each
// at a fixed (row, k offset) of every k tile. The loader's per-row work
// (row(r)) is done once, when the block starts.
template <int R, class L>
struct TileCopier {
  static constexpr int kVecs = R * kBK / 8, kPer = kVecs / kThreads;
  static_assert(kVecs % kThreads == 0, "tile must split evenly over the threads");
  typename L::Row rows[kPer];

  __device__ __forceinline__ static void coords(int i, int& r, int& k) {
    tile_vector<L::kKContig, R>(int(threadIdx.x) + i * kThreads, r, k);
  }
  __device__ __forceinline__ TileCopier(const L& l, int r0) {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      int r, k;
      coords(i, r, k);
      rows[i] = l.row(r0 + r);
    }
  }
  // Copies the tile's k0.. k0 + kBK - 1 into shared memory at dst.
  __device__ __forceinline__ void copy(const L& l, int k0, uint32_t dst) const {
#pragma unroll
    for (int i = 0; i < kPer; ++i) {
      int r, k;
      coords(i, r, k);
      copy16(dst + swizzled<L::kKContig>(r, k), l.vec_src(rows[i], k0 + k));
    }
  }
};

// One k tile of a warpgroup's product, acc += A[a_row.. a_row + 63, tile] *
// B[tile]^T with the tile's operands at sa and sb: 4 wgmmas as one group,
// then the wait that leaves only that group in flight (so the previous
// tile's buffers are no longer read when this returns).
template <int BN, bool AK, bool BK>
__device__ __forceinline__ void mma_tile(float* acc, uint32_t sa, uint32_t sb, int a_row) {
  fence_accumulators<BN / 2>(acc);
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
  for (int kk = 0; kk < kBK / 16; ++kk)
    mma_bf16<BN, AK ? 0 : 1, BK ? 0 : 1>(acc, operand_desc<AK>(sa, a_row, kk), operand_desc<BK>(sb, 0, kk));
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
  fence_accumulators<BN / 2>(acc);
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(1) : "memory");
  fence_accumulators<BN / 2>(acc);
}

// Hands a warpgroup's 64 x BN accumulators (tile rows from row0, columns
// from n0) to epi, skipping what lies outside M x N. Fragment layout: warp q
// of the warpgroup holds rows 16q..16q+15; lane l holds, for every 8 columns
// j, (row l/4, cols 2(l%4), +1) and the same two columns 8 rows further.
template <int BN, class Epi>
__device__ __forceinline__ void store_accumulators(const float* acc, int M, int N, int row0, int n0, const Epi& epi) {
  const int lane = threadIdx.x & 31, q = (threadIdx.x >> 5) & 3;
  const int row = row0 + q * 16 + (lane >> 2), col = n0 + (lane & 3) * 2;
#pragma unroll
  for (int j = 0; j < BN / 8; ++j)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int m = row + 8 * h, n = col + 8 * j;
      if (m >= M) continue;
      if (n + 1 < N) epi.pair(m, n, acc[4 * j + 2 * h], acc[4 * j + 2 * h + 1]);
      else if (n < N) epi(m, n, acc[4 * j + 2 * h]);
    }
}

#endif  // __CUDA_ARCH_FEAT_SM90_ALL

// Both loaders must have `vec` set (16-byte aligned vectors everywhere), and
// k_chunk must be a multiple of kBK, so that no tile straddles two splits.
template <int BN, class LA, class LB, class Epi>
__global__ void __launch_bounds__(kThreads, 1) wgmma_gemm(int M, int N, int K, int k_chunk, LA la, LB lb, Epi epi) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  constexpr bool kAK = LA::kKContig, kBKm = LB::kKContig;
  constexpr int S = kStages<BN>, kAhead = S - 2;
  constexpr uint32_t kABytes = kBM * kBK * 2, kStage = kStageBytes<BN>;
  extern __shared__ unsigned char smem_raw[];
  const uint32_t base = (smem_addr(smem_raw) + 1023u) & ~1023u;

  const int wg = threadIdx.x >> 7;
  const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * BN;
  const int kbeg = blockIdx.z * k_chunk, kend = min(K, kbeg + k_chunk);
  const int ntiles = kend > kbeg ? (kend - kbeg + kBK - 1) / kBK : 0;

  const TileCopier<kBM, LA> ca(la, m0);
  const TileCopier<BN, LB> cb(lb, n0);
  auto copy_stage = [&](int t) {
    const uint32_t sa = base + (t % S) * kStage;
    ca.copy(la, kbeg + t * kBK, sa);
    cb.copy(lb, kbeg + t * kBK, sa + kABytes);
  };

  float acc[BN / 2];
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) acc[i] = 0.f;

#pragma unroll
  for (int t = 0; t < kAhead; ++t) {
    if (t < ntiles) copy_stage(t);
    asm volatile("cp.async.commit_group;\n" ::);
  }
  for (int t = 0; t < ntiles; ++t) {
    // Tile t's copies are the oldest but kAhead - 1 of this thread's groups.
    asm volatile("cp.async.wait_group %0;\n" ::"n"(kAhead - 1));
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
    __syncthreads();
    if (t + kAhead < ntiles) copy_stage(t + kAhead);
    asm volatile("cp.async.commit_group;\n" ::);

    const uint32_t sa = base + (t % S) * kStage;
    mma_tile<BN, kAK, kBKm>(acc, sa, sa + kABytes, wg * 64);
  }
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(0) : "memory");
  fence_accumulators<BN / 2>(acc);
  asm volatile("cp.async.wait_group 0;\n" ::);
  store_accumulators<BN>(acc, M, N, m0 + wg * 64, n0, epi);
#else
  __trap();  // launched only when the device runs the sm_90a code (cuda_wgmma_available)
#endif
}

// Lets Kernel use `bytes` of dynamic shared memory (beyond the default
// 48 KiB): an attribute of the function on each device, set once per kernel
// and device (the template parameter is the kernel itself, so each has its
// own table).
template <auto Kernel>
void allow_smem(int bytes) {
  static bool configured[64] = {};
  int dev = 0;
  FB_CUDA_CHECK(cudaGetDevice(&dev));
  if (dev < 64 && configured[dev]) return;
  FB_CUDA_CHECK(cudaFuncSetAttribute(Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  if (dev < 64) configured[dev] = true;
}

template <int BN, class LA, class LB, class Epi>
void launch(int M, int N, int K, int k_chunk, int splits, const LA& la, const LB& lb, const Epi& epi) {
  constexpr auto kernel = wgmma_gemm<BN, LA, LB, Epi>;
  allow_smem<kernel>(kSmemBytes<BN>);
  const dim3 grid((N + BN - 1) / BN, (M + kBM - 1) / kBM, splits);
  kernel<<<grid, kThreads, kSmemBytes<BN>, fb::cuda::stream()>>>(M, N, K, k_chunk, la, lb, epi);
  FB_CUDA_CHECK_LAUNCH();
}

template <class LA, class LB, class Epi>
void run(int M, int N, int K, int k_chunk, int splits, int sms, const LA& la, const LB& lb, const Epi& epi) {
  switch (pick_width(M, N, sms)) {
    case 64: launch<64>(M, N, K, k_chunk, splits, la, lb, epi); break;
    case 128: launch<128>(M, N, K, k_chunk, splits, la, lb, epi); break;
    default: launch<256>(M, N, K, k_chunk, splits, la, lb, epi); break;
  }
}

}  // namespace fb::kernels::cuda::igemm::hopper
