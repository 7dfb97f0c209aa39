// Fused optimizer steps on the GPU (kernels/cuda/optim.h). Each update kernel
// is a grid-stride loop applying the rule of kernels/optim_update.h to one
// element per iteration: every parameter, gradient and buffer element is read
// and written once.
//
// LARS's norms: each of a fixed number of blocks (a function of the size
// only, never of the device) sums its share of w^2 and g^2 in f64; one block
// then adds those partial sums in a fixed order and turns the two norms into
// the trust ratio, which the update kernel reads from device memory. No
// atomics, no host round trip.
#include <algorithm>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/optim.h"

namespace fb::kernels::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kNormBlocks = 1024;  // at most this many partial sums per norm
constexpr int kScaleThreads = 1024;    // the block that adds the partial sums

// Checks that t is a contiguous CUDA tensor shaped and typed like w, on w's device.
void check_like(const std::string& op, const char* name, const Tensor& t, const Tensor& w) {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device() == w.device(), op, ": ", name, " is on ", t.device().str(), ", the parameter on ",
           w.device().str());
  FB_CHECK(t.dtype() == w.dtype(), op, ": ", name, " has dtype ", dtype_name(t.dtype()), ", the parameter ",
           dtype_name(w.dtype()));
  FB_CHECK(t.shape() == w.shape(), op, ": ", name, " has shape ", shape_str(t.shape()), ", the parameter ",
           shape_str(w.shape()));
  FB_CHECK(t.is_contiguous(), op, ": ", name, " must be contiguous");
}

// Checks the parameter and makes its device current.
void check_param(const std::string& op, const Tensor& w) {
  FB_CHECK(w.defined() && w.device().is_cuda(), op, ": the parameter must be a CUDA tensor");
  FB_CHECK(w.dtype() == DType::f32 || w.dtype() == DType::f64, op, ": parameters must be f32 or f64, got ",
           dtype_name(w.dtype()));
  FB_CHECK(w.is_contiguous(), op, ": the parameter must be contiguous");
  fb::cuda::init();
  FB_CUDA_CHECK(cudaSetDevice(w.device().index));
}

template <typename F>
void dispatch_float(const Tensor& w, F&& f) {
  if (w.dtype() == DType::f32)
    f(float{});
  else
    f(double{});
}

template <typename T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// ---- update kernels ----------------------------------------------------------

template <typename T>
__global__ void sgd_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ b, int64_t n,
                           optim::SgdCoefficients<T> c) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x)
    optim::sgd_update(w[k], g[k], b ? b + k : nullptr, c);
}

template <typename T>
__global__ void adamw_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                             int64_t n, optim::AdamWCoefficients<T> c) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x)
    optim::adamw_update(w[k], g[k], m[k], v[k], c);
}

// trust_ratio: null when the parameter is not adapted (ratio 1).
template <typename T>
__global__ void lars_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ b, int64_t n,
                            optim::LarsCoefficients<T> c, const double* __restrict__ trust_ratio) {
  const T scale = static_cast<T>(trust_ratio ? trust_ratio[0] : 1.0);
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x)
    optim::lars_update(w[k], g[k], b[k], scale, c);
}

// ---- LARS norms ----------------------------------------------------------------

// Sums (x, y) over the block in f64; every thread gets the result. `scratch`
// holds one double2 per warp; ends with a barrier so it can be reused.
__device__ double2 block_sum2(double2 v, double2* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  for (int o = 16; o > 0; o >>= 1) {
    v.x += __shfl_xor_sync(0xffffffffu, v.x, o);
    v.y += __shfl_xor_sync(0xffffffffu, v.y, o);
  }
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  double2 r = lane < nwarps ? scratch[lane] : make_double2(0.0, 0.0);
  for (int o = 16; o > 0; o >>= 1) {
    r.x += __shfl_xor_sync(0xffffffffu, r.x, o);
    r.y += __shfl_xor_sync(0xffffffffu, r.y, o);
  }
  __syncthreads();
  return r;
}

// partial[block] = (sum w^2, sum g^2) over the block's grid-stride share.
template <typename T>
__global__ void sum_squares_kernel(const T* __restrict__ w, const T* __restrict__ g, int64_t n,
                                   double2* __restrict__ partial) {
  __shared__ double2 scratch[32];
  double2 s = make_double2(0.0, 0.0);
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x) {
    s.x += static_cast<double>(w[k]) * w[k];
    s.y += static_cast<double>(g[k]) * g[k];
  }
  s = block_sum2(s, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// One block: adds the partial sums, then trust_ratio[0] = the trust ratio of
// ||w|| = sqrt(sum w^2) and ||g|| = sqrt(sum g^2).
__global__ void trust_ratio_kernel(const double2* __restrict__ partial, int64_t parts, optim::LarsHyper h,
                                   double* __restrict__ trust_ratio) {
  __shared__ double2 scratch[32];
  double2 s = make_double2(0.0, 0.0);
  for (int64_t i = threadIdx.x; i < parts; i += blockDim.x) {
    s.x += partial[i].x;
    s.y += partial[i].y;
  }
  s = block_sum2(s, scratch);
  if (threadIdx.x == 0) trust_ratio[0] = optim::lars_trust_ratio(sqrt(s.x), sqrt(s.y), h);
}

}  // namespace

void sgd_step(const Tensor& w, const Tensor& g, const Tensor& momentum_buffer, const optim::SgdHyper& h) {
  const std::string op = "sgd_step";
  check_param(op, w);
  check_like(op, "gradient", g, w);
  if (h.momentum != 0) check_like(op, "momentum buffer", momentum_buffer, w);
  const int64_t n = w.numel();
  if (n == 0) return;
  const Tensor b = h.momentum != 0 ? momentum_buffer : Tensor();
  dispatch_float(w, [&](auto tag) {
    using T = decltype(tag);
    sgd_kernel<T><<<grid_for(n, kThreads), kThreads, 0, fb::cuda::stream()>>>(
        ptr<T>(w), ptr<T>(g), ptr<T>(b), n, optim::sgd_coefficients<T>(h));
  });
  FB_CUDA_CHECK_LAUNCH();
}

void adamw_step(const Tensor& w, const Tensor& g, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const optim::AdamWHyper& h) {
  const std::string op = "adamw_step";
  check_param(op, w);
  check_like(op, "gradient", g, w);
  check_like(op, "exp_avg", exp_avg, w);
  check_like(op, "exp_avg_sq", exp_avg_sq, w);
  const int64_t n = w.numel();
  if (n == 0) return;
  dispatch_float(w, [&](auto tag) {
    using T = decltype(tag);
    adamw_kernel<T><<<grid_for(n, kThreads), kThreads, 0, fb::cuda::stream()>>>(
        ptr<T>(w), ptr<T>(g), ptr<T>(exp_avg), ptr<T>(exp_avg_sq), n, optim::adamw_coefficients<T>(h));
  });
  FB_CUDA_CHECK_LAUNCH();
}

void lars_step(const Tensor& w, const Tensor& g, const Tensor& momentum_buffer, const optim::LarsHyper& h) {
  const std::string op = "lars_step";
  check_param(op, w);
  check_like(op, "gradient", g, w);
  check_like(op, "momentum buffer", momentum_buffer, w);
  const int64_t n = w.numel();
  if (n == 0) return;
  const cudaStream_t st = fb::cuda::stream();
  // Scratch for the norms; the caching allocator hands these blocks out again
  // only to later work on the same stream, after these kernels.
  Tensor partial, trust_ratio;
  if (h.adapt) {
    const int64_t parts = std::min<int64_t>((n + kThreads - 1) / kThreads, kNormBlocks);
    partial = Tensor::empty({parts, 2}, DType::f64, w.device());
    trust_ratio = Tensor::empty({1}, DType::f64, w.device());
    double2* p = reinterpret_cast<double2*>(partial.data<double>());
    dispatch_float(w, [&](auto tag) {
      using T = decltype(tag);
      sum_squares_kernel<T><<<static_cast<unsigned>(parts), kThreads, 0, st>>>(ptr<T>(w), ptr<T>(g), n, p);
    });
    FB_CUDA_CHECK_LAUNCH();
    trust_ratio_kernel<<<1, kScaleThreads, 0, st>>>(p, parts, h, trust_ratio.data<double>());
    FB_CUDA_CHECK_LAUNCH();
  }
  dispatch_float(w, [&](auto tag) {
    using T = decltype(tag);
    lars_kernel<T><<<grid_for(n, kThreads), kThreads, 0, st>>>(ptr<T>(w), ptr<T>(g), ptr<T>(momentum_buffer), n,
                                                               optim::lars_coefficients<T>(h),
                                                               h.adapt ? trust_ratio.data<double>() : nullptr);
  });
  FB_CUDA_CHECK_LAUNCH();
}

}  // namespace fb::kernels::cuda
