// Activations: one thread per element, grid-stride, f32. Memory-bound, so the
// only care taken is coalesced access (thread i touches element i).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

__device__ __forceinline__ float act_value(Activation a, float x) {
  switch (a) {
    case Activation::Relu: return x < 0.f ? 0.f : x;  // NaN stays NaN
    case Activation::Gelu: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case Activation::Sigmoid: return 1.f / (1.f + expf(-x));
    case Activation::Tanh: return tanhf(x);
  }
  return 0.f;
}

__device__ __forceinline__ float act_grad(Activation a, float dy, float x) {
  switch (a) {
    case Activation::Relu: return x > 0.f ? dy : 0.f;
    case Activation::Gelu: {
      const float cdf = 0.5f * (1.f + erff(x * 0.70710678118654752f));
      const float pdf = expf(-0.5f * x * x) * 0.39894228040143268f;
      return dy * (cdf + x * pdf);
    }
    case Activation::Sigmoid: {
      const float s = 1.f / (1.f + expf(-x));
      return dy * s * (1.f - s);
    }
    case Activation::Tanh: {
      const float t = tanhf(x);
      return dy * (1.f - t * t);
    }
  }
  return 0.f;
}

__global__ void act_forward_kernel(Activation a, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = act_value(a, x[i]);
}

__global__ void act_backward_kernel(Activation a, const float* __restrict__ dy, const float* __restrict__ x,
                                    float* __restrict__ dx, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = act_grad(a, dy[i], x[i]);
}

}  // namespace

Tensor activation_forward(Activation a, const Tensor& x_) {
  check_operand("activation", "x", x_);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  const int64_t n = x.numel();
  if (n == 0) return y;
  act_forward_kernel<<<grid_for(n), 256, 0, fb::cuda::stream()>>>(a, fptr(x), fptr(y), n);
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

Tensor activation_backward(Activation a, const Tensor& dy_, const Tensor& x_) {
  check_operand("activation_backward", "x", x_);
  check_operand("activation_backward", "dy", dy_, false, &x_);
  FB_CHECK(dy_.shape() == x_.shape(), "activation_backward: dy ", shape_str(dy_.shape()), " and x ",
           shape_str(x_.shape()), " differ in shape");
  const Tensor dy = dy_.contiguous(), x = x_.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), x.device());
  const int64_t n = x.numel();
  if (n == 0) return dx;
  act_backward_kernel<<<grid_for(n), 256, 0, fb::cuda::stream()>>>(a, fptr(dy), fptr(x), fptr(dx), n);
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

}  // namespace fb::kernels::cuda
