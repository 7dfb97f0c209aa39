// Tensor-level pooling and resampling: argument checks (errors name the op and
// the shapes), then the reference or CPU kernel for the dtype, or the CUDA
// kernel for CUDA tensors.
#include "kernels/backend.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/pool.h"
#include "kernels/ops.h"
#include "kernels/ref/pool.h"

namespace fb::kernels {
namespace {

void check_float_cpu(const char* op, const char* what, const Tensor& t) {
  FB_CHECK(t.defined(), op, ": ", what, " is undefined");
  FB_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": unsupported dtype ", dtype_name(t.dtype()),
           " for ", what, " ", shape_str(t.shape()), " (supported: f32, f64)");
  FB_CHECK(t.device().is_cpu(), op, ": ", what, " ", shape_str(t.shape()), " is on ", t.device().str(),
           " but the first operand is on the CPU; every operand must be on one device");
}

void check_nhwc(const char* op, const char* what, const Shape& s) {
  FB_CHECK(s.size() == 4, op, ": ", what, " must be 4-D NHWC, got ", shape_str(s));
}

template <typename F>
void dispatch_float(DType t, F&& f) {
  if (t == DType::f64)
    f(double{});
  else
    f(float{});
}

bool use_reference() { return cpu_backend() == CpuBackend::Reference; }

// PyTorch's pooling output size: floor or ceil division, and in ceil mode the
// last window must start inside the input or the left padding.
int64_t pool_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, bool ceil_mode) {
  const int64_t num = in + 2 * pad - (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // Division rounding toward minus infinity (num may be negative).
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// dy [N, OH, OW, C] must agree with x [N, H, W, C] in N and C.
void check_grad_nc(const char* op, const Tensor& dy, const Shape& x_shape) {
  check_nhwc(op, "grad_output", dy.shape());
  check_nhwc(op, "input shape", x_shape);
  FB_CHECK(dy.size(0) == x_shape[0] && dy.size(3) == x_shape[3], op, ": grad_output ", shape_str(dy.shape()),
           " does not match input ", shape_str(x_shape), " in batch or channels");
}

}  // namespace

PoolGeom pool_geometry(const Shape& x, const Pool2dParams& p, const char* op) {
  check_nhwc(op, "input", x);
  FB_CHECK(p.kernel_h >= 1 && p.kernel_w >= 1, op, ": kernel must be positive, got ", p.kernel_h, "x", p.kernel_w);
  FB_CHECK(p.stride_h >= 1 && p.stride_w >= 1, op, ": stride must be positive, got ", p.stride_h, "x", p.stride_w);
  FB_CHECK(p.pad_h >= 0 && p.pad_w >= 0 && 2 * p.pad_h <= p.kernel_h && 2 * p.pad_w <= p.kernel_w, op,
           ": padding ", p.pad_h, "x", p.pad_w, " must be between 0 and half the kernel ", p.kernel_h, "x",
           p.kernel_w);
  PoolGeom g{};
  g.N = x[0];
  g.H = x[1];
  g.W = x[2];
  g.C = x[3];
  g.p = p;
  g.OH = pool_out_size(g.H, p.kernel_h, p.stride_h, p.pad_h, p.ceil_mode);
  g.OW = pool_out_size(g.W, p.kernel_w, p.stride_w, p.pad_w, p.ceil_mode);
  FB_CHECK(g.OH >= 1 && g.OW >= 1, op, ": output would be ", g.OH, "x", g.OW, " for input ", shape_str(x),
           " with kernel ", p.kernel_h, "x", p.kernel_w, ", stride ", p.stride_h, "x", p.stride_w, ", padding ",
           p.pad_h, "x", p.pad_w);
  return g;
}

std::tuple<Tensor, Tensor> max_pool2d_forward(const Tensor& x, const Pool2dParams& p) {
  if (x.defined() && x.device().is_cuda()) return cuda::max_pool2d_forward(x, p);
  const char* op = "max_pool2d";
  check_float_cpu(op, "input", x);
  const PoolGeom g = pool_geometry(x.shape(), p, op);
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.C}, x.dtype());
  Tensor idx = Tensor::empty({g.N, g.OH, g.OW, g.C}, DType::i64);
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::max_pool2d_forward<T>(g, xc.data<T>(), y.data<T>(), idx.data<int64_t>());
    else
      cpu::max_pool2d_forward<T>(g, xc.data<T>(), y.data<T>(), idx.data<int64_t>());
  });
  return {y, idx};
}

Tensor max_pool2d_backward(const Tensor& dy, const Tensor& indices, const Shape& x_shape) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::max_pool2d_backward(dy, indices, x_shape);
  const char* op = "max_pool2d_backward";
  check_float_cpu(op, "grad_output", dy);
  check_grad_nc(op, dy, x_shape);
  FB_CHECK(indices.defined() && indices.dtype() == DType::i64, op, ": indices must be i64");
  FB_CHECK(indices.shape() == dy.shape(), op, ": indices ", shape_str(indices.shape()), " and grad_output ",
           shape_str(dy.shape()), " differ in shape");
  const Tensor dyc = dy.contiguous(), ic = indices.contiguous();
  // An index outside the input plane would write out of bounds: refuse it.
  const int64_t plane = x_shape[1] * x_shape[2];
  const int64_t* iv = ic.data<int64_t>();
  for (int64_t i = 0; i < ic.numel(); ++i)
    FB_CHECK(iv[i] >= 0 && iv[i] < plane, op, ": index ", iv[i], " outside the input plane of ", shape_str(x_shape));
  PoolGeom g{};
  g.N = x_shape[0];
  g.H = x_shape[1];
  g.W = x_shape[2];
  g.C = x_shape[3];
  g.OH = dy.size(1);
  g.OW = dy.size(2);
  Tensor dx = Tensor::empty(x_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::max_pool2d_backward<T>(g, dyc.data<T>(), iv, dx.data<T>());
    else
      cpu::max_pool2d_backward<T>(g, dyc.data<T>(), iv, dx.data<T>());
  });
  return dx;
}

Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p) {
  if (x.defined() && x.device().is_cuda()) return cuda::avg_pool2d_forward(x, p);
  const char* op = "avg_pool2d";
  check_float_cpu(op, "input", x);
  const PoolGeom g = pool_geometry(x.shape(), p, op);
  const Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.C}, x.dtype());
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::avg_pool2d_forward<T>(g, xc.data<T>(), y.data<T>());
    else
      cpu::avg_pool2d_forward<T>(g, xc.data<T>(), y.data<T>());
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dParams& p) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::avg_pool2d_backward(dy, x_shape, p);
  const char* op = "avg_pool2d_backward";
  check_float_cpu(op, "grad_output", dy);
  const PoolGeom g = pool_geometry(x_shape, p, op);
  const Shape y_shape{g.N, g.OH, g.OW, g.C};
  FB_CHECK(dy.shape() == y_shape, op, ": grad_output is ", shape_str(dy.shape()), ", expected ", shape_str(y_shape),
           " for input ", shape_str(x_shape));
  const Tensor dyc = dy.contiguous();
  Tensor dx = Tensor::empty(x_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::avg_pool2d_backward<T>(g, dyc.data<T>(), dx.data<T>());
    else
      cpu::avg_pool2d_backward<T>(g, dyc.data<T>(), dx.data<T>());
  });
  return dx;
}

Tensor adaptive_avg_pool2d_forward(const Tensor& x, int64_t out_h, int64_t out_w) {
  if (x.defined() && x.device().is_cuda()) return cuda::adaptive_avg_pool2d_forward(x, out_h, out_w);
  const char* op = "adaptive_avg_pool2d";
  check_float_cpu(op, "input", x);
  check_nhwc(op, "input", x.shape());
  FB_CHECK(out_h >= 1 && out_w >= 1, op, ": output size must be positive, got ", out_h, "x", out_w, " for input ",
           shape_str(x.shape()));
  FB_CHECK(x.size(1) >= 1 && x.size(2) >= 1, op, ": empty input plane ", shape_str(x.shape()));
  const Tensor xc = x.contiguous();
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  Tensor y = Tensor::empty({N, out_h, out_w, C}, x.dtype());
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::adaptive_avg_pool2d_forward<T>(N, H, W, C, out_h, out_w, xc.data<T>(), y.data<T>());
    else
      cpu::adaptive_avg_pool2d_forward<T>(N, H, W, C, out_h, out_w, xc.data<T>(), y.data<T>());
  });
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& dy, const Shape& x_shape) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::adaptive_avg_pool2d_backward(dy, x_shape);
  const char* op = "adaptive_avg_pool2d_backward";
  check_float_cpu(op, "grad_output", dy);
  check_grad_nc(op, dy, x_shape);
  FB_CHECK(x_shape[1] >= 1 && x_shape[2] >= 1, op, ": empty input plane ", shape_str(x_shape));
  const Tensor dyc = dy.contiguous();
  const int64_t N = x_shape[0], H = x_shape[1], W = x_shape[2], C = x_shape[3];
  Tensor dx = Tensor::empty(x_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::adaptive_avg_pool2d_backward<T>(N, H, W, C, dy.size(1), dy.size(2), dyc.data<T>(), dx.data<T>());
    else
      cpu::adaptive_avg_pool2d_backward<T>(N, H, W, C, dy.size(1), dy.size(2), dyc.data<T>(), dx.data<T>());
  });
  return dx;
}

Tensor upsample_bilinear2d_forward(const Tensor& x, int64_t out_h, int64_t out_w, bool align_corners) {
  if (x.defined() && x.device().is_cuda()) return cuda::upsample_bilinear2d_forward(x, out_h, out_w, align_corners);
  const char* op = "upsample_bilinear2d";
  check_float_cpu(op, "input", x);
  check_nhwc(op, "input", x.shape());
  FB_CHECK(out_h >= 1 && out_w >= 1, op, ": output size must be positive, got ", out_h, "x", out_w, " for input ",
           shape_str(x.shape()));
  FB_CHECK(x.size(1) >= 1 && x.size(2) >= 1, op, ": empty input plane ", shape_str(x.shape()));
  const Tensor xc = x.contiguous();
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  Tensor y = Tensor::empty({N, out_h, out_w, C}, x.dtype());
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::upsample_bilinear2d_forward<T>(N, H, W, C, out_h, out_w, align_corners, xc.data<T>(), y.data<T>());
    else
      cpu::upsample_bilinear2d_forward<T>(N, H, W, C, out_h, out_w, align_corners, xc.data<T>(), y.data<T>());
  });
  return y;
}

Tensor upsample_bilinear2d_backward(const Tensor& dy, const Shape& x_shape, bool align_corners) {
  if (dy.defined() && dy.device().is_cuda()) return cuda::upsample_bilinear2d_backward(dy, x_shape, align_corners);
  const char* op = "upsample_bilinear2d_backward";
  check_float_cpu(op, "grad_output", dy);
  check_grad_nc(op, dy, x_shape);
  FB_CHECK(x_shape[1] >= 1 && x_shape[2] >= 1, op, ": empty input plane ", shape_str(x_shape));
  const Tensor dyc = dy.contiguous();
  const int64_t N = x_shape[0], H = x_shape[1], W = x_shape[2], C = x_shape[3];
  Tensor dx = Tensor::empty(x_shape, dy.dtype());
  dispatch_float(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (use_reference())
      ref::upsample_bilinear2d_backward<T>(N, H, W, C, dy.size(1), dy.size(2), align_corners, dyc.data<T>(),
                                           dx.data<T>());
    else
      cpu::upsample_bilinear2d_backward<T>(N, H, W, C, dy.size(1), dy.size(2), align_corners, dyc.data<T>(),
                                           dx.data<T>());
  });
  return dx;
}

}  // namespace fb::kernels
