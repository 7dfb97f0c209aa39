// The pointwise regression losses (MSE, L1, smooth L1) of d = pred - target,
// f32 and f64, with the CPU kernel's arithmetic (kernels/cpu/softmax_loss.cpp):
// each value and derivative is evaluated in the tensor's precision, and a
// reduced loss is summed in f64.
//
// The sum is deterministic: a number of blocks fixed by n alone each add
// their grid-stride share, then one block adds those partial sums in a fixed
// order; no atomics, so the same bits run to run and on any GPU.
#include <algorithm>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kSumBlocks = 1024;  // at most this many partial sums
constexpr int kFinishThreads = 1024;  // the block that adds them

__device__ __forceinline__ float magnitude(float v) { return fabsf(v); }
__device__ __forceinline__ double magnitude(double v) { return fabs(v); }

// sign(0) = 0, as PyTorch (and NaN gives 0, as the CPU's comparisons do).
template <typename T>
__device__ __forceinline__ T sign_of(T d) {
  return d > T(0) ? T(1) : (d < T(0) ? T(-1) : T(0));
}

// The loss of one element and its derivative, as the CPU's lambdas; half_beta
// is 0.5 * beta rounded once from double, as there.
template <typename T>
struct PointRule {
  PointLoss kind;
  T beta, half_beta;
  __device__ __forceinline__ T value(T d) const {
    switch (kind) {
      case PointLoss::Mse: return d * d;
      case PointLoss::L1: return magnitude(d);
      case PointLoss::SmoothL1: {
        // The quadratic branch is only taken when |d| < beta, so beta = 0 never divides.
        const T a = magnitude(d);
        return a < beta ? T(0.5) * d * d / beta : a - half_beta;
      }
    }
    return T(0);
  }
  __device__ __forceinline__ T derivative(T d) const {
    switch (kind) {
      case PointLoss::Mse: return T(2) * d;
      case PointLoss::L1: return sign_of(d);
      case PointLoss::SmoothL1: return magnitude(d) < beta ? d / beta : sign_of(d);
    }
    return T(0);
  }
};

template <typename T>
PointRule<T> rule(PointLoss kind, double beta) {
  return {kind, static_cast<T>(beta), static_cast<T>(0.5 * beta)};
}

template <typename T>
__global__ void point_values_kernel(PointRule<T> rule, const T* __restrict__ pred, const T* __restrict__ target,
                                    int64_t n, T* __restrict__ out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = rule.value(pred[i] - target[i]);
}

// partial[block] = the f64 sum of the values of the block's grid-stride share.
template <typename T>
__global__ void point_sum_partial_kernel(PointRule<T> rule, const T* __restrict__ pred,
                                         const T* __restrict__ target, int64_t n, double* __restrict__ partial) {
  __shared__ double scratch[32];
  double s = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    s += static_cast<double>(rule.value(pred[i] - target[i]));
  s = ::fb::cuda::block_reduce(s, [](double a, double b) { return a + b; }, 0.0, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// One block: out[0] = sum of the partial sums (divided by n for the mean;
// 0 / 0 = NaN for an empty mean, as the CPU).
template <typename T>
__global__ void point_sum_finish_kernel(const double* __restrict__ partial, int64_t parts, int64_t n, bool mean,
                                        T* __restrict__ out) {
  __shared__ double scratch[32];
  double s = 0;
  for (int64_t i = threadIdx.x; i < parts; i += blockDim.x) s += partial[i];
  s = ::fb::cuda::block_reduce(s, [](double a, double b) { return a + b; }, 0.0, scratch);
  if (threadIdx.x == 0) out[0] = static_cast<T>(mean ? s / static_cast<double>(n) : s);
}

// dpred = dloss * derivative: per element (reduction none), or with the one
// gradient of the reduced loss, divided by n for the mean in f64, then cast.
template <typename T>
__global__ void point_backward_kernel(PointRule<T> rule, const T* __restrict__ dloss, bool per_element, bool mean,
                                      const T* __restrict__ pred, const T* __restrict__ target, int64_t n,
                                      T* __restrict__ dpred) {
  const T g = per_element ? T(0)
                          : static_cast<T>(mean ? static_cast<double>(dloss[0]) / static_cast<double>(n)
                                                : static_cast<double>(dloss[0]));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dpred[i] = (per_element ? dloss[i] : g) * rule.derivative(pred[i] - target[i]);
}

void check_point_loss(const std::string& op, PointLoss kind, const Tensor& pred, const Tensor& target,
                      double beta) {
  check_float_operand(op, "pred", pred);
  check_float_operand(op, "target", target, &pred);
  FB_CHECK(pred.shape() == target.shape(), op, ": pred ", shape_str(pred.shape()), " and target ",
           shape_str(target.shape()), " differ in shape");
  if (kind == PointLoss::SmoothL1) FB_CHECK(beta >= 0, op, ": beta must be non-negative, got ", beta);
}

}  // namespace

Tensor point_loss_forward(PointLoss kind, const Tensor& pred_, const Tensor& target_, double beta, Reduction r) {
  const std::string op = point_loss_name(kind);
  check_point_loss(op, kind, pred_, target_, beta);
  const Tensor pred = pred_.contiguous(), target = target_.contiguous();
  const Device dev = pred.device();
  const int64_t n = pred.numel();
  const cudaStream_t st = fb::cuda::stream();
  Tensor out = Tensor::empty(r == Reduction::None ? pred.shape() : Shape{}, pred.dtype(), dev);
  dispatch_f32_f64(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (r == Reduction::None) {
      if (n == 0) return;
      point_values_kernel<T><<<grid_for(n, kThreads), kThreads, 0, st>>>(rule<T>(kind, beta), tptr<T>(pred),
                                                                          tptr<T>(target), n, tptr<T>(out));
      FB_CUDA_CHECK_LAUNCH();
      return;
    }
    const int64_t parts = std::min<int64_t>((n + kThreads - 1) / kThreads, kSumBlocks);
    Tensor partial = Tensor::empty({std::max<int64_t>(parts, 1)}, DType::f64, dev);
    if (parts > 0) {
      point_sum_partial_kernel<T><<<static_cast<unsigned>(parts), kThreads, 0, st>>>(
          rule<T>(kind, beta), tptr<T>(pred), tptr<T>(target), n, partial.data<double>());
      FB_CUDA_CHECK_LAUNCH();
    }
    point_sum_finish_kernel<T><<<1, kFinishThreads, 0, st>>>(partial.data<double>(), parts, n,
                                                             r == Reduction::Mean, tptr<T>(out));
    FB_CUDA_CHECK_LAUNCH();
  });
  return out;
}

Tensor point_loss_backward(PointLoss kind, const Tensor& dloss_, const Tensor& pred_, const Tensor& target_,
                           double beta, Reduction r) {
  const std::string op = std::string(point_loss_name(kind)) + "_backward";
  check_point_loss(op, kind, pred_, target_, beta);
  check_float_operand(op, "dloss", dloss_, &pred_);
  if (r == Reduction::None)
    FB_CHECK(dloss_.shape() == pred_.shape(), op, ": with reduction none dloss must be ", shape_str(pred_.shape()),
             ", got ", shape_str(dloss_.shape()));
  else
    FB_CHECK(dloss_.numel() == 1, op, ": with a reduced loss dloss must have one element, got ",
             shape_str(dloss_.shape()));
  const Tensor pred = pred_.contiguous(), target = target_.contiguous(), dloss = dloss_.contiguous();
  const int64_t n = pred.numel();
  Tensor dpred = Tensor::empty(pred.shape(), pred.dtype(), pred.device());
  if (n == 0) return dpred;
  dispatch_f32_f64(pred.dtype(), [&](auto tag) {
    using T = decltype(tag);
    point_backward_kernel<T><<<grid_for(n, kThreads), kThreads, 0, fb::cuda::stream()>>>(
        rule<T>(kind, beta), tptr<T>(dloss), r == Reduction::None, r == Reduction::Mean, tptr<T>(pred),
        tptr<T>(target), n, tptr<T>(dpred));
  });
  FB_CUDA_CHECK_LAUNCH();
  return dpred;
}

}  // namespace fb::kernels::cuda
