// Tensor-level batch norm and layer norm: argument checks, then the reference
// or CPU kernel for the dtype, or the CUDA kernel for CUDA tensors. Channel =
// last dim (activations are NHWC).
#include <type_traits>
#include <utility>

#include "kernels/backend.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/norm.h"
#include "kernels/ops.h"
#include "kernels/ref/norm.h"
#include "tensor/ops.h"

namespace fb::kernels {
namespace {

// Checks a (defined) operand: CPU, floating dtype f32/f64, and the dtype of
// the reference operand `like` when given.
void check_operand(const char* op, const char* name, const Tensor& t, const Tensor* like = nullptr) {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device().is_cpu(), op, ": ", name, " is on ", t.device().str(),
           " but x is on the CPU; every operand must be on one device");
  FB_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": ", name, " has dtype ",
           dtype_name(t.dtype()), ", only f32 and f64 are supported");
  if (like)
    FB_CHECK(t.dtype() == like->dtype(), op, ": ", name, " has dtype ", dtype_name(t.dtype()), " but x has ",
             dtype_name(like->dtype()));
}

// A per-channel vector (gamma, beta, running stats, saved stats) must be [C].
void check_channel_vector(const char* op, const char* name, const Tensor& v, const Tensor& x, int64_t C,
                          const char* what = "channels") {
  check_operand(op, name, v, &x);
  FB_CHECK(v.dim() == 1 && v.size(0) == C, op, ": x has ", C, " ", what, " but ", name, " has ",
           v.dim() == 1 ? v.size(0) : v.numel(), " (x ", shape_str(x.shape()), ", ", name, " ",
           shape_str(v.shape()), ")");
}

template <typename T>
const T* opt_data(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

Tensor contig_or_undefined(const Tensor& t) { return t.defined() ? t.contiguous() : Tensor(); }

template <typename F>
void dispatch_float(const Tensor& x, F&& f) {
  if (x.dtype() == DType::f32)
    f(float{});
  else
    f(double{});
}

bool use_reference() { return cpu_backend() == CpuBackend::Reference; }

// x [..., C] viewed as [rows, C].
void check_bn_input(const char* op, const Tensor& x) {
  check_operand(op, "x", x);
  FB_CHECK(x.dim() >= 2, op, ": x must have at least 2 dims [..., C], got ", shape_str(x.shape()));
}

// The arguments of a training-mode forward; returns {C, rows}.
std::pair<int64_t, int64_t> check_bn_train(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           double eps) {
  check_bn_input(op, x);
  const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
  if (gamma.defined()) check_channel_vector(op, "gamma", gamma, x, C);
  if (beta.defined()) check_channel_vector(op, "beta", beta, x, C);
  FB_CHECK(rows > 0, op, ": training needs at least one value per channel, got x ", shape_str(x.shape()));
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  return {C, rows};
}

// The arguments of the training-mode backward; returns {C, rows}.
std::pair<int64_t, int64_t> check_bn_backward(const char* op, const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                              const Tensor& mean, const Tensor& invstd) {
  check_bn_input(op, x);
  check_operand(op, "dy", dy, &x);
  FB_CHECK(dy.shape() == x.shape(), op, ": dy ", shape_str(dy.shape()), " and x ", shape_str(x.shape()),
           " differ in shape");
  const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
  if (gamma.defined()) check_channel_vector(op, "gamma", gamma, x, C);
  check_channel_vector(op, "mean", mean, x, C);
  check_channel_vector(op, "invstd", invstd, x, C);
  FB_CHECK(rows > 0, op, ": x has no values per channel, x ", shape_str(x.shape()));
  return {C, rows};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor& x_, const Tensor& gamma_,
                                                            const Tensor& beta_, double eps) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::batch_norm_forward_train(x_, gamma_, beta_, eps);
  const std::pair<int64_t, int64_t> dims = check_bn_train("batch_norm", x_, gamma_, beta_, eps);
  const int64_t C = dims.first, rows = dims.second;
  const Tensor x = x_.contiguous(), gamma = contig_or_undefined(gamma_), beta = contig_or_undefined(beta_);
  Tensor y = Tensor::empty(x.shape(), x.dtype()), mean = Tensor::empty({C}, x.dtype()),
         invstd = Tensor::empty({C}, x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::batch_norm_forward_train<T>(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rows, C, eps,
                                       y.data<T>(), mean.data<T>(), invstd.data<T>());
    else
      cpu::batch_norm_forward_train<T>(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rows, C, eps,
                                       y.data<T>(), mean.data<T>(), invstd.data<T>());
  });
  return {y, mean, invstd};
}

namespace {

// Evaluation-mode batch norm on the host (the reference or the fast CPU
// kernel), with the residual add and the ReLU fused in when asked for (the
// fast backend only: the reference kernel, the oracle, is reached without).
Tensor batch_norm_eval_host(const char* op, const Tensor& x_, const Tensor& gamma_, const Tensor& beta_,
                            const Tensor& running_mean_, const Tensor& running_var_, double eps,
                            const Tensor& residual_, bool relu) {
  check_bn_input(op, x_);
  const int64_t C = x_.size(-1), rows = C ? x_.numel() / C : 0;
  if (gamma_.defined()) check_channel_vector(op, "gamma", gamma_, x_, C);
  if (beta_.defined()) check_channel_vector(op, "beta", beta_, x_, C);
  check_channel_vector(op, "running_mean", running_mean_, x_, C);
  check_channel_vector(op, "running_var", running_var_, x_, C);
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  if (residual_.defined()) {
    check_operand(op, "residual", residual_, &x_);
    FB_CHECK(residual_.shape() == x_.shape(), op, ": residual ", shape_str(residual_.shape()), " and x ",
             shape_str(x_.shape()), " differ in shape");
  }
  const Tensor x = x_.contiguous(), gamma = contig_or_undefined(gamma_), beta = contig_or_undefined(beta_),
               rm = running_mean_.contiguous(), rv = running_var_.contiguous(),
               residual = residual_.defined() ? residual_.contiguous() : Tensor();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::batch_norm_forward_eval<T>(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rm.data<T>(),
                                      rv.data<T>(), rows, C, eps, y.data<T>());
    else
      cpu::batch_norm_forward_eval<T>(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rm.data<T>(),
                                      rv.data<T>(), rows, C, eps, y.data<T>(), opt_data<T>(residual), relu);
  });
  return y;
}

}  // namespace

Tensor batch_norm_forward_eval(const Tensor& x_, const Tensor& gamma_, const Tensor& beta_,
                               const Tensor& running_mean_, const Tensor& running_var_, double eps) {
  if (x_.defined() && x_.device().is_cuda())
    return cuda::batch_norm_forward_eval(x_, gamma_, beta_, running_mean_, running_var_, eps);
  return batch_norm_eval_host("batch_norm", x_, gamma_, beta_, running_mean_, running_var_, eps, Tensor(), false);
}

// The CPU fast backend and CUDA fuse; the reference backend (the oracle)
// composes the separate kernels, which define the result.
Tensor batch_norm_relu_forward_eval(const Tensor& x_, const Tensor& gamma_, const Tensor& beta_,
                                    const Tensor& running_mean_, const Tensor& running_var_, double eps,
                                    const Tensor& residual_) {
  if (x_.defined() && x_.device().is_cuda())
    return cuda::batch_norm_relu_forward_eval(x_, gamma_, beta_, running_mean_, running_var_, eps, residual_);
  if (use_reference()) {
    Tensor y = batch_norm_forward_eval(x_, gamma_, beta_, running_mean_, running_var_, eps);
    if (residual_.defined()) y = ops::add(y, residual_);
    return activation_forward(Activation::Relu, y);
  }
  return batch_norm_eval_host("batch_norm_relu", x_, gamma_, beta_, running_mean_, running_var_, eps, residual_,
                              true);
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& dy_, const Tensor& x_, const Tensor& gamma_,
                                                       const Tensor& mean_, const Tensor& invstd_) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::batch_norm_backward(dy_, x_, gamma_, mean_, invstd_);
  const std::pair<int64_t, int64_t> dims = check_bn_backward("batch_norm_backward", dy_, x_, gamma_, mean_, invstd_);
  const int64_t C = dims.first, rows = dims.second;
  const Tensor dy = dy_.contiguous(), x = x_.contiguous(), gamma = contig_or_undefined(gamma_),
               mean = mean_.contiguous(), invstd = invstd_.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype()), dgamma = Tensor::empty({C}, x.dtype()),
         dbeta = Tensor::empty({C}, x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::batch_norm_backward<T>(dy.data<T>(), x.data<T>(), opt_data<T>(gamma), mean.data<T>(), invstd.data<T>(),
                                  rows, C, dx.data<T>(), dgamma.data<T>(), dbeta.data<T>());
    else
      cpu::batch_norm_backward<T>(dy.data<T>(), x.data<T>(), opt_data<T>(gamma), mean.data<T>(), invstd.data<T>(),
                                  rows, C, dx.data<T>(), dgamma.data<T>(), dbeta.data<T>());
  });
  return {dx, dgamma, dbeta};
}

// The CPU fast backend and CUDA fuse; the reference backend (the oracle)
// composes the separate kernels, which define the result.
std::tuple<Tensor, Tensor, Tensor> batch_norm_relu_forward_train(const Tensor& x_, const Tensor& gamma_,
                                                                 const Tensor& beta_, double eps,
                                                                 const Tensor& residual_) {
  const char* op = "batch_norm_relu";
  if (x_.defined() && x_.device().is_cuda())
    return cuda::batch_norm_relu_forward_train(x_, gamma_, beta_, eps, residual_);
  if (residual_.defined()) {
    check_operand(op, "residual", residual_, &x_);
    FB_CHECK(residual_.shape() == x_.shape(), op, ": residual ", shape_str(residual_.shape()), " and x ",
             shape_str(x_.shape()), " differ in shape");
  }
  if (use_reference()) {
    auto [y, mean, invstd] = batch_norm_forward_train(x_, gamma_, beta_, eps);
    if (residual_.defined()) y = ops::add(y, residual_);
    return {activation_forward(Activation::Relu, y), mean, invstd};
  }
  const std::pair<int64_t, int64_t> dims = check_bn_train(op, x_, gamma_, beta_, eps);
  const int64_t C = dims.first, rows = dims.second;
  const Tensor x = x_.contiguous(), gamma = contig_or_undefined(gamma_), beta = contig_or_undefined(beta_),
               residual = residual_.defined() ? residual_.contiguous() : Tensor();
  Tensor y = Tensor::empty(x.shape(), x.dtype()), mean = Tensor::empty({C}, x.dtype()),
         invstd = Tensor::empty({C}, x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    cpu::batch_norm_forward_train<T>(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rows, C, eps, y.data<T>(),
                                     mean.data<T>(), invstd.data<T>(), opt_data<T>(residual), true);
  });
  return {y, mean, invstd};
}

std::tuple<Tensor, Tensor, Tensor, Tensor> batch_norm_relu_backward(const Tensor& dy_, const Tensor& y_,
                                                                    const Tensor& x_, const Tensor& gamma_,
                                                                    const Tensor& mean_, const Tensor& invstd_,
                                                                    bool want_dz) {
  const char* op = "batch_norm_relu_backward";
  if (x_.defined() && x_.device().is_cuda())
    return cuda::batch_norm_relu_backward(dy_, y_, x_, gamma_, mean_, invstd_, want_dz);
  check_operand(op, "y", y_, &x_);
  FB_CHECK(y_.shape() == x_.shape(), op, ": y ", shape_str(y_.shape()), " and x ", shape_str(x_.shape()),
           " differ in shape");
  if (use_reference()) {
    // ReLU's gradient from its output: y > 0 exactly where its input was.
    const Tensor dz = activation_backward(Activation::Relu, dy_, y_);
    auto [dx, dgamma, dbeta] = batch_norm_backward(dz, x_, gamma_, mean_, invstd_);
    return {dx, dgamma, dbeta, want_dz ? dz : Tensor()};
  }
  const std::pair<int64_t, int64_t> dims = check_bn_backward(op, dy_, x_, gamma_, mean_, invstd_);
  const int64_t C = dims.first, rows = dims.second;
  const Tensor dy = dy_.contiguous(), y = y_.contiguous(), x = x_.contiguous(), gamma = contig_or_undefined(gamma_),
               mean = mean_.contiguous(), invstd = invstd_.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype()), dgamma = Tensor::empty({C}, x.dtype()),
         dbeta = Tensor::empty({C}, x.dtype()), dz = want_dz ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    cpu::batch_norm_backward<T>(dy.data<T>(), x.data<T>(), opt_data<T>(gamma), mean.data<T>(), invstd.data<T>(), rows,
                                C, dx.data<T>(), dgamma.data<T>(), dbeta.data<T>(), y.data<T>(),
                                want_dz ? dz.data<T>() : nullptr);
  });
  return {dx, dgamma, dbeta, dz};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x_, const Tensor& gamma_, const Tensor& beta_,
                                                      double eps) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::layer_norm_forward(x_, gamma_, beta_, eps);
  const char* op = "layer_norm";
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x_.shape()));
  const int64_t D = x_.size(-1), rows = D ? x_.numel() / D : 0;
  FB_CHECK(D > 0, op, ": the normalised (last) dim of x is empty, x ", shape_str(x_.shape()));
  if (gamma_.defined()) check_channel_vector(op, "gamma", gamma_, x_, D, "features");
  if (beta_.defined()) check_channel_vector(op, "beta", beta_, x_, D, "features");
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  const Tensor x = x_.contiguous(), gamma = contig_or_undefined(gamma_), beta = contig_or_undefined(beta_);
  Tensor y = Tensor::empty(x.shape(), x.dtype()), mean = Tensor::empty({rows}, x.dtype()),
         rstd = Tensor::empty({rows}, x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::layer_norm_forward<T> : &cpu::layer_norm_forward<T>;
    fn(x.data<T>(), opt_data<T>(gamma), opt_data<T>(beta), rows, D, eps, y.data<T>(), mean.data<T>(),
       rstd.data<T>());
  });
  return {y, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& dy_, const Tensor& x_, const Tensor& gamma_,
                                                       const Tensor& mean_, const Tensor& rstd_) {
  if (x_.defined() && x_.device().is_cuda()) return cuda::layer_norm_backward(dy_, x_, gamma_, mean_, rstd_);
  const char* op = "layer_norm_backward";
  check_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x_.shape()));
  check_operand(op, "dy", dy_, &x_);
  FB_CHECK(dy_.shape() == x_.shape(), op, ": dy ", shape_str(dy_.shape()), " and x ", shape_str(x_.shape()),
           " differ in shape");
  const int64_t D = x_.size(-1), rows = D ? x_.numel() / D : 0;
  FB_CHECK(D > 0, op, ": the normalised (last) dim of x is empty, x ", shape_str(x_.shape()));
  if (gamma_.defined()) check_channel_vector(op, "gamma", gamma_, x_, D, "features");
  check_operand(op, "mean", mean_, &x_);
  check_operand(op, "rstd", rstd_, &x_);
  FB_CHECK(mean_.numel() == rows && rstd_.numel() == rows, op, ": x has ", rows, " rows but mean has ",
           mean_.numel(), " and rstd ", rstd_.numel(), " values (x ", shape_str(x_.shape()), ", mean ",
           shape_str(mean_.shape()), ", rstd ", shape_str(rstd_.shape()), ")");
  const Tensor dy = dy_.contiguous(), x = x_.contiguous(), gamma = contig_or_undefined(gamma_),
               mean = mean_.contiguous(), rstd = rstd_.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype()), dgamma = Tensor::empty({D}, x.dtype()),
         dbeta = Tensor::empty({D}, x.dtype());
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::layer_norm_backward<T> : &cpu::layer_norm_backward<T>;
    fn(dy.data<T>(), x.data<T>(), opt_data<T>(gamma), mean.data<T>(), rstd.data<T>(), rows, D, dx.data<T>(),
       dgamma.data<T>(), dbeta.data<T>());
  });
  return {dx, dgamma, dbeta};
}

}  // namespace fb::kernels
