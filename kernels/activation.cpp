// Tensor-level activations: argument checks, then the reference or CPU kernel
// for the dtype. Elementwise, so any shape; the output is contiguous.
#include "kernels/backend.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/activation.h"
#include "kernels/ops.h"
#include "kernels/ref/activation.h"

namespace fb::kernels {
namespace {

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Gelu: return "gelu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
  }
  return "activation";
}

void check_operand(const std::string& op, const char* name, const Tensor& t) {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device().is_cpu(), op, ": ", name, " is on ", t.device().str(),
           " but the first operand is on the CPU; every operand must be on one device");
  FB_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": ", name, " has dtype ",
           dtype_name(t.dtype()), ", only f32 and f64 are supported");
}

}  // namespace

Tensor activation_forward(Activation a, const Tensor& x_) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::activation_forward(a, x_);
  const std::string op = activation_name(a);
  check_operand(op, "x", x_);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  const bool reference = cpu_backend() == CpuBackend::Reference;
  if (x.dtype() == DType::f32) {
    (reference ? ref::activation_forward<float> : cpu::activation_forward<float>)(a, x.data<float>(), x.numel(),
                                                                                  y.data<float>());
  } else {
    (reference ? ref::activation_forward<double> : cpu::activation_forward<double>)(
        a, x.data<double>(), x.numel(), y.data<double>());
  }
  return y;
}

Tensor activation_backward(Activation a, const Tensor& dy_, const Tensor& x_) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::activation_backward(a, dy_, x_);
  const std::string op = std::string(activation_name(a)) + "_backward";
  check_operand(op, "x", x_);
  check_operand(op, "dy", dy_);
  FB_CHECK(dy_.dtype() == x_.dtype(), op, ": dy has dtype ", dtype_name(dy_.dtype()), " but x has ",
           dtype_name(x_.dtype()));
  FB_CHECK(dy_.shape() == x_.shape(), op, ": dy ", shape_str(dy_.shape()), " and x ", shape_str(x_.shape()),
           " differ in shape");
  const Tensor dy = dy_.contiguous(), x = x_.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype());
  const bool reference = cpu_backend() == CpuBackend::Reference;
  if (x.dtype() == DType::f32) {
    (reference ? ref::activation_backward<float> : cpu::activation_backward<float>)(
        a, dy.data<float>(), x.data<float>(), x.numel(), dx.data<float>());
  } else {
    (reference ? ref::activation_backward<double> : cpu::activation_backward<double>)(
        a, dy.data<double>(), x.data<double>(), x.numel(), dx.data<double>());
  }
  return dx;
}

}  // namespace fb::kernels
