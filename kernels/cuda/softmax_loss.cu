// Softmax, log-softmax and cross-entropy over the last dim, f32.
//
// One block per row: the row is read with a block-stride loop (coalesced),
// reduced to its maximum and to sum(exp(x - max)) with warp shuffles, then
// written. Subtracting the maximum keeps exp() in range for any logits.
// Cross-entropy writes per-sample losses, then one small block reduces them
// (a fixed order, so results are reproducible run to run).
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

constexpr int kThreads = 256;

// Returns (max, sum exp(x - max)) of row x[0..C).
__device__ __forceinline__ float2 row_max_sumexp(const float* x, int64_t C, float* scratch) {
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) m = fmaxf(m, x[j]);
  m = block_reduce<true>(m, scratch);
  float s = 0.f;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += expf(x[j] - m);
  s = block_reduce<false>(s, scratch);
  return make_float2(m, s);
}

template <bool kLog>
__global__ void softmax_forward_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t C) {
  __shared__ float scratch[32];
  const float* xr = x + blockIdx.x * C;
  float* yr = y + blockIdx.x * C;
  const float2 ms = row_max_sumexp(xr, C, scratch);
  const float log_s = logf(ms.y), inv_s = 1.f / ms.y;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x)
    yr[j] = kLog ? (xr[j] - ms.x) - log_s : expf(xr[j] - ms.x) * inv_s;
}

template <bool kLog>
__global__ void softmax_backward_kernel(const float* __restrict__ dy, const float* __restrict__ y,
                                        float* __restrict__ dx, int64_t C) {
  __shared__ float scratch[32];
  const int64_t base = blockIdx.x * C;
  float acc = 0.f;  // log: sum dy; softmax: sum dy * y
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) acc += kLog ? dy[base + j] : dy[base + j] * y[base + j];
  acc = block_reduce<false>(acc, scratch);
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x)
    dx[base + j] = kLog ? dy[base + j] - expf(y[base + j]) * acc : y[base + j] * (dy[base + j] - acc);
}

// Per-sample loss (1-eps)(lse - x_label) + eps * mean_c(lse - x_c); 0 for ignored samples.
__global__ void ce_forward_rows(const float* __restrict__ logits, const int64_t* __restrict__ labels, int64_t C,
                                float eps, int64_t ignore_index, float* __restrict__ loss) {
  __shared__ float scratch[32];
  const int64_t i = blockIdx.x;
  const float* x = logits + i * C;
  const int64_t label = labels[i];
  if (label == ignore_index) {  // uniform across the block: no divergent barrier
    if (threadIdx.x == 0) loss[i] = 0.f;
    return;
  }
  const float2 ms = row_max_sumexp(x, C, scratch);
  const float lse = ms.x + logf(ms.y);
  float sx = 0.f;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) sx += x[j];
  sx = block_reduce<false>(sx, scratch);
  if (threadIdx.x == 0) loss[i] = (1.f - eps) * (lse - x[label]) + eps * (lse - sx / static_cast<float>(C));
}

// out = sum (Sum) or sum / count (Mean) of per-sample losses; one block.
__global__ void ce_reduce(const float* __restrict__ loss, const int64_t* __restrict__ labels, int64_t N,
                          int64_t ignore_index, bool mean, float* __restrict__ out) {
  __shared__ float scratch[32];
  float s = 0.f, c = 0.f;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
    s += loss[i];
    c += labels[i] != ignore_index ? 1.f : 0.f;
  }
  s = block_reduce<false>(s, scratch);
  c = block_reduce<false>(c, scratch);
  if (threadIdx.x == 0) out[0] = mean ? s / c : s;  // 0/0 = NaN when all ignored, as PyTorch
}

__global__ void count_valid(const int64_t* __restrict__ labels, int64_t N, int64_t ignore_index, float* count) {
  __shared__ float scratch[32];
  float c = 0.f;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) c += labels[i] != ignore_index ? 1.f : 0.f;
  c = block_reduce<false>(c, scratch);
  if (threadIdx.x == 0) count[0] = c;
}

// dlogits = g * (softmax(x) - target), target = (1-eps) onehot + eps/C.
__global__ void ce_backward_rows(const float* __restrict__ dloss, const float* __restrict__ logits,
                                 const int64_t* __restrict__ labels, int64_t C, float eps, int64_t ignore_index,
                                 bool per_sample, const float* __restrict__ count, float* __restrict__ dx) {
  __shared__ float scratch[32];
  const int64_t i = blockIdx.x;
  const float* x = logits + i * C;
  float* d = dx + i * C;
  const int64_t label = labels[i];
  if (label == ignore_index) {
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) d[j] = 0.f;
    return;
  }
  float g = per_sample ? dloss[i] : dloss[0];
  if (count) g /= count[0];
  const float2 ms = row_max_sumexp(x, C, scratch);
  const float inv_s = 1.f / ms.y, off = eps / static_cast<float>(C);
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
    const float p = expf(x[j] - ms.x) * inv_s;
    d[j] = g * (p - ((j == label ? 1.f - eps : 0.f) + off));
  }
}

void row_layout(const std::string& op, const Tensor& x, int64_t& rows, int64_t& C) {
  FB_CHECK(x.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x.shape()));
  C = x.size(-1);
  rows = C ? x.numel() / C : 0;
}

template <bool kLog>
Tensor softmax_like_forward(const Tensor& x_) {
  const std::string op = kLog ? "log_softmax" : "softmax";
  check_operand(op, "x", x_);
  int64_t rows, C;
  row_layout(op, x_, rows, C);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (y.numel() == 0) return y;
  softmax_forward_kernel<kLog><<<rows, kThreads, 0, fb::cuda::stream()>>>(fptr(x), fptr(y), C);
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

template <bool kLog>
Tensor softmax_like_backward(const Tensor& dy_, const Tensor& y_) {
  const std::string op = kLog ? "log_softmax_backward" : "softmax_backward";
  check_operand(op, "y", y_);
  check_operand(op, "dy", dy_, false, &y_);
  FB_CHECK(dy_.shape() == y_.shape(), op, ": dy ", shape_str(dy_.shape()), " and y ", shape_str(y_.shape()),
           " differ in shape");
  int64_t rows, C;
  row_layout(op, y_, rows, C);
  const Tensor dy = dy_.contiguous(), y = y_.contiguous();
  Tensor dx = Tensor::empty(y.shape(), y.dtype(), y.device());
  if (dx.numel() == 0) return dx;
  softmax_backward_kernel<kLog><<<rows, kThreads, 0, fb::cuda::stream()>>>(fptr(dy), fptr(y), fptr(dx), C);
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

// Shape and label checks; labels are validated on the host (one small copy)
// so that a bad label is a clear error rather than an out-of-bounds read.
Tensor check_cross_entropy(const std::string& op, const Tensor& logits, const Tensor& labels, double eps,
                           int64_t ignore_index) {
  check_operand(op, "logits", logits);
  FB_CHECK(logits.dim() == 2, op, ": logits must be 2-D [N, C], got ", shape_str(logits.shape()));
  FB_CHECK(labels.defined(), op, ": labels is undefined");
  FB_CHECK(labels.device() == logits.device(), op, ": labels is on ", labels.device().str(), ", logits on ",
           logits.device().str());
  FB_CHECK(labels.dtype() == DType::i64, op, ": labels must be i64, got ", dtype_name(labels.dtype()));
  const int64_t N = logits.size(0), C = logits.size(1);
  FB_CHECK(labels.dim() == 1 && labels.size(0) == N, op, ": logits has ", N, " samples but labels has shape ",
           shape_str(labels.shape()));
  FB_CHECK(C > 0, op, ": logits has no classes (logits ", shape_str(logits.shape()), ")");
  FB_CHECK(eps >= 0.0 && eps <= 1.0, op, ": label_smoothing must be in [0, 1], got ", eps);
  const std::vector<int64_t> l = labels.to_vector<int64_t>();
  for (int64_t i = 0; i < N; ++i)
    FB_CHECK(l[i] == ignore_index || (l[i] >= 0 && l[i] < C), op, ": label ", l[i], " of sample ", i,
             " is out of range [0, ", C, ") (logits ", shape_str(logits.shape()), ", ignore_index ", ignore_index,
             ")");
  return labels.contiguous();
}

}  // namespace

Tensor softmax_forward(const Tensor& x) { return softmax_like_forward<false>(x); }
Tensor log_softmax_forward(const Tensor& x) { return softmax_like_forward<true>(x); }
Tensor softmax_backward(const Tensor& dy, const Tensor& y) { return softmax_like_backward<false>(dy, y); }
Tensor log_softmax_backward(const Tensor& dy, const Tensor& y) { return softmax_like_backward<true>(dy, y); }

Tensor cross_entropy_forward(const Tensor& logits_, const Tensor& labels_, double eps, int64_t ignore_index,
                             Reduction r) {
  const std::string op = "cross_entropy";
  const Tensor labels = check_cross_entropy(op, logits_, labels_, eps, ignore_index);
  const Tensor logits = logits_.contiguous();
  const int64_t N = logits.size(0), C = logits.size(1);
  const Device dev = logits.device();
  Tensor per = Tensor::empty({N}, DType::f32, dev);
  if (N > 0)
    ce_forward_rows<<<N, kThreads, 0, fb::cuda::stream()>>>(fptr(logits), labels.data<int64_t>(), C,
                                                             static_cast<float>(eps), ignore_index, fptr(per));
  FB_CUDA_CHECK_LAUNCH();
  if (r == Reduction::None) return per;
  Tensor out = Tensor::empty({}, DType::f32, dev);
  ce_reduce<<<1, 1024, 0, fb::cuda::stream()>>>(fptr(per), labels.data<int64_t>(), N, ignore_index,
                                               r == Reduction::Mean, fptr(out));
  FB_CUDA_CHECK_LAUNCH();
  return out;
}

Tensor cross_entropy_backward(const Tensor& dloss_, const Tensor& logits_, const Tensor& labels_, double eps,
                              int64_t ignore_index, Reduction r) {
  const std::string op = "cross_entropy_backward";
  const Tensor labels = check_cross_entropy(op, logits_, labels_, eps, ignore_index);
  check_operand(op, "dloss", dloss_, false, &logits_);
  const int64_t N = logits_.size(0), C = logits_.size(1);
  if (r == Reduction::None)
    FB_CHECK(dloss_.dim() == 1 && dloss_.size(0) == N, op, ": with reduction none dloss must be [", N, "], got ",
             shape_str(dloss_.shape()));
  else
    FB_CHECK(dloss_.numel() == 1, op, ": with a reduced loss dloss must have one element, got ",
             shape_str(dloss_.shape()));
  const Tensor logits = logits_.contiguous(), dloss = dloss_.contiguous();
  Tensor dx = Tensor::empty(logits.shape(), DType::f32, logits.device());
  if (N == 0) return dx;
  Tensor count;
  if (r == Reduction::Mean) {
    count = Tensor::empty({1}, DType::f32, logits.device());
    count_valid<<<1, 1024, 0, fb::cuda::stream()>>>(labels.data<int64_t>(), N, ignore_index, fptr(count));
    FB_CUDA_CHECK_LAUNCH();
  }
  ce_backward_rows<<<N, kThreads, 0, fb::cuda::stream()>>>(fptr(dloss), fptr(logits), labels.data<int64_t>(), C,
                                                            static_cast<float>(eps), ignore_index,
                                                            r == Reduction::None, fptr(count), fptr(dx));
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

}  // namespace fb::kernels::cuda
