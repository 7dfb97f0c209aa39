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
#include "kernels/cuda/conv_index.h"
#include "kernels/cuda/igemm.cuh"
#include "kernels/cuda/ops.h"
#include "kernels/cuda/vendor/vendor.h"

namespace fb::kernels::cuda {
namespace {

// The loaders: the operands of the three GEMMs seen through conv_index.h's
// arithmetic. The vector path (channels a multiple of V) fetches V channels
// of one tap; the scalar path (e.g. the RGB stem) element by element.

template <typename T>
struct FwdA {  // forward A: row = output pixel, k = (kh, kw, c)
  using Elem = T;
  using Row = FwdRow;
  static constexpr bool kKContig = true;
  const T* x;
  ConvIndex g;
  int rows, K;
  bool vec;
  __device__ __forceinline__ Row row(int r) const { return r < rows ? fwd_row(g, r) : Row{-1, 0, 0}; }
  __device__ __forceinline__ const T* vec_src(const Row& row, int k) const {
    if (row.image < 0 || k >= K) return nullptr;
    const int64_t o = fwd_offset(g, row, k);
    return o >= 0 ? x + o : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    const Row rw = row(r);
    if (vec) {
      out = igemm::load_vec(vec_src(rw, k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j)
      if (const T* e = vec_src(rw, k + j)) v[j] = *e;
  }
};

template <typename T>
struct DgradA {  // input-gradient A: row = input pixel, k = (kh, kw, o)
  using Elem = T;
  using Row = DgradRow;
  static constexpr bool kKContig = true;
  const T* dy;
  ConvIndex g;
  int rows, K;
  bool vec;
  __device__ __forceinline__ Row row(int r) const { return r < rows ? dgrad_row(g, r) : Row{-1, 0, 0}; }
  __device__ __forceinline__ const T* vec_src(const Row& row, int k) const {
    if (row.n < 0 || k >= K) return nullptr;
    const int64_t o = dgrad_offset(g, row, k);
    return o >= 0 ? dy + o : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    const Row rw = row(r);
    if (vec) {
      out = igemm::load_vec(vec_src(rw, k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j)
      if (const T* e = vec_src(rw, k + j)) v[j] = *e;
  }
};

template <typename T>
struct WgradB {  // weight-gradient B: row = (kh, kw, c), k = output pixel; vectors along rows
  using Elem = T;
  using Row = WgradRow;
  static constexpr bool kKContig = false;
  const T* x;
  ConvIndex g;
  int rows, K;
  bool vec;
  __device__ __forceinline__ Row row(int r) const { return r < rows ? wgrad_row(g, r) : Row{0, 0, -1}; }
  __device__ __forceinline__ const T* vec_src(const Row& row, int k) const {
    if (row.c < 0 || k >= K) return nullptr;
    const int64_t o = wgrad_offset(g, row, k);
    return o >= 0 ? x + o : nullptr;
  }
  __device__ __forceinline__ void load(int r, int k, uint4& out) const {
    if (vec) {
      out = igemm::load_vec(vec_src(row(r), k));
      return;
    }
    out = make_uint4(0, 0, 0, 0);
    T* v = reinterpret_cast<T*>(&out);
    for (int j = 0; j < igemm::kVec<T>; ++j)
      if (const T* e = vec_src(row(r + j), k)) v[j] = *e;
  }
};

// dw[o, c, kh, kw] = sum over splits of ws[z, o, (kh, kw, c)], converted to T.
template <typename T>
__global__ void wgrad_reduce(const float* __restrict__ ws, int splits, ConvIndex g, T* __restrict__ dw) {
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
  const ConvIndex G = conv_index(g);
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
  const ConvIndex G = conv_index(g);
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
  const ConvIndex G = conv_index(g);
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
