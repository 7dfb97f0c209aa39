// Batch norm over channels-last tensors [..., C] viewed as [rows, C], f32.
//
// Training forward makes two passes for the statistics (mean, then the mean
// squared deviation from it), which is as accurate as Welford and simpler;
// the third pass normalises. Backward needs sum(dy) and sum(dy * (x - mean))
// per channel (one pass, both at once), then one elementwise pass:
//   dx = gamma * invstd * (dy - sum_dy / n - (x - mean) * invstd^2 * sum_dy_xmu / n)
#include "kernels/cuda/column_reduce.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {


// Functors see (row, channel); C is captured.
struct ValueSum {
  const float* x;
  int64_t C;
  __device__ float2 operator()(int64_t r, int64_t c) const { return make_float2(x[r * C + c], 0.f); }
};
struct SquaredDeviation {
  const float* x;
  const float2* mean;  // .x holds the channel mean
  int64_t C;
  __device__ float2 operator()(int64_t r, int64_t c) const {
    const float d = x[r * C + c] - mean[c].x;
    return make_float2(d * d, 0.f);
  }
};
struct GradSums {
  const float* dy;
  const float* x;
  const float* mean;
  int64_t C;
  __device__ float2 operator()(int64_t r, int64_t c) const {
    const float g = dy[r * C + c];
    return make_float2(g, g * (x[r * C + c] - mean[c]));
  }
};

// sums[c].x /= n in place (sum -> mean) and writes mean[c].
__global__ void finish_mean(float2* sums, int64_t C, float inv_n, float* mean) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  sums[c].x *= inv_n;
  mean[c] = sums[c].x;
}
__global__ void finish_invstd(const float2* sq, int64_t C, float inv_n, float eps, float* invstd) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c < C) invstd[c] = rsqrtf(sq[c].x * inv_n + eps);
}

// y = (x - mean) * scale + shift with per-channel scale = gamma * invstd.
__global__ void bn_apply(const float* __restrict__ x, const float* __restrict__ mean,
                         const float* __restrict__ invstd, const float* __restrict__ gamma,
                         const float* __restrict__ beta, int64_t n, int64_t C, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float g = gamma ? gamma[c] : 1.f, b = beta ? beta[c] : 0.f;
    y[i] = (x[i] - mean[c]) * invstd[c] * g + b;
  }
}

__global__ void bn_eval(const float* __restrict__ x, const float* __restrict__ rm, const float* __restrict__ rv,
                        const float* __restrict__ gamma, const float* __restrict__ beta, float eps, int64_t n,
                        int64_t C, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float g = gamma ? gamma[c] : 1.f, b = beta ? beta[c] : 0.f;
    y[i] = (x[i] - rm[c]) * rsqrtf(rv[c] + eps) * g + b;
  }
}

__global__ void bn_backward_dx(const float* __restrict__ dy, const float* __restrict__ x,
                               const float* __restrict__ gamma, const float* __restrict__ mean,
                               const float* __restrict__ invstd, const float2* __restrict__ sums, int64_t n,
                               int64_t C, float inv_rows, float* __restrict__ dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float is = invstd[c], g = gamma ? gamma[c] : 1.f;
    const float xhat_coef = (x[i] - mean[c]) * is * is * sums[c].y * inv_rows;
    dx[i] = g * is * (dy[i] - sums[c].x * inv_rows - xhat_coef);
  }
}

__global__ void bn_param_grads(const float2* __restrict__ sums, const float* __restrict__ invstd, int64_t C,
                               float* __restrict__ dgamma, float* __restrict__ dbeta) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  dgamma[c] = sums[c].y * invstd[c];
  dbeta[c] = sums[c].x;
}

void check_vec(const char* op, const char* name, const Tensor& v, const Tensor& x, int64_t C) {
  check_operand(op, name, v, false, &x);
  FB_CHECK(v.dim() == 1 && v.size(0) == C, op, ": x has ", C, " channels but ", name, " is ", shape_str(v.shape()));
}

Tensor contig(const Tensor& t) { return t.defined() ? t.contiguous() : Tensor(); }
int blocks_1d(int64_t n) { return static_cast<int>((n + 255) / 256); }

}  // namespace

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor& x_, const Tensor& gamma_,
                                                            const Tensor& beta_, double eps) {
  const char* op = "batch_norm";
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x_.shape()));
  const int64_t C = x_.size(-1), rows = C ? x_.numel() / C : 0;
  if (gamma_.defined()) check_vec(op, "gamma", gamma_, x_, C);
  if (beta_.defined()) check_vec(op, "beta", beta_, x_, C);
  FB_CHECK(rows > 0, op, ": training needs at least one value per channel, got x ", shape_str(x_.shape()));
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  const Tensor x = x_.contiguous(), gamma = contig(gamma_), beta = contig(beta_);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev), mean = Tensor::empty({C}, DType::f32, dev),
         invstd = Tensor::empty({C}, DType::f32, dev), sums = Tensor::empty({C, 2}, DType::f32, dev);
  float2* s = reinterpret_cast<float2*>(fptr(sums));
  const float inv_n = 1.f / static_cast<float>(rows);
  auto st = fb::cuda::stream();
  column_sums(ValueSum{fptr(x), C}, rows, C, s, dev);
  finish_mean<<<blocks_1d(C), 256, 0, st>>>(s, C, inv_n, fptr(mean));
  FB_CUDA_CHECK_LAUNCH();
  Tensor sq = Tensor::empty({C, 2}, DType::f32, dev);
  float2* q = reinterpret_cast<float2*>(fptr(sq));
  column_sums(SquaredDeviation{fptr(x), s, C}, rows, C, q, dev);
  finish_invstd<<<blocks_1d(C), 256, 0, st>>>(q, C, inv_n, static_cast<float>(eps), fptr(invstd));
  FB_CUDA_CHECK_LAUNCH();
  bn_apply<<<grid_for(x.numel()), 256, 0, st>>>(fptr(x), fptr(mean), fptr(invstd), fptr(gamma), fptr(beta),
                                                x.numel(), C, fptr(y));
  FB_CUDA_CHECK_LAUNCH();
  return {y, mean, invstd};
}

Tensor batch_norm_forward_eval(const Tensor& x_, const Tensor& gamma_, const Tensor& beta_, const Tensor& rm_,
                               const Tensor& rv_, double eps) {
  const char* op = "batch_norm";
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x_.shape()));
  const int64_t C = x_.size(-1);
  if (gamma_.defined()) check_vec(op, "gamma", gamma_, x_, C);
  if (beta_.defined()) check_vec(op, "beta", beta_, x_, C);
  check_vec(op, "running_mean", rm_, x_, C);
  check_vec(op, "running_var", rv_, x_, C);
  const Tensor x = x_.contiguous(), gamma = contig(gamma_), beta = contig(beta_), rm = rm_.contiguous(),
               rv = rv_.contiguous();
  Tensor y = Tensor::empty(x.shape(), DType::f32, x.device());
  if (x.numel() == 0) return y;
  bn_eval<<<grid_for(x.numel()), 256, 0, fb::cuda::stream()>>>(fptr(x), fptr(rm), fptr(rv), fptr(gamma),
                                                               fptr(beta), static_cast<float>(eps), x.numel(), C,
                                                               fptr(y));
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& dy_, const Tensor& x_, const Tensor& gamma_,
                                                       const Tensor& mean_, const Tensor& invstd_) {
  const char* op = "batch_norm_backward";
  check_operand(op, "x", x_);
  check_operand(op, "dy", dy_, false, &x_);
  FB_CHECK(x_.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x_.shape()));
  FB_CHECK(dy_.shape() == x_.shape(), op, ": dy ", shape_str(dy_.shape()), " and x ", shape_str(x_.shape()),
           " differ in shape");
  const int64_t C = x_.size(-1), rows = C ? x_.numel() / C : 0;
  if (gamma_.defined()) check_vec(op, "gamma", gamma_, x_, C);
  check_vec(op, "mean", mean_, x_, C);
  check_vec(op, "invstd", invstd_, x_, C);
  FB_CHECK(rows > 0, op, ": x has no values per channel, x ", shape_str(x_.shape()));
  const Tensor dy = dy_.contiguous(), x = x_.contiguous(), gamma = contig(gamma_), mean = mean_.contiguous(),
               invstd = invstd_.contiguous();
  const Device dev = x.device();
  Tensor dx = Tensor::empty(x.shape(), DType::f32, dev), dgamma = Tensor::empty({C}, DType::f32, dev),
         dbeta = Tensor::empty({C}, DType::f32, dev), sums = Tensor::empty({C, 2}, DType::f32, dev);
  float2* s = reinterpret_cast<float2*>(fptr(sums));
  auto st = fb::cuda::stream();
  column_sums(GradSums{fptr(dy), fptr(x), fptr(mean), C}, rows, C, s, dev);
  bn_param_grads<<<blocks_1d(C), 256, 0, st>>>(s, fptr(invstd), C, fptr(dgamma), fptr(dbeta));
  FB_CUDA_CHECK_LAUNCH();
  bn_backward_dx<<<grid_for(x.numel()), 256, 0, st>>>(fptr(dy), fptr(x), fptr(gamma), fptr(mean), fptr(invstd), s,
                                                      x.numel(), C, 1.f / static_cast<float>(rows), fptr(dx));
  FB_CUDA_CHECK_LAUNCH();
  return {dx, dgamma, dbeta};
}

}  // namespace fb::kernels::cuda
