#include "nn/functional.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/contrastive.h"
#include "nn/autocast.h"

namespace fb {

using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

// ---------------------------------------------------------------- elementwise

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = ops::add(a, b);
  Shape sa = a.shape(), sb = b.shape();
  record("add", {a, b}, {y}, [sa, sb](const Grads& g) -> Grads {
    return {ops::sum_to(g[0], sa), ops::sum_to(g[0], sb)};
  });
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = ops::sub(a, b);
  Shape sa = a.shape(), sb = b.shape();
  record("sub", {a, b}, {y}, [sa, sb](const Grads& g) -> Grads {
    return {ops::sum_to(g[0], sa), ops::sum_to(ops::neg(g[0]), sb)};
  });
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = ops::mul(a, b);
  SavedTensor sa(a, "mul"), sb(b, "mul");
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record("mul", {a, b}, {y}, [sa, sb, need_a, need_b](const Grads& g) -> Grads {
    const Tensor &a = sa.get(), &b = sb.get();
    return {need_a ? ops::sum_to(ops::mul(g[0], b), a.shape()) : Tensor(),
            need_b ? ops::sum_to(ops::mul(g[0], a), b.shape()) : Tensor()};
  });
  return y;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = ops::div(a, b);
  SavedTensor sa(a, "div"), sb(b, "div");
  bool need_b = b.requires_grad();
  record("div", {a, b}, {y}, [sa, sb, need_b](const Grads& g) -> Grads {
    const Tensor &a = sa.get(), &b = sb.get();
    Tensor ga = ops::sum_to(ops::div(g[0], b), a.shape());
    Tensor gb;
    if (need_b) gb = ops::sum_to(ops::neg(ops::div(ops::mul(g[0], a), ops::mul(b, b))), b.shape());
    return {ga, gb};
  });
  return y;
}

Tensor add_scalar(const Tensor& a, double s) {
  Tensor y = ops::add_scalar(a, s);
  record("add_scalar", {a}, {y}, [](const Grads& g) -> Grads { return {g[0]}; });
  return y;
}

Tensor mul_scalar(const Tensor& a, double s) {
  Tensor y = ops::mul_scalar(a, s);
  record("mul_scalar", {a}, {y}, [s](const Grads& g) -> Grads { return {ops::mul_scalar(g[0], s)}; });
  return y;
}

Tensor pow_scalar(const Tensor& a, double p) {
  Tensor y = ops::pow_scalar(a, p);
  SavedTensor sa(a, "pow");
  record("pow", {a}, {y}, [sa, p](const Grads& g) -> Grads {
    return {ops::mul(g[0], ops::mul_scalar(ops::pow_scalar(sa.get(), p - 1), p))};
  });
  return y;
}

Tensor neg(const Tensor& a) {
  Tensor y = ops::neg(a);
  record("neg", {a}, {y}, [](const Grads& g) -> Grads { return {ops::neg(g[0])}; });
  return y;
}

Tensor exp(const Tensor& a) {
  Tensor y = ops::exp(a);
  SavedTensor sy(y, "exp");
  record("exp", {a}, {y}, [sy](const Grads& g) -> Grads { return {ops::mul(g[0], sy.get())}; });
  return y;
}

Tensor log(const Tensor& a) {
  Tensor y = ops::log(a);
  SavedTensor sa(a, "log");
  record("log", {a}, {y}, [sa](const Grads& g) -> Grads { return {ops::div(g[0], sa.get())}; });
  return y;
}

Tensor sqrt(const Tensor& a) {
  Tensor y = ops::sqrt(a);
  SavedTensor sy(y, "sqrt");
  record("sqrt", {a}, {y}, [sy](const Grads& g) -> Grads {
    return {ops::div(g[0], ops::mul_scalar(sy.get(), 2.0))};
  });
  return y;
}

Tensor clamp(const Tensor& a, double lo, double hi) {
  FB_CHECK(lo <= hi, "clamp: lower bound ", lo, " exceeds upper bound ", hi);
  Tensor y = ops::clamp(a, lo, hi);
  SavedTensor sa(a, "clamp");
  record("clamp", {a}, {y}, [sa, lo, hi](const Grads& g) -> Grads {
    const Tensor& a = sa.get();
    Tensor inside =
        ops::mul(ops::gt(a, full({}, lo, a.dtype(), a.device())), ops::gt(full({}, hi, a.dtype(), a.device()), a));
    return {ops::mul(g[0], inside)};
  });
  return y;
}

// ---------------------------------------------------------------- reductions

namespace {
// The shape a reduction keeps when keepdim=true, to broadcast its gradient back.
Shape keepdim_shape(const Tensor& a, std::vector<int64_t> dims) {
  Shape s = a.shape();
  if (dims.empty())
    for (auto& d : s) d = 1;
  for (int64_t d : dims) s[a.wrap_dim(d)] = 1;
  return s;
}
}  // namespace

Tensor sum(const Tensor& a, std::vector<int64_t> dims, bool keepdim) {
  Tensor y = ops::sum(a, dims, keepdim);
  Shape ks = keepdim_shape(a, dims), as = a.shape();
  record("sum", {a}, {y}, [ks, as](const Grads& g) -> Grads { return {g[0].reshape(ks).expand(as).contiguous()}; });
  return y;
}

Tensor mean(const Tensor& a, std::vector<int64_t> dims, bool keepdim) {
  Tensor y = ops::mean(a, dims, keepdim);
  Shape ks = keepdim_shape(a, dims), as = a.shape();
  double count = static_cast<double>(a.numel()) / std::max<int64_t>(y.numel(), 1);
  record("mean", {a}, {y}, [ks, as, count](const Grads& g) -> Grads {
    return {ops::mul_scalar(g[0].reshape(ks).expand(as).contiguous(), 1.0 / count)};
  });
  return y;
}

// ---------------------------------------------------------------- shape

Tensor reshape(const Tensor& a, const Shape& shape) {
  Tensor y = a.reshape(shape).detach();
  Shape as = a.shape();
  record("reshape", {a}, {y}, [as](const Grads& g) -> Grads { return {g[0].reshape(as)}; });
  return y;
}

Tensor permute(const Tensor& a, const std::vector<int64_t>& dims) {
  Tensor y = a.permute(dims).detach();
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[a.wrap_dim(dims[i])] = static_cast<int64_t>(i);
  record("permute", {a}, {y}, [inverse](const Grads& g) -> Grads { return {g[0].permute(inverse)}; });
  return y;
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  std::vector<int64_t> p(a.dim());
  for (int64_t i = 0; i < a.dim(); ++i) p[i] = i;
  std::swap(p[a.wrap_dim(d0)], p[a.wrap_dim(d1)]);
  return permute(a, p);
}

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor y = a.slice(dim, start, end, step).detach();
  Shape as = a.shape();
  DType dt = a.dtype();
  Device dev = a.device();
  record("slice", {a}, {y}, [as, dt, dev, dim, start, end, step](const Grads& g) -> Grads {
    Tensor ga = zeros(as, dt, dev);
    copy_into(ga.slice(dim, start, end, step), g[0]);
    return {ga};
  });
  return y;
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  return reshape(a, a.flatten(start_dim, end_dim).shape());
}

Tensor cat(const std::vector<Tensor>& parts, int64_t dim) {
  Tensor y = ops::cat(parts, dim);
  std::vector<int64_t> sizes;
  int64_t d = parts.at(0).wrap_dim(dim);
  for (const auto& p : parts) sizes.push_back(p.shape()[d]);
  record("cat", parts, {y}, [sizes, d](const Grads& g) -> Grads { return ops::split(g[0], sizes, d); });
  return y;
}

Tensor contiguous(const Tensor& a) {
  if (a.is_contiguous()) return a;
  Tensor y = a.contiguous();
  record("contiguous", {a}, {y}, [](const Grads& g) -> Grads { return {g[0]}; });
  return y;
}

Tensor nchw_to_nhwc(const Tensor& x) {
  FB_CHECK(x.dim() == 4, "nchw_to_nhwc: expected a 4-D tensor, got shape ", shape_str(x.shape()));
  return contiguous(permute(x, {0, 2, 3, 1}));
}

Tensor nhwc_to_nchw(const Tensor& x) {
  FB_CHECK(x.dim() == 4, "nhwc_to_nchw: expected a 4-D tensor, got shape ", shape_str(x.shape()));
  return contiguous(permute(x, {0, 3, 1, 2}));
}

Tensor cast(const Tensor& a, DType dtype) {
  if (a.dtype() == dtype) return a;
  Tensor y = a.to(dtype);
  const DType from = a.dtype();
  record("cast", {a}, {y}, [from](const Grads& g) -> Grads { return {g[0].to(from)}; });
  return y;
}

// ---------------------------------------------------------------- linear algebra

namespace {
// True when autocast asks for bf16 products and both operands are f32: the
// caller then runs itself on bf16 casts of the operands (see nn/autocast.h).
bool autocast_to_bf16(const Tensor& a, const Tensor& b) {
  return autocast_dtype() == DType::bf16 && a.dtype() == DType::f32 && b.dtype() == DType::f32;
}
Tensor to_bf16(const Tensor& t) { return cast(t, DType::bf16); }
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  if (autocast_to_bf16(a, b)) return cast(matmul(to_bf16(a), to_bf16(b)), DType::f32);
  Tensor y = kernels::matmul(a, b);
  SavedTensor sa(a, "matmul"), sb(b, "matmul");
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  record("matmul", {a, b}, {y}, [sa, sb, need_a, need_b](const Grads& g) -> Grads {
    return {need_a ? kernels::matmul(g[0], sb.get(), false, true) : Tensor(),
            need_b ? kernels::matmul(sa.get(), g[0], true, false) : Tensor()};
  });
  return y;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  FB_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got ", shape_str(weight.shape()));
  FB_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input has ", x.dim() ? x.size(-1) : 0,
           " features, weight expects ", weight.size(1), " (input ", shape_str(x.shape()), ", weight ",
           shape_str(weight.shape()), ")");
  FB_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), "linear: bias shape ",
           bias.defined() ? shape_str(bias.shape()) : "", " does not match weight ", shape_str(weight.shape()));
  if (autocast_to_bf16(x, weight)) {
    Tensor y = cast(linear(to_bf16(x), to_bf16(weight), Tensor()), DType::f32);
    return bias.defined() ? add(y, bias) : y;
  }
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  Tensor x2 = x.reshape({-1, weight.size(1)});
  Tensor y2 = kernels::matmul(x2, weight, false, true);
  if (bias.defined()) add_(y2, bias.detach());
  Tensor y = y2.reshape(out_shape);
  SavedTensor sx(x2, "linear"), sw(weight, "linear");
  Shape xs = x.shape();
  bool need_x = x.requires_grad(), need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad();
  record("linear", {x, weight, bias}, {y}, [sx, sw, xs, need_x, need_w, need_b](const Grads& g) -> Grads {
    Tensor g2 = g[0].reshape({-1, sw.get().size(0)});
    Tensor gx = need_x ? kernels::matmul(g2, sw.get()).reshape(xs) : Tensor();
    Tensor gw = need_w ? kernels::matmul(g2, sx.get(), true, false) : Tensor();
    return {gx, gw, need_b ? ops::sum(g2, {0}) : Tensor()};
  });
  return y;
}

// ---------------------------------------------------------------- activations

namespace {
Tensor activation(kernels::Activation kind, const char* name, const Tensor& x) {
  Tensor y = kernels::activation_forward(kind, x);
  SavedTensor sx(x, name);
  record(name, {x}, {y}, [kind, sx](const Grads& g) -> Grads {
    return {kernels::activation_backward(kind, g[0], sx.get())};
  });
  return y;
}
}  // namespace

Tensor relu(const Tensor& x) { return activation(kernels::Activation::Relu, "relu", x); }
Tensor gelu(const Tensor& x) { return activation(kernels::Activation::Gelu, "gelu", x); }
Tensor sigmoid(const Tensor& x) { return activation(kernels::Activation::Sigmoid, "sigmoid", x); }
Tensor tanh(const Tensor& x) { return activation(kernels::Activation::Tanh, "tanh", x); }

Tensor softmax(const Tensor& x) {
  Tensor y = kernels::softmax_forward(x);
  SavedTensor sy(y, "softmax");
  record("softmax", {x}, {y}, [sy](const Grads& g) -> Grads { return {kernels::softmax_backward(g[0], sy.get())}; });
  return y;
}

Tensor log_softmax(const Tensor& x) {
  Tensor y = kernels::log_softmax_forward(x);
  SavedTensor sy(y, "log_softmax");
  record("log_softmax", {x}, {y},
         [sy](const Grads& g) -> Grads { return {kernels::log_softmax_backward(g[0], sy.get())}; });
  return y;
}

Tensor l2_normalize(const Tensor& x, double eps) {
  Tensor norm = ops::sqrt(ops::sum(ops::mul(x, x), {-1}, true));
  Tensor denom = ops::maximum(norm, full({}, eps, x.dtype(), x.device()));
  Tensor y = ops::div(x, denom);
  SavedTensor sy(y, "l2_normalize"), sn(norm, "l2_normalize"), sd(denom, "l2_normalize");
  record("l2_normalize", {x}, {y}, [sy, sn, sd, eps](const Grads& g) -> Grads {
    // Where ||x|| > eps: dx = (g - y * <g, y>) / ||x||; elsewhere y = x/eps: dx = g/eps.
    const Tensor &y = sy.get(), &norm = sn.get(), &denom = sd.get();
    Tensor proj = ops::sum(ops::mul(g[0], y), {-1}, true);
    Tensor above = ops::gt(norm, full({}, eps, norm.dtype(), norm.device()));
    Tensor tangent = ops::sub(g[0], ops::mul(ops::mul(y, proj), above));
    return {ops::div(tangent, denom)};
  });
  return y;
}

// ---------------------------------------------------------------- convolution and pooling

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::Conv2dParams& p) {
  if (autocast_to_bf16(x, weight)) {
    Tensor y = cast(conv2d(to_bf16(x), to_bf16(weight), Tensor(), p), DType::f32);
    return bias.defined() ? add(y, bias) : y;
  }
  Tensor y = kernels::conv2d_forward(x, weight, bias.defined() ? bias.detach() : bias, p);
  SavedTensor sx(x, "conv2d"), sw(weight, "conv2d");
  bool need_x = x.requires_grad(), need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad();
  record("conv2d", {x, weight, bias}, {y}, [sx, sw, p, need_x, need_w, need_b](const Grads& g) -> Grads {
    const Tensor &x = sx.get(), &w = sw.get();
    return {need_x ? kernels::conv2d_backward_input(g[0], w, x.shape(), p) : Tensor(),
            need_w ? kernels::conv2d_backward_weight(g[0], x, w.shape(), p) : Tensor(),
            need_b ? kernels::conv2d_backward_bias(g[0]) : Tensor()};
  });
  return y;
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::Conv2dParams& p,
                        int64_t oph, int64_t opw) {
  FB_CHECK(x.dim() == 4 && weight.dim() == 4, "conv_transpose2d: expected 4-D input (NHWC) and weight, got ",
           shape_str(x.shape()), " and ", shape_str(weight.shape()));
  FB_CHECK(x.size(3) == weight.size(0), "conv_transpose2d: input has ", x.size(3), " channels, weight expects ",
           weight.size(0), " (input ", shape_str(x.shape()), ", weight ", shape_str(weight.shape()), ")");
  FB_CHECK(oph >= 0 && opw >= 0 && (oph < p.stride_h || oph < p.dilation_h) && (opw < p.stride_w || opw < p.dilation_w),
           "conv_transpose2d: output padding must be smaller than stride or dilation");
  if (autocast_to_bf16(x, weight)) {
    Tensor y = cast(conv_transpose2d(to_bf16(x), to_bf16(weight), Tensor(), p, oph, opw), DType::f32);
    if (!bias.defined()) return y;
    FB_CHECK(bias.dim() == 1 && bias.size(0) == y.size(3), "conv_transpose2d: bias shape ", shape_str(bias.shape()),
             " does not match ", y.size(3), " output channels");
    return add(y, bias);
  }
  // The transposed convolution is the input-gradient of the convolution whose
  // weight is `weight`: that convolution maps Cout channels to Cin.
  int64_t oh = (x.size(1) - 1) * p.stride_h - 2 * p.pad_h + p.dilation_h * (weight.size(2) - 1) + oph + 1;
  int64_t ow = (x.size(2) - 1) * p.stride_w - 2 * p.pad_w + p.dilation_w * (weight.size(3) - 1) + opw + 1;
  Shape y_shape{x.size(0), oh, ow, weight.size(1) * p.groups};
  Tensor y = kernels::conv2d_backward_input(x, weight, y_shape, p);
  if (bias.defined()) {
    FB_CHECK(bias.dim() == 1 && bias.size(0) == y_shape[3], "conv_transpose2d: bias shape ",
             shape_str(bias.shape()), " does not match ", y_shape[3], " output channels");
    add_(y, bias.detach());
  }
  SavedTensor sx(x, "conv_transpose2d"), sw(weight, "conv_transpose2d");
  bool need_x = x.requires_grad(), need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad();
  record("conv_transpose2d", {x, weight, bias}, {y}, [sx, sw, p, need_x, need_w, need_b](const Grads& g) -> Grads {
    const Tensor &x = sx.get(), &w = sw.get();
    return {need_x ? kernels::conv2d_forward(g[0], w, Tensor(), p) : Tensor(),
            need_w ? kernels::conv2d_backward_weight(x, g[0], w.shape(), p) : Tensor(),
            need_b ? kernels::conv2d_backward_bias(g[0]) : Tensor()};
  });
  return y;
}

Tensor max_pool2d(const Tensor& x, const kernels::Pool2dParams& p) {
  auto [y, idx] = kernels::max_pool2d_forward(x, p);
  Shape xs = x.shape();
  record("max_pool2d", {x}, {y}, [idx = idx, xs](const Grads& g) -> Grads {
    return {kernels::max_pool2d_backward(g[0], idx, xs)};
  });
  return y;
}

Tensor avg_pool2d(const Tensor& x, const kernels::Pool2dParams& p) {
  Tensor y = kernels::avg_pool2d_forward(x, p);
  Shape xs = x.shape();
  record("avg_pool2d", {x}, {y}, [xs, p](const Grads& g) -> Grads { return {kernels::avg_pool2d_backward(g[0], xs, p)}; });
  return y;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  Tensor y = kernels::adaptive_avg_pool2d_forward(x, out_h, out_w);
  Shape xs = x.shape();
  record("adaptive_avg_pool2d", {x}, {y},
         [xs](const Grads& g) -> Grads { return {kernels::adaptive_avg_pool2d_backward(g[0], xs)}; });
  return y;
}

Tensor upsample_bilinear2d(const Tensor& x, int64_t out_h, int64_t out_w, bool align_corners) {
  Tensor y = kernels::upsample_bilinear2d_forward(x, out_h, out_w, align_corners);
  Shape xs = x.shape();
  record("upsample_bilinear2d", {x}, {y}, [xs, align_corners](const Grads& g) -> Grads {
    return {kernels::upsample_bilinear2d_backward(g[0], xs, align_corners)};
  });
  return y;
}

// ---------------------------------------------------------------- normalisation

namespace {
// Training mode's update of the running statistics (when given) from the
// batch's mean and inverse std; the variance is the unbiased one, as PyTorch's.
void update_running_stats(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& running_mean,
                          const Tensor& running_var, double momentum, double eps) {
  if (!running_mean.defined()) return;
  int64_t n = x.numel() / x.size(-1);
  Tensor var = ops::add_scalar(ops::div(ones({}, x.dtype(), x.device()), ops::mul(invstd, invstd)), -eps);
  Tensor unbiased = ops::mul_scalar(var, n > 1 ? static_cast<double>(n) / (n - 1) : 1.0);
  mul_(running_mean, 1 - momentum);
  add_(running_mean, mean, momentum);
  mul_(running_var, 1 - momentum);
  add_(running_var, unbiased, momentum);
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  if (!training) {
    FB_CHECK(running_mean.defined() && running_var.defined(),
             "batch_norm: evaluation mode needs running_mean and running_var");
    Tensor y = kernels::batch_norm_forward_eval(x, gamma.detach(), beta.detach(), running_mean, running_var, eps);
    // With fixed statistics batch norm is a per-channel affine map.
    Tensor invstd = ops::div(ones({}, x.dtype(), x.device()), ops::sqrt(ops::add_scalar(running_var, eps)));
    SavedTensor sx(x, "batch_norm"), sg(gamma, "batch_norm"), sm(running_mean, "batch_norm");
    record("batch_norm", {x, gamma, beta}, {y}, [sx, sg, sm, invstd](const Grads& g) -> Grads {
      const Tensor& x = sx.get();
      int64_t c = x.size(-1);
      Tensor g2 = g[0].reshape({-1, c});
      Tensor xhat = ops::mul(ops::sub(x.reshape({-1, c}), sm.get()), invstd);
      return {ops::mul(g[0], ops::mul(sg.get(), invstd)), ops::sum(ops::mul(g2, xhat), {0}), ops::sum(g2, {0})};
    });
    return y;
  }
  auto [y, mean, invstd] = kernels::batch_norm_forward_train(x, gamma.detach(), beta.detach(), eps);
  update_running_stats(x, mean, invstd, running_mean, running_var, momentum, eps);
  SavedTensor sx(x, "batch_norm"), sg(gamma, "batch_norm");
  record("batch_norm", {x, gamma, beta}, {y}, [sx, sg, mean = mean, invstd = invstd](const Grads& g) -> Grads {
    auto [dx, dgamma, dbeta] = kernels::batch_norm_backward(g[0], sx.get(), sg.get(), mean, invstd);
    return {dx, dgamma, dbeta};
  });
  return y;
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, const Tensor& residual) {
  auto [y, mean, invstd] = kernels::batch_norm_relu_forward_train(x, gamma.detach(), beta.detach(), eps,
                                                                  residual.defined() ? residual.detach() : residual);
  update_running_stats(x, mean, invstd, running_mean, running_var, momentum, eps);
  SavedTensor sx(x, "batch_norm_relu"), sg(gamma, "batch_norm_relu"), sy(y, "batch_norm_relu");
  const bool need_residual = residual.defined() && residual.requires_grad();
  record("batch_norm_relu", {x, gamma, beta, residual}, {y},
         [sx, sg, sy, mean = mean, invstd = invstd, need_residual](const Grads& g) -> Grads {
           auto [dx, dgamma, dbeta, dres] =
               kernels::batch_norm_relu_backward(g[0], sy.get(), sx.get(), sg.get(), mean, invstd, need_residual);
           return {dx, dgamma, dbeta, dres};
         });
  return y;
}

Tensor batch_norm_relu_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                            const Tensor& running_var, double eps, const Tensor& residual) {
  auto wants_grad = [](const Tensor& t) { return t.defined() && t.requires_grad(); };
  if (autograd::grad_enabled() &&
      (wants_grad(x) || wants_grad(gamma) || wants_grad(beta) || wants_grad(residual))) {
    const Tensor y = batch_norm(x, gamma, beta, running_mean, running_var, false, 0.1, eps);
    return relu(residual.defined() ? add(y, residual) : y);
  }
  return kernels::batch_norm_relu_forward_eval(x, gamma.defined() ? gamma.detach() : gamma,
                                               beta.defined() ? beta.detach() : beta, running_mean, running_var,
                                               eps, residual.defined() ? residual.detach() : residual);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  auto [y, mean, rstd] = kernels::layer_norm_forward(x, gamma.detach(), beta.detach(), eps);
  SavedTensor sx(x, "layer_norm"), sg(gamma, "layer_norm");
  record("layer_norm", {x, gamma, beta}, {y}, [sx, sg, mean = mean, rstd = rstd](const Grads& g) -> Grads {
    auto [dx, dgamma, dbeta] = kernels::layer_norm_backward(g[0], sx.get(), sg.get(), mean, rstd);
    return {dx, dgamma, dbeta};
  });
  return y;
}

// ---------------------------------------------------------------- losses

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, double smoothing, int64_t ignore_index,
                     Reduction r) {
  Tensor loss = kernels::cross_entropy_forward(logits, labels, smoothing, ignore_index, r);
  SavedTensor sl(logits, "cross_entropy");
  Tensor lab = labels.detach();
  record("cross_entropy", {logits}, {loss}, [sl, lab, smoothing, ignore_index, r](const Grads& g) -> Grads {
    return {kernels::cross_entropy_backward(g[0], sl.get(), lab, smoothing, ignore_index, r)};
  });
  return loss;
}

Tensor contrastive_cross_entropy(const Tensor& sim, const Tensor& positive, const Tensor& excluded, double tau) {
  auto [loss, row_max, row_log_sum] = kernels::contrastive_cross_entropy_forward(sim, positive, excluded, tau);
  SavedTensor ss(sim, "contrastive_cross_entropy");
  Tensor pos = positive.detach(), exc = excluded.defined() ? excluded.detach() : Tensor();
  record("contrastive_cross_entropy", {sim}, {loss},
         [ss, pos, exc, tau, row_max = row_max, row_log_sum = row_log_sum](const Grads& g) -> Grads {
           return {kernels::contrastive_cross_entropy_backward(g[0], ss.get(), pos, exc, tau, row_max, row_log_sum)};
         });
  return loss;
}

namespace {
Tensor point_loss(kernels::PointLoss kind, const char* name, const Tensor& pred, const Tensor& target, double beta,
                  Reduction r) {
  Tensor loss = kernels::point_loss_forward(kind, pred, target, beta, r);
  SavedTensor sp(pred, name), st(target, name);
  record(name, {pred, target}, {loss}, [kind, sp, st, beta, r](const Grads& g) -> Grads {
    Tensor gp = kernels::point_loss_backward(kind, g[0], sp.get(), st.get(), beta, r);
    return {gp, ops::neg(gp)};
  });
  return loss;
}
}  // namespace

Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction r) {
  return point_loss(kernels::PointLoss::Mse, "mse_loss", pred, target, 0.0, r);
}
Tensor l1_loss(const Tensor& pred, const Tensor& target, Reduction r) {
  return point_loss(kernels::PointLoss::L1, "l1_loss", pred, target, 0.0, r);
}
Tensor smooth_l1_loss(const Tensor& pred, const Tensor& target, double beta, Reduction r) {
  return point_loss(kernels::PointLoss::SmoothL1, "smooth_l1_loss", pred, target, beta, r);
}

// ---------------------------------------------------------------- regularisation

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  if (!training || p == 0.0) return x;
  uint64_t offset = gen.advance(static_cast<uint64_t>((x.numel() + 3) / 4));
  // The mask is drawn on x's device; the same numbers on every device.
  Tensor mask = kernels::dropout_mask(x.shape(), p, gen.seed(), offset, x.dtype(), x.device());
  Tensor y = ops::mul(x, mask);
  record("dropout", {x}, {y}, [mask](const Grads& g) -> Grads { return {ops::mul(g[0], mask)}; });
  return y;
}

}  // namespace fb
