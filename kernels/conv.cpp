// Tensor-level convolution: argument checks (errors name the op and the
// shapes), then the reference or CPU kernel for the dtype.
#include <type_traits>

#include "kernels/backend.h"
#include "kernels/bf16_on_cpu.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/conv.h"
#include "kernels/ops.h"
#include "kernels/ref/conv.h"

namespace fb::kernels {
namespace {

// Checks that t is a defined CPU f32/f64 tensor; `what` names it in errors.
// (bf16 operands, all of them bf16, are widened before: kernels/bf16_on_cpu.h.)
void check_float_cpu(const char* op, const char* what, const Tensor& t) {
  FB_CHECK(t.defined(), op, ": ", what, " is undefined");
  FB_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": unsupported dtype ", dtype_name(t.dtype()),
           " for ", what, " ", shape_str(t.shape()),
           " (supported: f32, f64, and bf16 when every operand is bf16)");
  FB_CHECK(t.device().is_cpu(), op, ": ", what, " ", shape_str(t.shape()), " is on ", t.device().str(),
           " but the first operand is on the CPU; every operand must be on one device");
}

void check_same_dtype(const char* op, const char* wa, const Tensor& a, const char* wb, const Tensor& b) {
  FB_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ: ", wa, " ", dtype_name(a.dtype()), " ", shape_str(a.shape()),
           ", ", wb, " ", dtype_name(b.dtype()), " ", shape_str(b.shape()));
}

// Runs f(T{}) for the f32/f64 dtype t.
template <typename F>
void dispatch_float(DType t, F&& f) {
  if (t == DType::f64)
    f(double{});
  else
    f(float{});
}

bool use_reference() { return cpu_backend() == CpuBackend::Reference; }

}  // namespace

ConvGeom conv_geometry(const Shape& x, const Shape& w, const Conv2dParams& p, const char* op) {
  FB_CHECK(x.size() == 4, op, ": input must be 4-D NHWC, got ", shape_str(x), " (weight ", shape_str(w), ")");
  FB_CHECK(w.size() == 4, op, ": weight must be 4-D OIHW, got ", shape_str(w), " (input ", shape_str(x), ")");
  FB_CHECK(p.stride_h >= 1 && p.stride_w >= 1, op, ": stride must be positive, got ", p.stride_h, "x", p.stride_w);
  FB_CHECK(p.dilation_h >= 1 && p.dilation_w >= 1, op, ": dilation must be positive, got ", p.dilation_h, "x",
           p.dilation_w);
  FB_CHECK(p.pad_h >= 0 && p.pad_w >= 0, op, ": padding must be non-negative, got ", p.pad_h, "x", p.pad_w);
  FB_CHECK(p.groups >= 1, op, ": groups must be positive, got ", p.groups);
  ConvGeom g{};
  g.N = x[0];
  g.H = x[1];
  g.W = x[2];
  g.C = x[3];
  g.O = w[0];
  g.KH = w[2];
  g.KW = w[3];
  g.p = p;
  FB_CHECK(g.C % p.groups == 0 && g.O % p.groups == 0, op, ": groups=", p.groups,
           " must divide both input channels ", g.C, " and output channels ", g.O, " (input ", shape_str(x),
           ", weight ", shape_str(w), ")");
  FB_CHECK(w[1] * p.groups == g.C, op, ": input has ", g.C, " channels, weight expects ", w[1] * p.groups,
           " (input ", shape_str(x), ", weight ", shape_str(w), ", groups ", p.groups, ")");
  FB_CHECK(g.KH >= 1 && g.KW >= 1, op, ": empty kernel ", shape_str(w));
  const int64_t eh = p.dilation_h * (g.KH - 1) + 1, ew = p.dilation_w * (g.KW - 1) + 1;
  FB_CHECK(g.H + 2 * p.pad_h >= eh && g.W + 2 * p.pad_w >= ew, op, ": kernel ", eh, "x", ew,
           " (dilated) is larger than the padded input ", g.H + 2 * p.pad_h, "x", g.W + 2 * p.pad_w, " (input ",
           shape_str(x), ", weight ", shape_str(w), ")");
  g.OH = conv_out_size(g.H, g.KH, p.stride_h, p.pad_h, p.dilation_h);
  g.OW = conv_out_size(g.W, g.KW, p.stride_w, p.pad_w, p.dilation_w);
  return g;
}

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  if (x.defined() && x.device().is_cuda()) return cuda::conv2d_forward(x, w, bias, p);
  if (is_cpu_bf16(x) && is_cpu_bf16(w) && (!bias.defined() || is_cpu_bf16(bias)))
    return conv2d_forward(widen_to_f32(x), widen_to_f32(w), widen_to_f32(bias), p).to(DType::bf16);
  const char* op = "conv2d";
  check_float_cpu(op, "input", x);
  check_float_cpu(op, "weight", w);
  check_same_dtype(op, "input", x, "weight", w);
  const ConvGeom g = conv_geometry(x.shape(), w.shape(), p, op);
  if (bias.defined()) {
    check_float_cpu(op, "bias", bias);
    check_same_dtype(op, "input", x, "bias", bias);
    FB_CHECK(bias.dim() == 1 && bias.size(0) == g.O, op, ": bias must be [", g.O, "], got ", shape_str(bias.shape()),
             " (weight ", shape_str(w.shape()), ")");
  }
  const Tensor xc = x.contiguous(), wc = w.contiguous(), bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.O}, x.dtype());
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* b = bc.defined() ? bc.data<T>() : nullptr;
    if (use_reference())
      ref::conv2d_forward<T>(g, xc.data<T>(), wc.data<T>(), b, y.data<T>());
    else
      cpu::conv2d_forward<T>(g, xc.data<T>(), wc.data<T>(), b, y.data<T>());
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& p) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::conv2d_backward_input(dy, w, x_shape, p);
  if (is_cpu_bf16(dy) && is_cpu_bf16(w))
    return conv2d_backward_input(widen_to_f32(dy), widen_to_f32(w), x_shape, p).to(DType::bf16);
  const char* op = "conv2d_backward_input";
  check_float_cpu(op, "grad_output", dy);
  check_float_cpu(op, "weight", w);
  check_same_dtype(op, "grad_output", dy, "weight", w);
  const ConvGeom g = conv_geometry(x_shape, w.shape(), p, op);
  const Shape y_shape{g.N, g.OH, g.OW, g.O};
  FB_CHECK(dy.shape() == y_shape, op, ": grad_output is ", shape_str(dy.shape()), ", expected ", shape_str(y_shape),
           " (input ", shape_str(x_shape), ", weight ", shape_str(w.shape()), ")");
  const Tensor dyc = dy.contiguous(), wc = w.contiguous();
  Tensor dx = Tensor::empty(x_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::conv2d_backward_input<T>(g, dyc.data<T>(), wc.data<T>(), dx.data<T>());
    else
      cpu::conv2d_backward_input<T>(g, dyc.data<T>(), wc.data<T>(), dx.data<T>());
  });
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& p) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::conv2d_backward_weight(dy, x, w_shape, p);
  if (is_cpu_bf16(dy) && is_cpu_bf16(x))
    return conv2d_backward_weight(widen_to_f32(dy), widen_to_f32(x), w_shape, p).to(DType::bf16);
  const char* op = "conv2d_backward_weight";
  check_float_cpu(op, "grad_output", dy);
  check_float_cpu(op, "input", x);
  check_same_dtype(op, "grad_output", dy, "input", x);
  const ConvGeom g = conv_geometry(x.shape(), w_shape, p, op);
  const Shape y_shape{g.N, g.OH, g.OW, g.O};
  FB_CHECK(dy.shape() == y_shape, op, ": grad_output is ", shape_str(dy.shape()), ", expected ", shape_str(y_shape),
           " (input ", shape_str(x.shape()), ", weight ", shape_str(w_shape), ")");
  const Tensor dyc = dy.contiguous(), xc = x.contiguous();
  Tensor dw = Tensor::empty(w_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::conv2d_backward_weight<T>(g, dyc.data<T>(), xc.data<T>(), dw.data<T>());
    else
      cpu::conv2d_backward_weight<T>(g, dyc.data<T>(), xc.data<T>(), dw.data<T>());
  });
  return dw;
}

Tensor conv2d_backward_bias(const Tensor& dy) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::conv2d_backward_bias(dy);
  if (is_cpu_bf16(dy)) return conv2d_backward_bias(widen_to_f32(dy)).to(DType::bf16);
  const char* op = "conv2d_backward_bias";
  check_float_cpu(op, "grad_output", dy);
  FB_CHECK(dy.dim() == 4, op, ": grad_output must be 4-D NHWC, got ", shape_str(dy.shape()));
  const Tensor dyc = dy.contiguous();
  const int64_t O = dy.size(3), rows = dy.numel() / (O > 0 ? O : 1);
  Tensor db = Tensor::empty({O}, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (O == 0) return;
    if (use_reference())
      ref::conv2d_backward_bias<T>(rows, O, dyc.data<T>(), db.data<T>());
    else
      cpu::conv2d_backward_bias<T>(rows, O, dyc.data<T>(), db.data<T>());
  });
  return db;
}

}  // namespace fb::kernels
