// Batch norm over channels-last tensors [..., C] viewed as [rows, C], f32.
//
// Training forward makes two passes for the statistics (mean, then the mean
// squared deviation from it), which is as accurate as Welford and simpler;
// the third pass normalises. Backward needs sum(dy) and sum(dy * (x - mean))
// per channel (one pass, both at once), then one elementwise pass:
//   dx = gamma * invstd * (dy - sum_dy / n - (x - mean) * invstd^2 * sum_dy_xmu / n)
//
// The fused form y = relu(bn(x) + residual) (ResNet's blocks) adds the
// residual and clamps in the normalising pass; its backward masks dy by
// y > 0 (where the ReLU passed) while reading it, in both passes, and can
// write the masked gradient, which is the residual's gradient. That saves
// the separate add, ReLU and ReLU-backward passes over the activations.
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
// dy masked by the ReLU's output (y > 0) when y is given.
__device__ __forceinline__ float masked_grad(const float* dy, const float* y, int64_t i) {
  return !y || y[i] > 0.f ? dy[i] : 0.f;
}
struct GradSums {
  const float* dy;
  const float* x;
  const float* mean;
  const float* y;  // the fused form's output, or nullptr
  int64_t C;
  __device__ float2 operator()(int64_t r, int64_t c) const {
    const float g = masked_grad(dy, y, r * C + c);
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

// The fused form's tail: + residual (when given), then ReLU (when relu).
__device__ __forceinline__ float add_relu(float v, const float* residual, int64_t i, bool relu) {
  if (residual) v += residual[i];
  return relu ? fmaxf(v, 0.f) : v;
}

// y = (x - mean) * scale + shift with per-channel scale = gamma * invstd,
// then the fused tail.
__global__ void bn_apply(const float* __restrict__ x, const float* __restrict__ mean,
                         const float* __restrict__ invstd, const float* __restrict__ gamma,
                         const float* __restrict__ beta, const float* __restrict__ residual, bool relu, int64_t n,
                         int64_t C, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float g = gamma ? gamma[c] : 1.f, b = beta ? beta[c] : 0.f;
    y[i] = add_relu((x[i] - mean[c]) * invstd[c] * g + b, residual, i, relu);
  }
}

__global__ void bn_eval(const float* __restrict__ x, const float* __restrict__ rm, const float* __restrict__ rv,
                        const float* __restrict__ gamma, const float* __restrict__ beta, float eps,
                        const float* __restrict__ residual, bool relu, int64_t n, int64_t C,
                        float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float g = gamma ? gamma[c] : 1.f, b = beta ? beta[c] : 0.f;
    y[i] = add_relu((x[i] - rm[c]) * rsqrtf(rv[c] + eps) * g + b, residual, i, relu);
  }
}

// dx from the column sums; with the fused form's y, dy is masked by y > 0,
// and dz (when given) receives the masked dy.
__global__ void bn_backward_dx(const float* __restrict__ dy, const float* __restrict__ x,
                               const float* __restrict__ gamma, const float* __restrict__ mean,
                               const float* __restrict__ invstd, const float2* __restrict__ sums,
                               const float* __restrict__ y, int64_t n, int64_t C, float inv_rows,
                               float* __restrict__ dx, float* __restrict__ dz) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    const float is = invstd[c], g = gamma ? gamma[c] : 1.f, d = masked_grad(dy, y, i);
    const float xhat_coef = (x[i] - mean[c]) * is * is * sums[c].y * inv_rows;
    dx[i] = g * is * (d - sums[c].x * inv_rows - xhat_coef);
    if (dz) dz[i] = d;
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

// The fused form's residual: same shape as x (the dtype and device checks
// are check_operand's).
Tensor checked_residual(const char* op, const Tensor& residual, const Tensor& x) {
  if (!residual.defined()) return Tensor();
  check_operand(op, "residual", residual, false, &x);
  FB_CHECK(residual.shape() == x.shape(), op, ": residual ", shape_str(residual.shape()), " and x ",
           shape_str(x.shape()), " differ in shape");
  return residual.contiguous();
}

// batch_norm_forward_train, optionally with the fused tail.
std::tuple<Tensor, Tensor, Tensor> bn_train(const char* op, const Tensor& x_, const Tensor& gamma_,
                                            const Tensor& beta_, double eps, const Tensor& residual_, bool relu) {
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x_.shape()));
  const int64_t C = x_.size(-1), rows = C ? x_.numel() / C : 0;
  if (gamma_.defined()) check_vec(op, "gamma", gamma_, x_, C);
  if (beta_.defined()) check_vec(op, "beta", beta_, x_, C);
  FB_CHECK(rows > 0, op, ": training needs at least one value per channel, got x ", shape_str(x_.shape()));
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  const Tensor x = x_.contiguous(), gamma = contig(gamma_), beta = contig(beta_),
               residual = checked_residual(op, residual_, x_);
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
                                                fptr(residual), relu, x.numel(), C, fptr(y));
  FB_CUDA_CHECK_LAUNCH();
  return {y, mean, invstd};
}

Tensor bn_eval_fused(const char* op, const Tensor& x_, const Tensor& gamma_, const Tensor& beta_, const Tensor& rm_,
                     const Tensor& rv_, double eps, const Tensor& residual_, bool relu) {
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x_.shape()));
  const int64_t C = x_.size(-1);
  if (gamma_.defined()) check_vec(op, "gamma", gamma_, x_, C);
  if (beta_.defined()) check_vec(op, "beta", beta_, x_, C);
  check_vec(op, "running_mean", rm_, x_, C);
  check_vec(op, "running_var", rv_, x_, C);
  const Tensor x = x_.contiguous(), gamma = contig(gamma_), beta = contig(beta_), rm = rm_.contiguous(),
               rv = rv_.contiguous(), residual = checked_residual(op, residual_, x_);
  Tensor y = Tensor::empty(x.shape(), DType::f32, x.device());
  if (x.numel() == 0) return y;
  bn_eval<<<grid_for(x.numel()), 256, 0, fb::cuda::stream()>>>(fptr(x), fptr(rm), fptr(rv), fptr(gamma),
                                                               fptr(beta), static_cast<float>(eps), fptr(residual),
                                                               relu, x.numel(), C, fptr(y));
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

// batch_norm_backward; with y (the fused form's output) dy is masked by
// y > 0 and, when want_dz, the masked dy is returned too.
std::tuple<Tensor, Tensor, Tensor, Tensor> bn_backward(const char* op, const Tensor& dy_, const Tensor& y_,
                                                       const Tensor& x_, const Tensor& gamma_, const Tensor& mean_,
                                                       const Tensor& invstd_, bool want_dz) {
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
  if (y_.defined()) {
    check_operand(op, "y", y_, false, &x_);
    FB_CHECK(y_.shape() == x_.shape(), op, ": y ", shape_str(y_.shape()), " and x ", shape_str(x_.shape()),
             " differ in shape");
  }
  const Tensor dy = dy_.contiguous(), x = x_.contiguous(), gamma = contig(gamma_), mean = mean_.contiguous(),
               invstd = invstd_.contiguous(), y = contig(y_);
  const Device dev = x.device();
  Tensor dx = Tensor::empty(x.shape(), DType::f32, dev), dgamma = Tensor::empty({C}, DType::f32, dev),
         dbeta = Tensor::empty({C}, DType::f32, dev), sums = Tensor::empty({C, 2}, DType::f32, dev);
  Tensor dz = want_dz ? Tensor::empty(x.shape(), DType::f32, dev) : Tensor();
  float2* s = reinterpret_cast<float2*>(fptr(sums));
  auto st = fb::cuda::stream();
  column_sums(GradSums{fptr(dy), fptr(x), fptr(mean), fptr(y), C}, rows, C, s, dev);
  bn_param_grads<<<blocks_1d(C), 256, 0, st>>>(s, fptr(invstd), C, fptr(dgamma), fptr(dbeta));
  FB_CUDA_CHECK_LAUNCH();
  bn_backward_dx<<<grid_for(x.numel()), 256, 0, st>>>(fptr(dy), fptr(x), fptr(gamma), fptr(mean), fptr(invstd), s,
                                                      fptr(y), x.numel(), C, 1.f / static_cast<float>(rows),
                                                      fptr(dx), fptr(dz));
  FB_CUDA_CHECK_LAUNCH();
  return {dx, dgamma, dbeta, dz};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                                            double eps) {
  return bn_train("batch_norm", x, gamma, beta, eps, Tensor(), false);
}
std::tuple<Tensor, Tensor, Tensor> batch_norm_relu_forward_train(const Tensor& x, const Tensor& gamma,
                                                                 const Tensor& beta, double eps,
                                                                 const Tensor& residual) {
  return bn_train("batch_norm_relu", x, gamma, beta, eps, residual, true);
}

Tensor batch_norm_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& rm,
                               const Tensor& rv, double eps) {
  return bn_eval_fused("batch_norm", x, gamma, beta, rm, rv, eps, Tensor(), false);
}
Tensor batch_norm_relu_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& rm,
                                    const Tensor& rv, double eps, const Tensor& residual) {
  return bn_eval_fused("batch_norm_relu", x, gamma, beta, rm, rv, eps, residual, true);
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                       const Tensor& mean, const Tensor& invstd) {
  auto [dx, dgamma, dbeta, dz] = bn_backward("batch_norm_backward", dy, Tensor(), x, gamma, mean, invstd, false);
  return {dx, dgamma, dbeta};
}
std::tuple<Tensor, Tensor, Tensor, Tensor> batch_norm_relu_backward(const Tensor& dy, const Tensor& y,
                                                                    const Tensor& x, const Tensor& gamma,
                                                                    const Tensor& mean, const Tensor& invstd,
                                                                    bool want_dz) {
  FB_CHECK(y.defined(), "batch_norm_relu_backward: y is undefined");
  return bn_backward("batch_norm_relu_backward", dy, y, x, gamma, mean, invstd, want_dz);
}

}  // namespace fb::kernels::cuda
