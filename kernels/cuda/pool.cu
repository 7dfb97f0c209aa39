// Pooling on NHWC tensors, f32. One thread per output element; consecutive
// threads take consecutive channels, so every window read is coalesced.
// Backward passes scatter into dx with atomicAdd (windows may overlap).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

// The window of output position o along one axis (PyTorch's definition, as in
// kernels/ref/pool.h): [start, end) clipped, and the padded length.
struct Window {
  int start, end, padded;
};
__device__ __forceinline__ Window window(int o, int in, int k, int stride, int pad) {
  int s = o * stride - pad, e = s + k;
  if (e > in + pad) e = in + pad;
  const int padded = e - s;
  return {s < 0 ? 0 : s, e > in ? in : e, padded};
}

struct Geo {  // int copy of PoolGeom for the device
  int N, H, W, C, OH, OW, kh, kw, sh, sw, ph, pw;
  bool include_pad;
};
Geo to_geo(const PoolGeom& g) {
  return {int(g.N), int(g.H), int(g.W), int(g.C), int(g.OH), int(g.OW), int(g.p.kernel_h), int(g.p.kernel_w),
          int(g.p.stride_h), int(g.p.stride_w), int(g.p.pad_h), int(g.p.pad_w), g.p.count_include_pad};
}

// Decomposes an NHWC output index into (n, oh, ow, c).
__device__ __forceinline__ void split(int64_t i, int OH, int OW, int C, int& n, int& oh, int& ow, int& c) {
  c = int(i % C);
  int64_t r = i / C;
  ow = int(r % OW);
  r /= OW;
  oh = int(r % OH);
  n = int(r / OH);
}

__global__ void max_fwd(Geo g, const float* __restrict__ x, float* __restrict__ y, int64_t* __restrict__ idx,
                        int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    int n, oh, ow, c;
    split(i, g.OH, g.OW, g.C, n, oh, ow, c);
    const Window wh = window(oh, g.H, g.kh, g.sh, g.ph), ww = window(ow, g.W, g.kw, g.sw, g.pw);
    float best = -INFINITY;
    int64_t best_i = int64_t(wh.start) * g.W + ww.start;
    for (int h = wh.start; h < wh.end; ++h)
      for (int w = ww.start; w < ww.end; ++w) {
        const float v = x[((int64_t(n) * g.H + h) * g.W + w) * g.C + c];
        if (v > best || isnan(v)) {
          best = v;
          best_i = int64_t(h) * g.W + w;
          if (isnan(v)) goto done;  // a NaN wins and propagates
        }
      }
  done:
    y[i] = best;
    idx[i] = best_i;
  }
}

__global__ void max_bwd(const float* __restrict__ dy, const int64_t* __restrict__ idx, int HW, int OHW, int C,
                        int64_t total, float* __restrict__ dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    const int64_t n = i / C / OHW;
    atomicAdd(&dx[(n * HW + idx[i]) * C + c], dy[i]);
  }
}

// Average pool forward (kBackward = false) or the scatter of its gradient.
template <bool kBackward>
__global__ void avg_pool(Geo g, const float* __restrict__ in, float* __restrict__ out, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    int n, oh, ow, c;
    split(i, g.OH, g.OW, g.C, n, oh, ow, c);
    const Window wh = window(oh, g.H, g.kh, g.sh, g.ph), ww = window(ow, g.W, g.kw, g.sw, g.pw);
    const float div = g.include_pad ? float(wh.padded * ww.padded) : float((wh.end - wh.start) * (ww.end - ww.start));
    if (kBackward) {
      const float v = in[i] / div;
      for (int h = wh.start; h < wh.end; ++h)
        for (int w = ww.start; w < ww.end; ++w) atomicAdd(&out[((int64_t(n) * g.H + h) * g.W + w) * g.C + c], v);
    } else {
      float acc = 0.f;
      for (int h = wh.start; h < wh.end; ++h)
        for (int w = ww.start; w < ww.end; ++w) acc += in[((int64_t(n) * g.H + h) * g.W + w) * g.C + c];
      out[i] = acc / div;
    }
  }
}

// Adaptive bins [floor(i*in/out), ceil((i+1)*in/out)).
template <bool kBackward>
__global__ void adaptive_avg(int H, int W, int C, int OH, int OW, const float* __restrict__ in,
                             float* __restrict__ out, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    int n, oh, ow, c;
    split(i, OH, OW, C, n, oh, ow, c);
    const int h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
    const int w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
    const float div = float((h1 - h0) * (w1 - w0));
    if (kBackward) {
      const float v = in[i] / div;
      for (int h = h0; h < h1; ++h)
        for (int w = w0; w < w1; ++w) atomicAdd(&out[((int64_t(n) * H + h) * W + w) * C + c], v);
    } else {
      float acc = 0.f;
      for (int h = h0; h < h1; ++h)
        for (int w = w0; w < w1; ++w) acc += in[((int64_t(n) * H + h) * W + w) * C + c];
      out[i] = acc / div;
    }
  }
}

Tensor zeros_on(const Shape& s, Device d) {
  Tensor t = Tensor::empty(s, DType::f32, d);
  if (t.numel()) FB_CUDA_CHECK(cudaMemsetAsync(t.raw_data(), 0, t.nbytes(), fb::cuda::stream()));
  return t;
}

void check_grad(const char* op, const Tensor& dy, const Shape& x_shape, const Shape& y_shape) {
  FB_CHECK(dy.shape() == y_shape, op, ": grad_output is ", shape_str(dy.shape()), ", expected ", shape_str(y_shape),
           " for input ", shape_str(x_shape));
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_forward(const Tensor& x_, const Pool2dParams& p) {
  const char* op = "max_pool2d";
  check_operand(op, "input", x_);
  const PoolGeom g = pool_geometry(x_.shape(), p, op);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.C}, DType::f32, x.device());
  Tensor idx = Tensor::empty({g.N, g.OH, g.OW, g.C}, DType::i64, x.device());
  if (y.numel() == 0) return {y, idx};
  max_fwd<<<grid_for(y.numel()), 256, 0, fb::cuda::stream()>>>(to_geo(g), fptr(x), fptr(y), idx.data<int64_t>(),
                                                               y.numel());
  FB_CUDA_CHECK_LAUNCH();
  return {y, idx};
}

Tensor max_pool2d_backward(const Tensor& dy_, const Tensor& indices_, const Shape& x_shape) {
  const char* op = "max_pool2d_backward";
  check_operand(op, "grad_output", dy_);
  FB_CHECK(dy_.dim() == 4 && x_shape.size() == 4 && dy_.size(0) == x_shape[0] && dy_.size(3) == x_shape[3], op,
           ": grad_output ", shape_str(dy_.shape()), " does not match input ", shape_str(x_shape));
  FB_CHECK(indices_.defined() && indices_.dtype() == DType::i64 && indices_.shape() == dy_.shape() &&
               indices_.device() == dy_.device(),
           op, ": indices must be i64 of shape ", shape_str(dy_.shape()), " on ", dy_.device().str());
  const Tensor dy = dy_.contiguous(), idx = indices_.contiguous();
  Tensor dx = zeros_on(x_shape, dy.device());
  if (dy.numel() == 0) return dx;
  max_bwd<<<grid_for(dy.numel()), 256, 0, fb::cuda::stream()>>>(
      fptr(dy), idx.data<int64_t>(), int(x_shape[1] * x_shape[2]), int(dy.size(1) * dy.size(2)), int(x_shape[3]),
      dy.numel(), fptr(dx));
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

Tensor avg_pool2d_forward(const Tensor& x_, const Pool2dParams& p) {
  const char* op = "avg_pool2d";
  check_operand(op, "input", x_);
  const PoolGeom g = pool_geometry(x_.shape(), p, op);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.C}, DType::f32, x.device());
  if (y.numel() == 0) return y;
  avg_pool<false><<<grid_for(y.numel()), 256, 0, fb::cuda::stream()>>>(to_geo(g), fptr(x), fptr(y), y.numel());
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

Tensor avg_pool2d_backward(const Tensor& dy_, const Shape& x_shape, const Pool2dParams& p) {
  const char* op = "avg_pool2d_backward";
  check_operand(op, "grad_output", dy_);
  const PoolGeom g = pool_geometry(x_shape, p, op);
  check_grad(op, dy_, x_shape, {g.N, g.OH, g.OW, g.C});
  const Tensor dy = dy_.contiguous();
  Tensor dx = zeros_on(x_shape, dy.device());
  if (dy.numel() == 0) return dx;
  avg_pool<true><<<grid_for(dy.numel()), 256, 0, fb::cuda::stream()>>>(to_geo(g), fptr(dy), fptr(dx), dy.numel());
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

Tensor adaptive_avg_pool2d_forward(const Tensor& x_, int64_t out_h, int64_t out_w) {
  const char* op = "adaptive_avg_pool2d";
  check_operand(op, "input", x_);
  FB_CHECK(x_.dim() == 4, op, ": input must be 4-D NHWC, got ", shape_str(x_.shape()));
  FB_CHECK(out_h >= 1 && out_w >= 1, op, ": output size must be positive, got ", out_h, "x", out_w);
  FB_CHECK(x_.size(1) >= 1 && x_.size(2) >= 1, op, ": empty input plane ", shape_str(x_.shape()));
  const Tensor x = x_.contiguous();
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  Tensor y = Tensor::empty({N, out_h, out_w, C}, DType::f32, x.device());
  if (y.numel() == 0) return y;
  adaptive_avg<false><<<grid_for(y.numel()), 256, 0, fb::cuda::stream()>>>(int(H), int(W), int(C), int(out_h),
                                                                           int(out_w), fptr(x), fptr(y), y.numel());
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& dy_, const Shape& x_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_operand(op, "grad_output", dy_);
  FB_CHECK(dy_.dim() == 4 && x_shape.size() == 4 && dy_.size(0) == x_shape[0] && dy_.size(3) == x_shape[3], op,
           ": grad_output ", shape_str(dy_.shape()), " does not match input ", shape_str(x_shape));
  const Tensor dy = dy_.contiguous();
  Tensor dx = zeros_on(x_shape, dy.device());
  if (dy.numel() == 0) return dx;
  adaptive_avg<true><<<grid_for(dy.numel()), 256, 0, fb::cuda::stream()>>>(
      int(x_shape[1]), int(x_shape[2]), int(x_shape[3]), int(dy.size(1)), int(dy.size(2)), fptr(dy), fptr(dx),
      dy.numel());
  FB_CUDA_CHECK_LAUNCH();
  return dx;
}

}  // namespace fb::kernels::cuda
