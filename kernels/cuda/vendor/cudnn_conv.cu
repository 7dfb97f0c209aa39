// cuDNN convolution on NHWC tensors, the baseline for the own implicit GEMM.
//
// cuDNN's NHWC filter format is KRSC (= OHWI), so OIHW weights are permuted
// once per call (weights are small). The algorithm for each distinct problem
// is chosen once by cudnnFind* (which times the candidates) and cached.
// Math: bf16 on tensor cores; f32 exact uses FMA math only; f32 with TF32
// allowed uses the default math (tensor cores with TF32 rounding).
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cuda/vendor/vendor.h"
#include "tensor/cuda/check.h"

#ifdef FB_HAVE_CUDNN
#include <cudnn.h>

#include "kernels/cuda/vendor/check.h"
#endif

namespace fb::kernels::cuda::vendor {

#ifndef FB_HAVE_CUDNN
bool have_cudnn() { return false; }
Tensor conv2d_forward(const Tensor&, const Tensor&, const ConvGeom&, bool) {
  FB_FAIL("conv2d: the vendor backend needs cuDNN, which this build did not find");
}
Tensor conv2d_backward_input(const Tensor&, const Tensor&, const ConvGeom&, bool) {
  FB_FAIL("conv2d_backward_input: the vendor backend needs cuDNN, which this build did not find");
}
Tensor conv2d_backward_weight(const Tensor&, const Tensor&, const ConvGeom&, bool) {
  FB_FAIL("conv2d_backward_weight: the vendor backend needs cuDNN, which this build did not find");
}
#else

bool have_cudnn() { return true; }

namespace {

cudnnHandle_t handle() {
  static cudnnHandle_t h = [] {
    cudnnHandle_t r;
    FB_CUDNN_CHECK(cudnnCreate(&r));
    return r;
  }();
  FB_CUDNN_CHECK(cudnnSetStream(h, fb::cuda::stream()));
  return h;
}

struct Descs {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  Descs(const ConvGeom& g, DType dtype, bool tf32) {
    const cudnnDataType_t dt = dtype == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
    FB_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    FB_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    FB_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    FB_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    FB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NHWC, dt, int(g.N), int(g.C), int(g.H), int(g.W)));
    FB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NHWC, dt, int(g.N), int(g.O), int(g.OH), int(g.OW)));
    FB_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, dt, CUDNN_TENSOR_NHWC, int(g.O), int(g.C), int(g.KH), int(g.KW)));
    FB_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, int(g.p.pad_h), int(g.p.pad_w), int(g.p.stride_h),
                                                   int(g.p.stride_w), int(g.p.dilation_h), int(g.p.dilation_w),
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    const cudnnMathType_t math =
        dtype == DType::bf16 ? CUDNN_TENSOR_OP_MATH : (tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
    FB_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, math));
  }
  ~Descs() {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
  }
};

// The cache key: the pass, the geometry, dtype and math.
using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int>;
Key key(int pass, const ConvGeom& g, DType dt, bool tf32) {
  return {pass, g.N, g.H, g.W, g.C, g.O, g.KH, g.KW, g.p.stride_h, g.p.stride_w, g.p.pad_h, g.p.pad_w,
          g.p.dilation_h, g.p.dilation_w, int(dt) * 2 + int(tf32)};
}
struct Choice {
  int algo;
  size_t workspace;
  cudnnMathType_t math;
};
std::mutex g_mu;
std::map<Key, Choice> g_cache;

// Picks the fastest successful result of a cudnnFind* call.
template <typename Perf>
Choice best(const Perf* r, int n, const char* op) {
  for (int i = 0; i < n; ++i)
    if (r[i].status == CUDNN_STATUS_SUCCESS) return {static_cast<int>(r[i].algo), r[i].memory, r[i].mathType};
  FB_FAIL(op, ": cuDNN found no algorithm for this problem");
}

Tensor workspace(size_t bytes, Device d) { return Tensor::empty({int64_t(bytes ? bytes : 1)}, DType::u8, d); }

}  // namespace

Tensor conv2d_forward(const Tensor& x, const Tensor& w_oihw, const ConvGeom& g, bool tf32) {
  Descs d(g, x.dtype(), tf32);
  const Tensor w = w_oihw.permute({0, 2, 3, 1}).contiguous();
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.O}, x.dtype(), x.device());
  cudnnHandle_t h = handle();
  Choice c;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_cache.find(key(0, g, x.dtype(), tf32));
    if (it == g_cache.end()) {
      cudnnConvolutionFwdAlgoPerf_t r[8];
      int n = 0;
      FB_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(h, d.x, d.w, d.conv, d.y, 8, &n, r));
      it = g_cache.emplace(key(0, g, x.dtype(), tf32), best(r, n, "conv2d")).first;
    }
    c = it->second;
  }
  FB_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, c.math));
  Tensor ws = workspace(c.workspace, x.device());
  const float one = 1.f, zero = 0.f;
  FB_CUDNN_CHECK(cudnnConvolutionForward(h, &one, d.x, x.raw_data(), d.w, w.raw_data(), d.conv,
                                         static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), ws.raw_data(), c.workspace,
                                         &zero, d.y, y.raw_data()));
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w_oihw, const ConvGeom& g, bool tf32) {
  Descs d(g, dy.dtype(), tf32);
  const Tensor w = w_oihw.permute({0, 2, 3, 1}).contiguous();
  Tensor dx = Tensor::empty({g.N, g.H, g.W, g.C}, dy.dtype(), dy.device());
  cudnnHandle_t h = handle();
  Choice c;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_cache.find(key(1, g, dy.dtype(), tf32));
    if (it == g_cache.end()) {
      cudnnConvolutionBwdDataAlgoPerf_t r[8];
      int n = 0;
      FB_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(h, d.w, d.y, d.conv, d.x, 8, &n, r));
      it = g_cache.emplace(key(1, g, dy.dtype(), tf32), best(r, n, "conv2d_backward_input")).first;
    }
    c = it->second;
  }
  FB_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, c.math));
  Tensor ws = workspace(c.workspace, dy.device());
  const float one = 1.f, zero = 0.f;
  FB_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &one, d.w, w.raw_data(), d.y, dy.raw_data(), d.conv,
                                              static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), ws.raw_data(),
                                              c.workspace, &zero, d.x, dx.raw_data()));
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g, bool tf32) {
  Descs d(g, dy.dtype(), tf32);
  Tensor dw_ohwi = Tensor::empty({g.O, g.KH, g.KW, g.C}, dy.dtype(), dy.device());
  cudnnHandle_t h = handle();
  Choice c;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_cache.find(key(2, g, dy.dtype(), tf32));
    if (it == g_cache.end()) {
      cudnnConvolutionBwdFilterAlgoPerf_t r[8];
      int n = 0;
      FB_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(h, d.x, d.y, d.conv, d.w, 8, &n, r));
      it = g_cache.emplace(key(2, g, dy.dtype(), tf32), best(r, n, "conv2d_backward_weight")).first;
    }
    c = it->second;
  }
  FB_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, c.math));
  Tensor ws = workspace(c.workspace, dy.device());
  const float one = 1.f, zero = 0.f;
  FB_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, d.x, x.raw_data(), d.y, dy.raw_data(), d.conv,
                                                static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), ws.raw_data(),
                                                c.workspace, &zero, d.w, dw_ohwi.raw_data()));
  return dw_ohwi.permute({0, 3, 1, 2}).contiguous();  // OHWI -> OIHW
}

#endif

}  // namespace fb::kernels::cuda::vendor
