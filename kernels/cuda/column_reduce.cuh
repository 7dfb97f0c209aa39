#pragma once
// Per-channel sums over a channels-last tensor viewed as [rows, C]: the
// statistics of batch norm and the bias gradient of convolution.
//
// Why this shape of kernel: with C innermost, a warp that takes 32
// consecutive channels of one row reads 128 contiguous bytes, so the reads
// are coalesced without any transpose. A block is 32 channels x 8 row lanes;
// the rows are split among gridDim.y blocks so that even C = 64 fills the
// GPU. Each block writes its partial sums, and a second kernel adds the
// partials in a fixed order: no atomics, so results are reproducible.
//
// The pair type V is float2 (the f32 kernels) or double2 (f64 tensors, e.g.
// layer norm's parameter gradients): the functor returns it and `out` holds it.
#include <type_traits>

#include "kernels/cuda/common.cuh"

namespace fb::kernels::cuda {

constexpr int kColLanes = 8;

// F: __device__ V operator()(int64_t row, int64_t c) const — two sums at once.
template <typename F, typename V>
__global__ void column_partial_kernel(F f, int64_t rows, int64_t C, V* __restrict__ partial) {
  __shared__ V sh[kColLanes][32];
  const int64_t c = blockIdx.x * 32 + threadIdx.x;
  V acc{};
  if (c < C) {
    for (int64_t r = blockIdx.y * kColLanes + threadIdx.y; r < rows; r += int64_t(gridDim.y) * kColLanes) {
      const V v = f(r, c);
      acc.x += v.x;
      acc.y += v.y;
    }
  }
  sh[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    for (int i = 1; i < kColLanes; ++i) {
      acc.x += sh[i][threadIdx.x].x;
      acc.y += sh[i][threadIdx.x].y;
    }
    partial[blockIdx.y * C + c] = acc;
  }
}

template <typename V>
__global__ void column_finish_kernel(const V* __restrict__ partial, int splits, int64_t C, V* __restrict__ out) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  V s{};
  for (int i = 0; i < splits; ++i) {
    s.x += partial[i * C + c].x;
    s.y += partial[i * C + c].y;
  }
  out[c] = s;
}

// Writes out[c] = (sum_r f(r,c).x, sum_r f(r,c).y) for c < C; `out` is a
// device buffer of C pairs (V = float2 or double2). Uses a temporary from the
// caching allocator.
template <typename F, typename V>
void column_sums(F f, int64_t rows, int64_t C, V* out, Device dev) {
  static_assert(std::is_same_v<V, float2> || std::is_same_v<V, double2>, "column_sums: V is float2 or double2");
  if (C == 0) return;
  const int gx = static_cast<int>((C + 31) / 32);
  int64_t want = (rows + kColLanes * 32 - 1) / (kColLanes * 32);  // >= 32 rows per lane
  int64_t cap = 1024 / gx > 1 ? 1024 / gx : 1;
  const int splits = static_cast<int>(want < 1 ? 1 : (want > cap ? cap : want));
  Tensor partial = Tensor::empty({splits, C, 2}, std::is_same_v<V, float2> ? DType::f32 : DType::f64, dev);
  V* pp = reinterpret_cast<V*>(partial.raw_data());
  column_partial_kernel<<<dim3(gx, splits), dim3(32, kColLanes), 0, fb::cuda::stream()>>>(f, rows, C, pp);
  FB_CUDA_CHECK_LAUNCH();
  column_finish_kernel<<<static_cast<int>((C + 255) / 256), 256, 0, fb::cuda::stream()>>>(pp, splits, C, out);
  FB_CUDA_CHECK_LAUNCH();
}

}  // namespace fb::kernels::cuda
