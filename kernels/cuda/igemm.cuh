#pragma once
// The GEMM engine behind matmul and all three convolution passes.
//
//   C[m, n] = sum_k A[m, k] * B[n, k]        (m < M, n < N, k < K)
//
// A and B are not matrices in memory but *loaders*: small structs that fetch
// a vector of V elements of the logical operand (16 bytes: 8 bf16 or 4 f32)
// along its contiguous direction, zero outside the problem. A plain matrix is
// one loader (MatLoader); a convolution's input seen through its sliding
// window is another (conv.cu): that is implicit GEMM, the im2col matrix is
// never built. The result goes through an *epilogue* functor epi(m, n, v),
// which stores (with bias, dtype conversion) or writes split-K partials.
//
// Main loops sharing the loaders:
//   * simt_gemm: f32 FMA, 128x128x8 block tile, 8x8 outputs per thread. Exact
//     f32 arithmetic (what Fp32Math::Exact promises).
//   * wmma_gemm: tensor cores through WMMA, bf16 (16x16x16) or TF32
//     (16x16x8) with f32 accumulation, 128x128 block tile, 8 warps each
//     computing 64x32.
//   These two double-buffer shared memory: while the tensor cores work on
//   tile t, the loads of tile t+1 are already in flight into registers; one
//   barrier per tile.
//   * On Hopper (sm_90a, compute capability 9.0), bf16 with 16-byte vectors:
//     hopper::wgmma_gemm (wgmma.cuh: warpgroup MMA fed by cp.async) and, for
//     plain matrices, hopper::tma_gemm (wgmma_tma.cuh: fed by the TMA,
//     warp-specialised).
// Split-K (gridDim.z > 1) cuts K into chunks for problems with few output
// tiles and a long K (convolution weight gradients always; other products
// when their tiles would leave SMs idle, run_filled); gemm_plan.h decides.
#include <mma.h>

#include <type_traits>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/gemm_plan.h"
#include "kernels/cuda/wgmma.cuh"
#include "kernels/cuda/wgmma_tma.cuh"

namespace fb::kernels::cuda::igemm {

template <typename T> __device__ __forceinline__ float to_f(T v) { return static_cast<float>(v); }
template <> __device__ __forceinline__ float to_f(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T> __device__ __forceinline__ T from_f(float v) { return static_cast<T>(v); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f(float v) { return __float2bfloat16(v); }

// Elements per 16-byte vector.
template <typename T> constexpr int kVec = 16 / sizeof(T);

// ---- loaders ------------------------------------------------------------------
// Interface: Elem, kKContig (vectors run along k, else along rows), and
//   load(r, k, out): V = kVec<Elem> elements starting at (r, k) along the
//     contiguous direction, zero where outside [rows) x [K);
//   vec (bool): every vector is one aligned 16-byte run of memory, and then
//   vec_src(row(r), k): its address, or nullptr where it is all zeros
//     (outside the problem, or on a convolution's padding). Row is what the
//     loader derives from r alone (a convolution's pixel coordinates, say):
//     the Hopper loop's threads fetch the same rows for every k tile, so they
//     compute row(r) once and only the k part per tile. load() is built on it
//     too.

__device__ __forceinline__ uint4 load_vec(const void* src) {
  return src ? *reinterpret_cast<const uint4*>(src) : make_uint4(0, 0, 0, 0);
}

// A dense matrix. K-contiguous: element (r, k) at p[r * ld + k] (row-major A
// [M, K], or B stored [N, K]). Row-contiguous: at p[k * ld + r] (A stored
// [K, M], or B stored [K, N]). `vec` (decided on the host) says 16-byte loads
// are legal: the contiguous extent and ld are multiples of V, p is aligned.
template <typename T, bool KC>
struct MatLoader {
  using Elem = T;
  static constexpr bool kKContig = KC;
  const T* p;
  int rows, K;
  int64_t ld;
  bool vec;
  using Row = int;
  __device__ __forceinline__ Row row(int r) const { return r; }
  __device__ __forceinline__ const T* vec_src(Row r, int k) const {
    return r < rows && k < K ? p + (KC ? int64_t(r) * ld + k : int64_t(k) * ld + r) : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    constexpr int V = kVec<T>;
    T* v = reinterpret_cast<T*>(&out);
    if (vec) {
      out = load_vec(vec_src(row(r), k));
      return;
    }
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int rr = KC ? r : r + j, kk = KC ? k + j : k;
      v[j] = (rr < rows && kk < K) ? p[KC ? int64_t(rr) * ld + kk : int64_t(kk) * ld + rr] : from_f<T>(0.f);
    }
  }
};

template <class L>
struct IsBf16Matrix : std::false_type {};
template <bool KC>
struct IsBf16Matrix<MatLoader<__nv_bfloat16, KC>> : std::true_type {};

template <typename T>
bool aligned16(const T* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15) == 0;
}

// ---- epilogues ----------------------------------------------------------------
// Interface: epi(m, n, v) for one output, and epi.pair(m, n, v0, v1) for
// (m, n) and (m, n + 1), which the Hopper loops' accumulator fragments hold
// side by side: one paired store where the address allows it.

// p[0], p[1] = v0, v1: one 2-element store when p is aligned for it.
template <typename T>
__device__ __forceinline__ void store_pair(T* p, float v0, float v1) {
  if ((reinterpret_cast<uintptr_t>(p) & (2 * sizeof(T) - 1)) == 0) {
    if constexpr (std::is_same_v<T, float>) *reinterpret_cast<float2*>(p) = make_float2(v0, v1);
    else *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(v0, v1);
  } else {
    p[0] = from_f<T>(v0);
    p[1] = from_f<T>(v1);
  }
}

// out[m * ldc + n] = v (+ bias[n]), converted to T.
template <typename T>
struct StoreEpi {
  T* out;
  int64_t ldc;
  const T* bias;
  __device__ __forceinline__ void operator()(int m, int n, float v) const {
    if (bias) v += to_f(bias[n]);
    out[int64_t(m) * ldc + n] = from_f<T>(v);
  }
  __device__ __forceinline__ void pair(int m, int n, float v0, float v1) const {
    if (bias) {
      v0 += to_f(bias[n]);
      v1 += to_f(bias[n + 1]);
    }
    store_pair(out + int64_t(m) * ldc + n, v0, v1);
  }
};

// f32 partial sums of split z at ws[(z * M + m) * N + n].
struct SplitKEpi {
  float* ws;
  int M, N;
  __device__ __forceinline__ void operator()(int m, int n, float v) const {
    ws[(int64_t(blockIdx.z) * M + m) * N + n] = v;
  }
  __device__ __forceinline__ void pair(int m, int n, float v0, float v1) const {
    store_pair(ws + (int64_t(blockIdx.z) * M + m) * N + n, v0, v1);
  }
};

// ---- tile staging -------------------------------------------------------------
// Moves one R x BK operand tile global -> registers -> shared memory. The
// shared layout keeps the loader's contiguous direction innermost ([R][BK+P]
// when K-contiguous, [BK][R+P] otherwise); the padding P (16 bytes) shifts
// consecutive rows across banks so the tensor-core fragment loads do not
// conflict, and keeps every row 16-byte aligned for vector stores.
template <class L, int R, int BK, int THREADS>
struct TileStage {
  using T = typename L::Elem;
  static constexpr int V = kVec<T>;
  static constexpr int P = V;
  static constexpr int LD = L::kKContig ? BK + P : R + P;
  static constexpr int kElems = L::kKContig ? R * LD : BK * LD;
  static constexpr int kVecsPerThread = R * BK / V / THREADS;
  static_assert(R * BK % (V * THREADS) == 0, "tile must split evenly over threads");
  uint4 regs[kVecsPerThread];

  __device__ __forceinline__ void coords(int i, int& r, int& k) const {
    const int v = threadIdx.x + i * THREADS;
    if (L::kKContig) {
      r = v / (BK / V);
      k = (v % (BK / V)) * V;
    } else {
      k = v / (R / V);
      r = (v % (R / V)) * V;
    }
  }
  __device__ __forceinline__ void load(const L& l, int r0, int k0) {
#pragma unroll
    for (int i = 0; i < kVecsPerThread; ++i) {
      int r, k;
      coords(i, r, k);
      l.load(r0 + r, k0 + k, regs[i]);
    }
  }
  __device__ __forceinline__ void store(T* s) const {
#pragma unroll
    for (int i = 0; i < kVecsPerThread; ++i) {
      int r, k;
      coords(i, r, k);
      *reinterpret_cast<uint4*>(s + (L::kKContig ? r * LD + k : k * LD + r)) = regs[i];
    }
  }
};

// ---- tensor-core main loop ----------------------------------------------------
constexpr int kThreads = 256;  // the block tile (kBM x kBN) is in gemm_plan.h

template <class LA, class LB, class Epi>
__global__ void __launch_bounds__(kThreads) wmma_gemm(int M, int N, int K, int k_chunk, LA la, LB lb, Epi epi) {
  namespace w = nvcuda::wmma;
  using T = typename LA::Elem;
  static_assert(std::is_same_v<T, typename LB::Elem>, "operands differ in type");
  constexpr bool kTf32 = std::is_same_v<T, float>;
  constexpr int FK = kTf32 ? 8 : 16;   // fragment depth
  constexpr int BK = kTf32 ? 16 : 32;  // 64 bytes of k per row either way
  using FragT = std::conditional_t<kTf32, w::precision::tf32, __nv_bfloat16>;
  using LayA = std::conditional_t<LA::kKContig, w::row_major, w::col_major>;
  using LayB = std::conditional_t<LB::kKContig, w::col_major, w::row_major>;
  using SA = TileStage<LA, kBM, BK, kThreads>;
  using SB = TileStage<LB, kBN, BK, kThreads>;

  __shared__ __align__(128) unsigned char smem[2 * (SA::kElems + SB::kElems) * sizeof(T)];
  T* sa[2] = {reinterpret_cast<T*>(smem), reinterpret_cast<T*>(smem) + SA::kElems + SB::kElems};
  T* sb[2] = {sa[0] + SA::kElems, sa[1] + SA::kElems};

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int wm = warp >> 2, wn = warp & 3;  // 2 x 4 warps, each 64 x 32
  const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * kBN;
  const int kbeg = blockIdx.z * k_chunk, kend = min(K, kbeg + k_chunk);
  const int ntiles = kend > kbeg ? (kend - kbeg + BK - 1) / BK : 0;

  w::fragment<w::accumulator, 16, 16, FK, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) w::fill_fragment(acc[i][j], 0.f);

  SA ta;
  SB tb;
  if (ntiles > 0) {
    ta.load(la, m0, kbeg);
    tb.load(lb, n0, kbeg);
    ta.store(sa[0]);
    tb.store(sb[0]);
  }
  __syncthreads();
  for (int t = 0; t < ntiles; ++t) {
    const int cur = t & 1;
    const bool more = t + 1 < ntiles;
    if (more) {  // issue the next tile's global loads before the math
      ta.load(la, m0, kbeg + (t + 1) * BK);
      tb.load(lb, n0, kbeg + (t + 1) * BK);
    }
    const T* A = sa[cur];
    const T* B = sb[cur];
#pragma unroll
    for (int kk = 0; kk < BK; kk += FK) {
      w::fragment<w::matrix_a, 16, 16, FK, FragT, LayA> fa[4];
      w::fragment<w::matrix_b, 16, 16, FK, FragT, LayB> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int r = wm * 64 + i * 16;
        w::load_matrix_sync(fa[i], A + (LA::kKContig ? r * SA::LD + kk : kk * SA::LD + r), SA::LD);
        if constexpr (kTf32)
          for (int e = 0; e < fa[i].num_elements; ++e) fa[i].x[e] = w::__float_to_tf32(fa[i].x[e]);
      }
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        const int c = wn * 32 + j * 16;
        w::load_matrix_sync(fb[j], B + (LB::kKContig ? c * SB::LD + kk : kk * SB::LD + c), SB::LD);
        if constexpr (kTf32)
          for (int e = 0; e < fb[j].num_elements; ++e) fb[j].x[e] = w::__float_to_tf32(fb[j].x[e]);
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) w::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    if (more) {
      ta.store(sa[cur ^ 1]);
      tb.store(sb[cur ^ 1]);
    }
    __syncthreads();
  }

  // Epilogue: each warp spills one 16x16 accumulator at a time to its own
  // 1 KiB of (now free) shared memory, then its lanes hand the values to epi.
  float* scratch = reinterpret_cast<float*>(smem) + warp * 256;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      w::store_matrix_sync(scratch, acc[i][j], 16, w::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int m = m0 + wm * 64 + i * 16 + e / 16, n = n0 + wn * 32 + j * 16 + e % 16;
        if (m < M && n < N) epi(m, n, scratch[e]);
      }
      __syncwarp();
    }
}

// ---- exact f32 main loop ------------------------------------------------------
// Both tiles are kept k-major in shared memory ([BK][128+4]) so that each
// thread reads its 8 A values and 8 B values per k as float4s. A thread owns
// rows {ty*4..+3, 64+ty*4..+3} and the same pattern of columns: the two
// halves keep a warp's float4 reads on distinct banks.
template <class LA, class LB, class Epi>
__global__ void __launch_bounds__(kThreads) simt_gemm(int M, int N, int K, int k_chunk, LA la, LB lb, Epi epi) {
  static_assert(std::is_same_v<typename LA::Elem, float> && std::is_same_v<typename LB::Elem, float>,
                "simt_gemm is the f32 path");
  constexpr int BK = 8, LD = 128 + 4;
  __shared__ __align__(16) float sa[2][BK][LD];
  __shared__ __align__(16) float sb[2][BK][LD];
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * kBN;
  const int kbeg = blockIdx.z * k_chunk, kend = min(K, kbeg + k_chunk);
  const int ntiles = kend > kbeg ? (kend - kbeg + BK - 1) / BK : 0;

  // One 4-float vector per thread per operand tile (128 x 8 = 1024 floats).
  auto coords = [](bool kc, int& r, int& k) {
    const int v = threadIdx.x;
    if (kc) { r = v >> 1; k = (v & 1) * 4; }
    else    { k = v >> 5; r = (v & 31) * 4; }
  };
  auto stage = [&](const uint4& va, const uint4& vb, int buf) {
    int r, k;
    const float* a = reinterpret_cast<const float*>(&va);
    const float* b = reinterpret_cast<const float*>(&vb);
    coords(LA::kKContig, r, k);
    for (int j = 0; j < 4; ++j) sa[buf][LA::kKContig ? k + j : k][LA::kKContig ? r : r + j] = a[j];
    coords(LB::kKContig, r, k);
    for (int j = 0; j < 4; ++j) sb[buf][LB::kKContig ? k + j : k][LB::kKContig ? r : r + j] = b[j];
  };
  auto fetch = [&](int k0, uint4& va, uint4& vb) {
    int r, k;
    coords(LA::kKContig, r, k);
    la.load(m0 + r, k0 + k, va);
    coords(LB::kKContig, r, k);
    lb.load(n0 + r, k0 + k, vb);
  };

  float acc[8][8] = {};
  uint4 va, vb;
  if (ntiles > 0) {
    fetch(kbeg, va, vb);
    stage(va, vb, 0);
  }
  __syncthreads();
  for (int t = 0; t < ntiles; ++t) {
    const int cur = t & 1;
    const bool more = t + 1 < ntiles;
    if (more) fetch(kbeg + (t + 1) * BK, va, vb);
#pragma unroll
    for (int k = 0; k < BK; ++k) {
      float a[8], b[8];
      *reinterpret_cast<float4*>(a) = *reinterpret_cast<const float4*>(&sa[cur][k][ty * 4]);
      *reinterpret_cast<float4*>(a + 4) = *reinterpret_cast<const float4*>(&sa[cur][k][64 + ty * 4]);
      *reinterpret_cast<float4*>(b) = *reinterpret_cast<const float4*>(&sb[cur][k][tx * 4]);
      *reinterpret_cast<float4*>(b + 4) = *reinterpret_cast<const float4*>(&sb[cur][k][64 + tx * 4]);
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) stage(va, vb, cur ^ 1);
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n < N) epi(m, n, acc[i][j]);
    }
  }
}

// ---- launch -------------------------------------------------------------------
// True when bf16 GEMMs take the Hopper (wgmma) loops on the current device:
// the build has sm_90a code, the device is compute capability 9.0, and the
// WMMA loop is not forced (CudaMmaPath); use_tma: and plain matrices may be
// moved by the TMA (CudaMmaPath::Auto).
bool use_wgmma();
bool use_tma();
// Number of SMs of the current device.
int sm_count();

// Runs C = A B^T through `epi` with about `splits` K-chunks (gridDim.z);
// returns the number used (at most `splits`). f32 operands take the exact
// SIMT loop unless tf32 is set; bf16 always runs on tensor cores: on Hopper,
// when both loaders can vectorise, wgmma (TMA-fed and warp-specialised for
// plain matrices, cp.async-fed otherwise), WMMA elsewhere.
template <class LA, class LB, class Epi>
int run(int M, int N, int K, int splits, bool tf32, const LA& la, const LB& lb, const Epi& epi) {
  if (M == 0 || N == 0) return 0;
  using T = typename LA::Elem;
  const int k_chunk = split_chunk(K, splits);
  splits = (K + k_chunk - 1) / k_chunk;
  if (splits < 1) splits = 1;
  const dim3 grid((N + kBN - 1) / kBN, (M + kBM - 1) / kBM, splits);
  FB_CHECK(grid.y <= 65535, "gemm: M = ", M, " is too large for one launch");
  if constexpr (IsBf16Matrix<LA>::value && IsBf16Matrix<LB>::value) {
    if (la.vec && lb.vec && N > 64 && use_tma()) {
      hopper::run_tma<LA::kKContig, LB::kKContig>(M, N, K, k_chunk, splits, sm_count(), la.p, la.ld, lb.p, lb.ld,
                                                  epi);
      return splits;
    }
  }
  if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    if (la.vec && lb.vec && use_wgmma()) {
      hopper::run(M, N, K, k_chunk, splits, sm_count(), la, lb, epi);
      return splits;
    }
  }
  if constexpr (std::is_same_v<T, float>) {
    if (!tf32) {
      simt_gemm<<<grid, kThreads, 0, fb::cuda::stream()>>>(M, N, K, k_chunk, la, lb, epi);
      FB_CUDA_CHECK_LAUNCH();
      return splits;
    }
  }
  wmma_gemm<<<grid, kThreads, 0, fb::cuda::stream()>>>(M, N, K, k_chunk, la, lb, epi);
  FB_CUDA_CHECK_LAUNCH();
  return splits;
}

// epi(m, n, sum over the splits of ws[z, m, n]), summed in split order.
template <class Epi>
__global__ void reduce_splits(const float* __restrict__ ws, int splits, int M, int N, Epi epi) {
  const int64_t total = int64_t(M) * N;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int z = 0; z < splits; ++z) s += ws[z * total + i];
    epi(int(i / N), int(i % N), s);
  }
}

// run() for GEMMs with a final epilogue (matmul, convolution forward and
// input gradient): problems with too few output tiles to fill the GPU and a
// long K (e.g. ResNet-50's 7x7 stage: 13 x 4 tiles of 128 against 132 SMs)
// are cut along K into f32 partials on `dev`, then summed into epi.
template <class LA, class LB, class Epi>
void run_filled(int M, int N, int K, bool tf32, const LA& la, const LB& lb, const Epi& epi, Device dev) {
  const int splits = pick_output_splits(M, N, K, sm_count());
  if (splits <= 1) {
    run(M, N, K, 1, tf32, la, lb, epi);
    return;
  }
  Tensor ws = Tensor::empty({splits, M, N}, DType::f32, dev);
  const int used = run(M, N, K, splits, tf32, la, lb, SplitKEpi{ws.data<float>(), M, N});
  reduce_splits<<<grid_for(int64_t(M) * N), 256, 0, fb::cuda::stream()>>>(ws.data<float>(), used, M, N, epi);
  FB_CUDA_CHECK_LAUNCH();
}

}  // namespace fb::kernels::cuda::igemm
