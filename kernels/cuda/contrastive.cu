// The self-supervised objectives' kernels on the GPU, f32; the contracts are
// those of kernels/contrastive.h and the references in kernels/ref/contrastive.h.
//
// Sinkhorn-Knopp equipartition (SwAV's codes): Q [B, K] stays in one device
// buffer. Per-row work (maximum, sums, row normalisation) runs one block per
// row, reading the row coalesced; the per-prototype (column) sums use
// column_sums, whose partial sums are added in a fixed order.
//
// Contrastive cross-entropy (InfoNCE, NT-Xent): one block per row of the
// similarity matrix reduces the kept columns to their maximum and to the sum
// of exponentials around it (the row read twice, coalesced), then one block
// adds the per-row losses in a fixed order. The backward is elementwise given
// those two per-row numbers.
//
// No atomics anywhere: the same inputs give the same results bit for bit.
#include <algorithm>

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

// out[0] = (max or sum of x[0..n)) / divisor, one block.
template <bool kMax>
__global__ void reduce_all_kernel(const float* __restrict__ x, int64_t n, float divisor, float* __restrict__ out) {
  __shared__ float scratch[32];
  float v = kMax ? -INFINITY : 0.f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) v = kMax ? fmaxf(v, x[i]) : v + x[i];
  v = block_reduce<kMax>(v, scratch);
  if (threadIdx.x == 0) out[0] = v / divisor;
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

// ---- contrastive cross-entropy --------------------------------------------
// Row i of sim [N, M] per block; `excluded` is null (no column excluded) or
// holds one column per row (-1: none). scale = 1/tau. Differences to the row
// maximum are taken before scaling: exact near the maximum, whatever |sim|.
__global__ void contrastive_forward_rows(const float* __restrict__ sim, const int64_t* __restrict__ positive,
                                         const int64_t* __restrict__ excluded, int64_t M, float scale,
                                         float* __restrict__ row_loss, float* __restrict__ row_max,
                                         float* __restrict__ row_log_sum) {
  __shared__ float scratch[32];
  const int64_t i = blockIdx.x;
  const float* x = sim + i * M;
  const int64_t skip = excluded ? excluded[i] : -1;
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < M; j += blockDim.x)
    if (j != skip) m = fmaxf(m, x[j]);
  m = block_reduce<true>(m, scratch);
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < M; j += blockDim.x)
    if (j != skip) s += expf((x[j] - m) * scale);
  s = block_reduce<false>(s, scratch);
  if (threadIdx.x == 0) {
    const float log_s = logf(s);
    row_max[i] = m;
    row_log_sum[i] = log_s;
    row_loss[i] = (m - x[positive[i]]) * scale + log_s;  // logsumexp(z) - z_positive
  }
}

// dsim[i, j] = dloss * inv_n_tau * (exp((x_j - max) * scale - log_sum) - [j == positive]),
// 0 at the excluded column. Rows on grid x, column chunks on grid y (a
// grid-stride loop over the columns when they outnumber the chunks).
__global__ void contrastive_backward_kernel(const float* __restrict__ dloss, const float* __restrict__ sim,
                                            const int64_t* __restrict__ positive,
                                            const int64_t* __restrict__ excluded, int64_t M, float scale,
                                            float inv_n_tau, const float* __restrict__ row_max,
                                            const float* __restrict__ row_log_sum, float* __restrict__ dsim) {
  const int64_t i = blockIdx.x;
  const float* x = sim + i * M;
  float* d = dsim + i * M;
  const float g = dloss[0] * inv_n_tau, m = row_max[i], log_s = row_log_sum[i];
  const int64_t skip = excluded ? excluded[i] : -1, pos = positive[i];
  for (int64_t j = blockIdx.y * int64_t(blockDim.x) + threadIdx.x; j < M; j += int64_t(gridDim.y) * blockDim.x) {
    const float p = j == skip ? 0.f : expf((x[j] - m) * scale - log_s);
    d[j] = g * (j == pos ? p - 1.f : p);
  }
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
  reduce_all_kernel<true><<<1, 1024, 0, st>>>(fptr(per_row), B, 1.f, fptr(scalar));
  FB_CUDA_CHECK_LAUNCH();
  exp_kernel<<<grid, kThreads, 0, st>>>(fptr(s), fptr(scalar), static_cast<float>(1.0 / eps), n, fptr(q));
  FB_CUDA_CHECK_LAUNCH();
  row_reduce_kernel<false><<<rows, kThreads, 0, st>>>(fptr(q), K, fptr(per_row));
  FB_CUDA_CHECK_LAUNCH();
  reduce_all_kernel<false><<<1, 1024, 0, st>>>(fptr(per_row), B, 1.f, fptr(scalar));
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

namespace {
const int64_t* index_ptr(const Tensor& t) { return t.defined() ? t.data<int64_t>() : nullptr; }

void check_rows_fit_grid(const std::string& op, int64_t N) {
  FB_CHECK(N <= 2147483647, op, ": ", N, " rows exceed the CUDA grid (one block per row)");
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> contrastive_cross_entropy_forward(const Tensor& sim_, const Tensor& positive,
                                                                     const Tensor& excluded, double tau) {
  const std::string op = "contrastive_cross_entropy";
  check_operand(op, "sim", sim_);
  const Tensor sim = sim_.contiguous();
  const int64_t N = sim.size(0), M = sim.size(1);  // both >= 1 (kernels/contrastive.cpp checked)
  check_rows_fit_grid(op, N);
  const Device dev = sim.device();
  const cudaStream_t st = fb::cuda::stream();
  Tensor loss = Tensor::empty({}, DType::f32, dev), row_loss = Tensor::empty({N}, DType::f32, dev),
         row_max = Tensor::empty({N}, DType::f32, dev), row_log_sum = Tensor::empty({N}, DType::f32, dev);
  contrastive_forward_rows<<<static_cast<unsigned>(N), kThreads, 0, st>>>(
      fptr(sim), positive.data<int64_t>(), index_ptr(excluded), M, static_cast<float>(1.0 / tau), fptr(row_loss),
      fptr(row_max), fptr(row_log_sum));
  FB_CUDA_CHECK_LAUNCH();
  reduce_all_kernel<false><<<1, 1024, 0, st>>>(fptr(row_loss), N, static_cast<float>(N), fptr(loss));
  FB_CUDA_CHECK_LAUNCH();
  return {loss, row_max, row_log_sum};
}

Tensor contrastive_cross_entropy_backward(const Tensor& dloss_, const Tensor& sim_, const Tensor& positive,
                                          const Tensor& excluded, double tau, const Tensor& row_max_,
                                          const Tensor& row_log_sum_) {
  const std::string op = "contrastive_cross_entropy_backward";
  check_operand(op, "sim", sim_);
  check_operand(op, "dloss", dloss_, false, &sim_);
  check_operand(op, "row_max", row_max_, false, &sim_);
  check_operand(op, "row_log_sum", row_log_sum_, false, &sim_);
  const Tensor sim = sim_.contiguous(), dloss = dloss_.contiguous(), row_max = row_max_.contiguous(),
               row_log_sum = row_log_sum_.contiguous();
  const int64_t N = sim.size(0), M = sim.size(1);
  check_rows_fit_grid(op, N);
  Tensor dsim = Tensor::empty({N, M}, DType::f32, sim.device());
  const int64_t chunks = std::min<int64_t>((M + kThreads - 1) / kThreads, 65535);  // grid y limit
  const dim3 grid(static_cast<unsigned>(N), static_cast<unsigned>(chunks));
  contrastive_backward_kernel<<<grid, kThreads, 0, fb::cuda::stream()>>>(
      fptr(dloss), fptr(sim), positive.data<int64_t>(), index_ptr(excluded), M, static_cast<float>(1.0 / tau),
      static_cast<float>(1.0 / (static_cast<double>(N) * tau)), fptr(row_max), fptr(row_log_sum), fptr(dsim));
  FB_CUDA_CHECK_LAUNCH();
  return dsim;
}

}  // namespace fb::kernels::cuda
