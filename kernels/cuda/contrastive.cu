// Sinkhorn-Knopp equipartition (SwAV's codes) on the GPU, f32; the
// algorithm and its contract are those of kernels/contrastive.h and the
// reference in kernels/ref/contrastive.h.
//
// Q [B, K] stays in one device buffer. Per-row work (maximum, sums, row
// normalisation) runs one block per row, reading the row coalesced; the
// per-prototype (column) sums use column_sums, whose partial sums are added
// in a fixed order. No atomics anywhere: the same scores give the same codes
// bit for bit.
#include "kernels/cuda/column_reduce.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

constexpr int kThreads = 256;

// out[b] = max (kMax) or sum of row b of x [rows, C].
template <bool kMax>
__global__ void row_reduce_kernel(const float* __restrict__ x, int64_t C, float* __restrict__ out) {
  __shared__ float scratch[32];
  const float* row = x + blockIdx.x * C;
  float v = kMax ? -INFINITY : 0.f;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) v = kMax ? fmaxf(v, row[j]) : v + row[j];
  v = block_reduce<kMax>(v, scratch);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}

// out[0] = max or sum of x[0..n), one block.
template <bool kMax>
__global__ void reduce_all_kernel(const float* __restrict__ x, int64_t n, float* __restrict__ out) {
  __shared__ float scratch[32];
  float v = kMax ? -INFINITY : 0.f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) v = kMax ? fmaxf(v, x[i]) : v + x[i];
  v = block_reduce<kMax>(v, scratch);
  if (threadIdx.x == 0) out[0] = v;
}

// q = exp((s - max) / eps); subtracting the maximum keeps exp() finite.
__global__ void exp_kernel(const float* __restrict__ s, const float* __restrict__ mx, float inv_eps, int64_t n,
                           float* __restrict__ q) {
  const float m = mx[0];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    q[i] = expf((s[i] - m) * inv_eps);
}

// q /= divisor[0].
__global__ void divide_all_kernel(float* __restrict__ q, int64_t n, const float* __restrict__ divisor) {
  const float f = 1.f / divisor[0];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    q[i] *= f;
}

__global__ void scale_by_kernel(float* __restrict__ q, int64_t n, float factor) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    q[i] *= factor;
}

// Each prototype (column) to total 1/K: q[b, k] /= colsum[k] * K.
__global__ void scale_columns_kernel(float* __restrict__ q, int64_t n, int64_t K, const float2* __restrict__ colsum) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    q[i] /= colsum[i % K].x * static_cast<float>(K);
}

// Each sample (row) to total 1/B: one block per row, sum then scale.
__global__ void normalize_rows_kernel(float* __restrict__ q, int64_t K, float B) {
  __shared__ float scratch[32];
  float* row = q + blockIdx.x * K;
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < K; j += blockDim.x) s += row[j];
  s = block_reduce<false>(s, scratch);
  const float d = s * B;
  for (int64_t j = threadIdx.x; j < K; j += blockDim.x) row[j] /= d;
}

struct ColumnValue {
  const float* q;
  int64_t K;
  __device__ float2 operator()(int64_t r, int64_t c) const { return make_float2(q[r * K + c], 0.f); }
};

}  // namespace

Tensor sinkhorn(const Tensor& scores_, double eps, int iters) {
  const std::string op = "sinkhorn";
  check_operand(op, "scores", scores_);
  const Tensor s = scores_.contiguous();
  const int64_t B = s.size(0), K = s.size(1), n = B * K;
  const Device dev = s.device();
  const cudaStream_t st = fb::cuda::stream();
  Tensor q = Tensor::empty({B, K}, DType::f32, dev);
  Tensor per_row = Tensor::empty({B}, DType::f32, dev), scalar = Tensor::empty({1}, DType::f32, dev);
  Tensor colsum = Tensor::empty({K, 2}, DType::f32, dev);
  float2* cs = reinterpret_cast<float2*>(fptr(colsum));
  const int grid = grid_for(n, kThreads), rows = static_cast<int>(B);

  row_reduce_kernel<true><<<rows, kThreads, 0, st>>>(fptr(s), K, fptr(per_row));
  FB_CUDA_CHECK_LAUNCH();
  reduce_all_kernel<true><<<1, 1024, 0, st>>>(fptr(per_row), B, fptr(scalar));
  FB_CUDA_CHECK_LAUNCH();
  exp_kernel<<<grid, kThreads, 0, st>>>(fptr(s), fptr(scalar), static_cast<float>(1.0 / eps), n, fptr(q));
  FB_CUDA_CHECK_LAUNCH();
  row_reduce_kernel<false><<<rows, kThreads, 0, st>>>(fptr(q), K, fptr(per_row));
  FB_CUDA_CHECK_LAUNCH();
  reduce_all_kernel<false><<<1, 1024, 0, st>>>(fptr(per_row), B, fptr(scalar));
  FB_CUDA_CHECK_LAUNCH();
  divide_all_kernel<<<grid, kThreads, 0, st>>>(fptr(q), n, fptr(scalar));
  FB_CUDA_CHECK_LAUNCH();
  for (int it = 0; it < iters; ++it) {
    column_sums(ColumnValue{fptr(q), K}, B, K, cs, dev);
    scale_columns_kernel<<<grid, kThreads, 0, st>>>(fptr(q), n, K, cs);
    FB_CUDA_CHECK_LAUNCH();
    normalize_rows_kernel<<<rows, kThreads, 0, st>>>(fptr(q), K, static_cast<float>(B));
    FB_CUDA_CHECK_LAUNCH();
  }
  // Rows sum to 1.
  scale_by_kernel<<<grid, kThreads, 0, st>>>(fptr(q), n, static_cast<float>(B));
  FB_CUDA_CHECK_LAUNCH();
  return q;
}

}  // namespace fb::kernels::cuda
