// Convolution on NHWC activations and OIHW weights as implicit GEMM.
//
// Each pass is one GEMM whose operand is read straight through the sliding
// window (no im2col buffer), with k ordered (kh, kw, channel) so that the
// innermost k run is a run of channels, contiguous in NHWC memory: a loader
// fetches 8 bf16 / 4 f32 channels with one 16-byte load when C divides.
//   forward       y[p, o]        = sum_{kh,kw,c} x[window(p), c] * w[o, c, kh, kw]
//                 M = N*OH*OW pixels, N = O, K = KH*KW*C
//   input grad    dx[q, c]       = sum_{kh,kw,o} dy[pixel hitting q through (kh,kw), o] * w[o, c, kh, kw]
//                 M = N*H*W, N = C, K = KH*KW*O (strided taps that miss are zeros)
//   weight grad   dw[o, (kh,kw,c)] = sum_p dy[p, o] * x[window(p) at (kh,kw), c]
//                 M = O, N = KH*KW*C, K = N*OH*OW, split over K (K is long,
//                 the output small) into f32 partials, summed by a second
//                 kernel that also writes the OIHW layout.
// The weights are small, so they are first permuted (one strided copy) to
// the k order the GEMM wants: OHWI for forward, [C, KH, KW, O] for input grad.
#include "kernels/cuda/backend.h"
#include "kernels/cuda/column_reduce.cuh"
#include "kernels/cuda/fast_div.h"
#include "kernels/cuda/igemm.cuh"
#include "kernels/cuda/ops.h"
#include "kernels/cuda/vendor/vendor.h"

namespace fb::kernels::cuda {
namespace {

// int copy of ConvGeom for the device, with the divisors the loaders split
// indices by (see fast_div.h for why not the hardware's division).
struct Geo {
  int N, H, W, C, O, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw;
  FastDiv by_C, by_O, by_KW, by_W, by_H, by_OW, by_OH, by_sh, by_sw;

  // Output pixel index r -> (n, oh, ow); input pixel index r -> (n, h, w).
  __device__ __forceinline__ void out_pixel(int r, int& n, int& oh, int& ow) const {
    int t;
    by_OW.divmod(r, t, ow);
    by_OH.divmod(t, n, oh);
  }
  __device__ __forceinline__ void in_pixel(int r, int& n, int& h, int& w) const {
    int t;
    by_W.divmod(r, t, w);
    by_H.divmod(t, n, h);
  }
  // k = (kh, kw, c) with c < by.d channels (C, or O for the input gradient).
  __device__ __forceinline__ void tap(int k, const FastDiv& by, int& kh, int& kw, int& c) const {
    int t;
    by.divmod(k, t, c);
    by_KW.divmod(t, kh, kw);
  }
};
Geo to_geo(const ConvGeom& g) {
  Geo G{int(g.N),          int(g.H),         int(g.W),         int(g.C),  int(g.O),
        int(g.KH),         int(g.KW),        int(g.OH),        int(g.OW), int(g.p.stride_h),
        int(g.p.stride_w), int(g.p.pad_h),   int(g.p.pad_w),   int(g.p.dilation_h),
        int(g.p.dilation_w)};
  G.by_C = FastDiv(G.C);
  G.by_O = FastDiv(G.O);
  G.by_KW = FastDiv(G.KW);
  G.by_W = FastDiv(G.W);
  G.by_H = FastDiv(G.H);
  G.by_OW = FastDiv(G.OW);
  G.by_OH = FastDiv(G.OH);
  G.by_sh = FastDiv(G.sh);
  G.by_sw = FastDiv(G.sw);
  return G;
}

// Forward A: row r = output pixel (n, oh, ow), k = (kh, kw, c).
template <typename T>
struct FwdA {
  using Elem = T;
  static constexpr bool kKContig = true;
  const T* x;
  Geo g;
  int rows, K;
  bool vec;
  __device__ __forceinline__ T at(int n, int oh, int ow, int k) const {
    int kh, kw, c;
    g.tap(k, g.by_C, kh, kw, c);
    const int ih = oh * g.sh - g.ph + kh * g.dh, iw = ow * g.sw - g.pw + kw * g.dw;
    if (k >= K || ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return igemm::from_f<T>(0.f);
    return x[((int64_t(n) * g.H + ih) * g.W + iw) * g.C + c];
  }
  // The output pixel's image (offset of its first element; -1 past the last
  // row) and the input position of its window's top-left tap.
  struct Row {
    int64_t image;
    int ih0, iw0;
  };
  __device__ __forceinline__ Row row(int r) const {
    if (r >= rows) return {-1, 0, 0};
    int n, oh, ow;
    g.out_pixel(r, n, oh, ow);
    return {int64_t(n) * g.H * g.W * g.C, oh * g.sh - g.ph, ow * g.sw - g.pw};
  }
  // With vec (C % V == 0) the V channels of a vector share one (kh, kw) tap.
  __device__ __forceinline__ const T* vec_src(const Row& row, int k) const {
    if (row.image < 0 || k >= K) return nullptr;
    int kh, kw, c;
    g.tap(k, g.by_C, kh, kw, c);
    const int ih = row.ih0 + kh * g.dh, iw = row.iw0 + kw * g.dw;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return nullptr;
    return x + row.image + (int64_t(ih) * g.W + iw) * g.C + c;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    if (vec) {
      out = igemm::load_vec(vec_src(row(r), k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    if (r >= rows) return;
    int n, oh, ow;
    g.out_pixel(r, n, oh, ow);
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j) v[j] = at(n, oh, ow, k + j);
  }
};

// Input-grad A: row r = input pixel (n, h, w), k = (kh, kw, o). The output
// pixel that reaches (h, w) through tap (kh, kw) is oh = (h + ph - kh*dh) / sh
// when that division is exact and in range; otherwise the tap contributes 0.
template <typename T>
struct DgradA {
  using Elem = T;
  static constexpr bool kKContig = true;
  const T* dy;
  Geo g;
  int rows, K;
  bool vec;
  // Offset of dy at output channel o of the pixel reaching (n, h, w) through
  // tap (kh, kw), or -1.
  __device__ __forceinline__ int64_t src(int n, int h, int w, int kh, int kw, int o) const {
    const int nh = h + g.ph - kh * g.dh, nw = w + g.pw - kw * g.dw;
    if (nh < 0 || nw < 0) return -1;
    int oh, ow, rh, rw;
    g.by_sh.divmod(nh, oh, rh);
    g.by_sw.divmod(nw, ow, rw);
    if (rh || rw || oh >= g.OH || ow >= g.OW) return -1;
    return ((int64_t(n) * g.OH + oh) * g.OW + ow) * g.O + o;
  }
  struct Row {  // the input pixel (n = -1 past the last row)
    int n, h, w;
  };
  __device__ __forceinline__ Row row(int r) const {
    Row p{-1, 0, 0};
    if (r < rows) g.in_pixel(r, p.n, p.h, p.w);
    return p;
  }
  __device__ __forceinline__ const T* vec_src(const Row& row, int k) const {  // O % V == 0
    if (row.n < 0 || k >= K) return nullptr;
    int kh, kw, o;
    g.tap(k, g.by_O, kh, kw, o);
    const int64_t at = src(row.n, row.h, row.w, kh, kw, o);
    return at >= 0 ? dy + at : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    if (vec) {
      out = igemm::load_vec(vec_src(row(r), k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    if (r >= rows) return;
    int n, h, w;
    g.in_pixel(r, n, h, w);
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j) {
      if (k + j >= K) break;
      int kh, kw, o;
      g.tap(k + j, g.by_O, kh, kw, o);
      const int64_t at = src(n, h, w, kh, kw, o);
      if (at >= 0) v[j] = dy[at];
    }
  }
};

// Weight-grad B: row r = (kh, kw, c), k = output pixel (n, oh, ow); vectors
// run along r, i.e. along channels of one tap.
template <typename T>
struct WgradB {
  using Elem = T;
  static constexpr bool kKContig = false;
  const T* x;
  Geo g;
  int rows, K;
  bool vec;
  // The tap's offsets from the window's top-left and its channel (c = -1
  // past the last row).
  struct Row {
    int dh, dw, c;
  };
  __device__ __forceinline__ Row row(int rr) const {
    if (rr >= rows) return {0, 0, -1};
    int kh, kw, c;
    g.tap(rr, g.by_C, kh, kw, c);
    return {kh * g.dh, kw * g.dw, c};
  }
  // Offset of x at tap row `t` of output pixel k, or -1 on the padding.
  __device__ __forceinline__ int64_t addr(const Row& t, int k) const {
    int n, oh, ow;
    g.out_pixel(k, n, oh, ow);
    const int ih = oh * g.sh - g.ph + t.dh, iw = ow * g.sw - g.pw + t.dw;
    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return -1;
    return ((int64_t(n) * g.H + ih) * g.W + iw) * g.C + t.c;
  }
  __device__ __forceinline__ const T* vec_src(const Row& t, int k) const {  // C % V == 0
    if (t.c < 0 || k >= K) return nullptr;
    const int64_t a = addr(t, k);
    return a >= 0 ? x + a : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    if (vec) {
      out = igemm::load_vec(vec_src(row(r), k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    if (k >= K) return;
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j) {
      if (r + j >= rows) break;
      const int64_t a = addr(row(r + j), k);
      if (a >= 0) v[j] = x[a];
    }
  }
};

// dw[o, c, kh, kw] = sum over splits of ws[z, o, (kh, kw, c)], converted to T.
template <typename T>
__global__ void wgrad_reduce(const float* __restrict__ ws, int splits, Geo g, T* __restrict__ dw) {
  const int64_t cols = int64_t(g.KH) * g.KW * g.C, total = int64_t(g.O) * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int z = 0; z < splits; ++z) s += ws[z * total + i];
    const int o = int(i / cols), rest = int(i % cols);
    int kh, kw, c;
    g.tap(rest, g.by_C, kh, kw, c);
    dw[((int64_t(o) * g.C + c) * g.KH + kh) * g.KW + kw] = igemm::from_f<T>(s);
  }
}

template <typename T>
struct BiasSum {  // conv bias gradient: column sums of dy [rows, O]
  const T* dy;
  int64_t C;
  __device__ float2 operator()(int64_t r, int64_t c) const { return make_float2(igemm::to_f(dy[r * C + c]), 0.f); }
};
__global__ void take_x(const float2* s, int64_t n, float* out) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = s[i].x;
}

// y[i] += bias[i % O] over NHWC y (the vendor path's bias).
template <typename T>
__global__ void add_bias(T* __restrict__ y, const T* __restrict__ bias, int64_t n, int64_t O) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = igemm::from_f<T>(igemm::to_f(y[i]) + igemm::to_f(bias[i % O]));
}

ConvGeom check_conv(const char* op, const Tensor& a, const char* an, const Tensor& b, const char* bn,
                    const Shape& xs, const Shape& ws, const Conv2dParams& p) {
  check_operand(op, an, a, true);
  check_operand(op, bn, b, true, &a);
  const ConvGeom g = conv_geometry(xs, ws, p, op);
  FB_CHECK(p.groups == 1, op, ": grouped convolution (groups=", p.groups, ") is not supported on cuda yet");
  FB_CHECK(g.N * g.H * g.W * std::max(g.C, g.O) < (int64_t(1) << 31) &&
               g.N * g.OH * g.OW * std::max(g.C, g.O) < (int64_t(1) << 31),
           op, ": tensors of 2^31 elements or more are not supported on cuda");
  return g;
}

template <typename T>
const T* cptr(const Tensor& t) { return static_cast<const T*>(t.raw_data()); }
template <typename T>
T* mptr(const Tensor& t) { return static_cast<T*>(t.raw_data()); }

// Runs f with T = float or __nv_bfloat16 for the dtype.
template <typename F>
void dispatch(DType dt, F&& f) {
  if (dt == DType::bf16) f(__nv_bfloat16{});
  else f(float{});
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_, const Tensor& w_, const Tensor& bias_, const Conv2dParams& p) {
  const char* op = "conv2d";
  const ConvGeom g = check_conv(op, x_, "input", w_, "weight", x_.shape(), w_.shape(), p);
  if (bias_.defined()) {
    check_operand(op, "bias", bias_, true, &x_);
    FB_CHECK(bias_.dim() == 1 && bias_.size(0) == g.O, op, ": bias must be [", g.O, "], got ",
             shape_str(bias_.shape()));
  }
  const bool tf32 = cuda_fp32_math() == Fp32Math::Tf32;
  const Tensor x = x_.contiguous(), bias = bias_.defined() ? bias_.contiguous() : Tensor();
  Tensor y;
  if (cuda_backend() == CudaBackend::Vendor) {
    y = vendor::conv2d_forward(x, w_, g, tf32);
    if (bias.defined()) {
      dispatch(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        add_bias<T><<<grid_for(y.numel()), 256, 0, fb::cuda::stream()>>>(mptr<T>(y), cptr<T>(bias), y.numel(), g.O);
        FB_CUDA_CHECK_LAUNCH();
      });
    }
    return y;
  }
  const Tensor w = w_.permute({0, 2, 3, 1}).contiguous();  // OHWI: k = (kh, kw, c) contiguous per o
  y = Tensor::empty({g.N, g.OH, g.OW, g.O}, x.dtype(), x.device());
  const Geo G = to_geo(g);
  const int M = int(g.N * g.OH * g.OW), N = int(g.O), K = int(g.KH * g.KW * g.C);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = igemm::kVec<T>;
    FwdA<T> la{cptr<T>(x), G, M, K, g.C % V == 0 && igemm::aligned16(cptr<T>(x))};
    igemm::MatLoader<T, true> lb{cptr<T>(w), N, K, K, K % V == 0 && igemm::aligned16(cptr<T>(w))};
    igemm::StoreEpi<T> epi{mptr<T>(y), N, bias.defined() ? cptr<T>(bias) : nullptr};
    igemm::run_filled(M, N, K, tf32, la, lb, epi, x.device());
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy_, const Tensor& w_, const Shape& x_shape, const Conv2dParams& p) {
  const char* op = "conv2d_backward_input";
  const ConvGeom g = check_conv(op, dy_, "grad_output", w_, "weight", x_shape, w_.shape(), p);
  const Shape y_shape{g.N, g.OH, g.OW, g.O};
  FB_CHECK(dy_.shape() == y_shape, op, ": grad_output is ", shape_str(dy_.shape()), ", expected ",
           shape_str(y_shape), " (input ", shape_str(x_shape), ", weight ", shape_str(w_.shape()), ")");
  const bool tf32 = cuda_fp32_math() == Fp32Math::Tf32;
  const Tensor dy = dy_.contiguous();
  if (cuda_backend() == CudaBackend::Vendor) return vendor::conv2d_backward_input(dy, w_, g, tf32);
  const Tensor w = w_.permute({1, 2, 3, 0}).contiguous();  // [C, KH, KW, O]: k = (kh, kw, o) per c
  Tensor dx = Tensor::empty(x_shape, dy.dtype(), dy.device());
  const Geo G = to_geo(g);
  const int M = int(g.N * g.H * g.W), N = int(g.C), K = int(g.KH * g.KW * g.O);
  dispatch(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = igemm::kVec<T>;
    DgradA<T> la{cptr<T>(dy), G, M, K, g.O % V == 0 && igemm::aligned16(cptr<T>(dy))};
    igemm::MatLoader<T, true> lb{cptr<T>(w), N, K, K, K % V == 0 && igemm::aligned16(cptr<T>(w))};
    igemm::StoreEpi<T> epi{mptr<T>(dx), N, nullptr};
    igemm::run_filled(M, N, K, tf32, la, lb, epi, dy.device());
  });
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& dy_, const Tensor& x_, const Shape& w_shape, const Conv2dParams& p) {
  const char* op = "conv2d_backward_weight";
  const ConvGeom g = check_conv(op, dy_, "grad_output", x_, "input", x_.shape(), w_shape, p);
  const Shape y_shape{g.N, g.OH, g.OW, g.O};
  FB_CHECK(dy_.shape() == y_shape, op, ": grad_output is ", shape_str(dy_.shape()), ", expected ",
           shape_str(y_shape), " (input ", shape_str(x_.shape()), ", weight ", shape_str(w_shape), ")");
  const bool tf32 = cuda_fp32_math() == Fp32Math::Tf32;
  const Tensor dy = dy_.contiguous(), x = x_.contiguous();
  if (cuda_backend() == CudaBackend::Vendor) return vendor::conv2d_backward_weight(dy, x, g, tf32);
  Tensor dw = Tensor::empty(w_shape, dy.dtype(), dy.device());
  const Geo G = to_geo(g);
  const int M = int(g.O), N = int(g.KH * g.KW * g.C), K = int(g.N * g.OH * g.OW);
  const int splits = igemm::pick_splits(M, N, K, igemm::sm_count());
  Tensor ws = Tensor::empty({splits, M, N}, DType::f32, dy.device());
  dispatch(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    constexpr int V = igemm::kVec<T>;
    // A = dy seen as [O, pixels]: element (o, p) at dy[p * O + o], contiguous along o.
    igemm::MatLoader<T, false> la{cptr<T>(dy), M, K, M, M % V == 0 && igemm::aligned16(cptr<T>(dy))};
    WgradB<T> lb{cptr<T>(x), G, N, K, g.C % V == 0 && igemm::aligned16(cptr<T>(x))};
    igemm::SplitKEpi epi{ws.data<float>(), M, N};
    // Every split writes all of its outputs (zeros where its K chunk is
    // empty), so ws needs no clearing; run() may lower the split count.
    const int used = igemm::run(M, N, K, splits, tf32, la, lb, epi);
    wgrad_reduce<T><<<grid_for(int64_t(M) * N), 256, 0, fb::cuda::stream()>>>(ws.data<float>(), used, G, mptr<T>(dw));
    FB_CUDA_CHECK_LAUNCH();
  });
  return dw;
}

Tensor conv2d_backward_bias(const Tensor& dy_) {
  const char* op = "conv2d_backward_bias";
  check_operand(op, "grad_output", dy_, true);
  FB_CHECK(dy_.dim() == 4, op, ": grad_output must be 4-D NHWC, got ", shape_str(dy_.shape()));
  const Tensor dy = dy_.contiguous();
  const int64_t O = dy.size(3), rows = O ? dy.numel() / O : 0;
  Tensor sums = Tensor::empty({O, 2}, DType::f32, dy.device()), db = Tensor::empty({O}, DType::f32, dy.device());
  if (O == 0) return db.to(dy.dtype());
  float2* s = reinterpret_cast<float2*>(sums.data<float>());
  dispatch(dy.dtype(), [&](auto tag) {
    using T = decltype(tag);
    column_sums(BiasSum<T>{cptr<T>(dy), O}, rows, O, s, dy.device());
  });
  take_x<<<int((O + 255) / 256), 256, 0, fb::cuda::stream()>>>(s, O, db.data<float>());
  FB_CUDA_CHECK_LAUNCH();
  return db.to(dy.dtype());
}

}  // namespace fb::kernels::cuda
