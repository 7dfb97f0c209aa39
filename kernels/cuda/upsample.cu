// Bilinear resampling of NHWC tensors, f32 and f64: PyTorch's
// upsample_bilinear2d without scale factors, as kernels/ref/pool.h states it
// (bilinear_scale, linear_tap), align_corners either way.
//
// Forward: one thread per output element, channels fastest, so a warp reads
// each of its four taps as one coalesced run.
//
// Backward, as a gather (no atomics, so the same bits every run): along one
// axis, output index d reads inputs i0(d) and i1(d) = min(i0(d) + 1, in - 1),
// so input i is read exactly by the d with i0(d) in {i - 1, i}. i0 never
// decreases with d, so those d form one range [lo, hi), found for every input
// index of both axes by a binary search in a small kernel. The 2-D gradient is
// separable: dx = Wh^T dy Ww, so it is gathered one axis at a time through a
// temporary (the axis that leaves the smaller temporary first). Each element
// then sums a few gradients in a fixed order, and a 2x upsampling reads each
// gradient about twice per pass instead of every input reading a 4x4 patch.
#include <algorithm>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"
#include "kernels/ref/pool.h"

namespace fb::kernels::cuda {
namespace {

// Products and sums rounded one at a time: nvcc would fuse
// scale * (d + 0.5) - 0.5 into a multiply-add with one rounding, which can put
// a source coordinate on the other side of an integer than the reference's
// step-by-step expression (a different tap, with a weight near 0 or 1).
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <typename T>
struct Tap {
  int64_t i0, i1;
  T l0, l1;
};

// ref::linear_tap on the device.
template <typename T>
__device__ __forceinline__ Tap<T> linear_tap(int64_t d, int64_t in, T scale, bool align_corners) {
  T src = align_corners ? mul_rn(scale, static_cast<T>(d))
                        : add_rn(mul_rn(scale, add_rn(static_cast<T>(d), T(0.5))), T(-0.5));
  if (src < T(0)) src = T(0);
  const int64_t i0 = static_cast<int64_t>(src);
  const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  const T l1 = src - static_cast<T>(i0);
  return {i0, i1, T(1) - l1, l1};
}

// The weight with which output index d reads input index i (0 when it does not).
template <typename T>
__device__ __forceinline__ T tap_weight(const Tap<T>& t, int64_t i) {
  return (t.i0 == i ? t.l0 : T(0)) + (t.i1 == i ? t.l1 : T(0));
}

template <typename T>
__global__ void upsample_forward_kernel(const T* __restrict__ x, int64_t H, int64_t W, int64_t C, int64_t OH,
                                        int64_t OW, T sh, T sw, bool align_corners, T* __restrict__ y,
                                        int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % C;
    int64_t r = i / C;
    const int64_t ow = r % OW;
    r /= OW;
    const int64_t oh = r % OH, n = r / OH;
    const Tap<T> th = linear_tap(oh, H, sh, align_corners), tw = linear_tap(ow, W, sw, align_corners);
    const T* xn = x + n * H * W * C + c;
    const T a = xn[(th.i0 * W + tw.i0) * C], b = xn[(th.i0 * W + tw.i1) * C];
    const T e = xn[(th.i1 * W + tw.i0) * C], f = xn[(th.i1 * W + tw.i1) * C];
    y[i] = th.l0 * (tw.l0 * a + tw.l1 * b) + th.l1 * (tw.l0 * e + tw.l1 * f);
  }
}

// First output index d in [0, out) with i0(d) > v (out when there is none).
template <typename T>
__device__ int64_t first_tap_above(int64_t v, int64_t in, int64_t out, T scale, bool align_corners) {
  int64_t lo = 0, hi = out;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (linear_tap(mid, in, scale, align_corners).i0 > v)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// ranges[2i], ranges[2i+1] = [lo, hi) of the output indices that read input
// i: rows i < H first (out OH), then columns (out OW) at 2H + 2i.
template <typename T>
__global__ void tap_ranges_kernel(int64_t H, int64_t OH, T sh, int64_t W, int64_t OW, T sw, bool align_corners,
                                  int64_t* __restrict__ ranges) {
  const int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (t >= H + W) return;
  const bool rows = t < H;
  const int64_t i = rows ? t : t - H, in = rows ? H : W, out = rows ? OH : OW;
  const T scale = rows ? sh : sw;
  ranges[2 * t] = first_tap_above(i - 2, in, out, scale, align_corners);  // first d with i0(d) >= i - 1
  ranges[2 * t + 1] = first_tap_above(i, in, out, scale, align_corners);
}

// One axis of the gradient: src viewed as [outer, out_len, inner], dst as
// [outer, in_len, inner]; dst[o, i, k] = sum over the d that read i (in
// increasing order) of weight(d, i) * src[o, d, k].
template <typename T>
__global__ void gather_axis_kernel(const T* __restrict__ src, int64_t out_len, int64_t in_len, int64_t inner,
                                   T scale, bool align_corners, const int64_t* __restrict__ ranges,
                                   T* __restrict__ dst, int64_t total) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = e % inner;
    const int64_t r = e / inner;
    const int64_t i = r % in_len, o = r / in_len;
    const T* s = src + o * out_len * inner + k;
    T acc = 0;
    for (int64_t d = ranges[2 * i], end = ranges[2 * i + 1]; d < end; ++d)
      acc += tap_weight(linear_tap(d, in_len, scale, align_corners), i) * s[d * inner];
    dst[e] = acc;
  }
}

void check_nhwc(const char* op, const char* what, const Shape& s) {
  FB_CHECK(s.size() == 4, op, ": ", what, " must be 4-D NHWC, got ", shape_str(s));
}

}  // namespace

Tensor upsample_bilinear2d_forward(const Tensor& x_, int64_t out_h, int64_t out_w, bool align_corners) {
  const char* op = "upsample_bilinear2d";
  check_float_operand(op, "input", x_);
  check_nhwc(op, "input", x_.shape());
  FB_CHECK(out_h >= 1 && out_w >= 1, op, ": output size must be positive, got ", out_h, "x", out_w, " for input ",
           shape_str(x_.shape()));
  FB_CHECK(x_.size(1) >= 1 && x_.size(2) >= 1, op, ": empty input plane ", shape_str(x_.shape()));
  const Tensor x = x_.contiguous();
  const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  Tensor y = Tensor::empty({N, out_h, out_w, C}, x.dtype(), x.device());
  const int64_t total = y.numel();
  if (total == 0) return y;
  dispatch_f32_f64(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    upsample_forward_kernel<T><<<grid_for(total), 256, 0, fb::cuda::stream()>>>(
        tptr<T>(x), H, W, C, out_h, out_w, ref::bilinear_scale<T>(H, out_h, align_corners),
        ref::bilinear_scale<T>(W, out_w, align_corners), align_corners, tptr<T>(y), total);
  });
  FB_CUDA_CHECK_LAUNCH();
  return y;
}

Tensor upsample_bilinear2d_backward(const Tensor& dy_, const Shape& x_shape, bool align_corners) {
  const char* op = "upsample_bilinear2d_backward";
  check_float_operand(op, "grad_output", dy_);
  check_nhwc(op, "grad_output", dy_.shape());
  check_nhwc(op, "input shape", x_shape);
  FB_CHECK(dy_.size(0) == x_shape[0] && dy_.size(3) == x_shape[3], op, ": grad_output ", shape_str(dy_.shape()),
           " does not match input ", shape_str(x_shape), " in batch or channels");
  FB_CHECK(x_shape[1] >= 1 && x_shape[2] >= 1, op, ": empty input plane ", shape_str(x_shape));
  const Tensor dy = dy_.contiguous();
  const Device dev = dy.device();
  const int64_t N = x_shape[0], H = x_shape[1], W = x_shape[2], C = x_shape[3], OH = dy.size(1), OW = dy.size(2);
  Tensor dx = Tensor::empty(x_shape, dy.dtype(), dev);
  if (dx.numel() == 0) return dx;
  const cudaStream_t st = fb::cuda::stream();
  Tensor ranges = Tensor::empty({H + W, 2}, DType::i64, dev);
  // Height first when its temporary [N, H, OW, C] is the smaller one.
  const bool height_first = H * OW <= OH * W;
  Tensor tmp = Tensor::empty(height_first ? Shape{N, H, OW, C} : Shape{N, OH, W, C}, dy.dtype(), dev);
  dispatch_f32_f64(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T sh = ref::bilinear_scale<T>(H, OH, align_corners), sw = ref::bilinear_scale<T>(W, OW, align_corners);
    int64_t* rg = ranges.data<int64_t>();
    const int64_t* rh = rg;         // the rows' ranges
    const int64_t* rw = rg + 2 * H;  // the columns'
    tap_ranges_kernel<T><<<static_cast<int>((H + W + 255) / 256), 256, 0, st>>>(H, OH, sh, W, OW, sw,
                                                                              align_corners, rg);
    FB_CUDA_CHECK_LAUNCH();
    // Height: [N, OH, X*C] -> [N, H, X*C]; width: [N*Y, OW, C] -> [N*Y, W, C].
    auto gather_height = [&](const Tensor& src, const Tensor& dst, int64_t X) {
      const int64_t total = dst.numel();
      if (total == 0) return;
      gather_axis_kernel<T><<<grid_for(total), 256, 0, st>>>(tptr<T>(src), OH, H, X * C, sh, align_corners, rh,
                                                            tptr<T>(dst), total);
      FB_CUDA_CHECK_LAUNCH();
    };
    auto gather_width = [&](const Tensor& src, const Tensor& dst) {
      const int64_t total = dst.numel();
      if (total == 0) return;
      gather_axis_kernel<T><<<grid_for(total), 256, 0, st>>>(tptr<T>(src), OW, W, C, sw, align_corners, rw,
                                                            tptr<T>(dst), total);
      FB_CUDA_CHECK_LAUNCH();
    };
    if (height_first) {
      gather_height(dy, tmp, OW);
      gather_width(tmp, dx);
    } else {
      gather_width(dy, tmp);
      gather_height(tmp, dx, W);
    }
  });
  return dx;
}

}  // namespace fb::kernels::cuda
