// Layer norm over the last dim of a tensor viewed as [rows, D], f32 and f64.
// All arithmetic is in f64, as in the CPU kernel (kernels/cpu/norm.cpp): an
// f32 row with a large mean keeps its precision (the f32 sum of 1000 values
// near 100 alone would move y by ~1e-5), and the results are the CPU's up to
// the order of the sums. The op is bandwidth-bound and sm_90 runs f64 at half
// the f32 rate, so the doubles cost little.
//
// Forward: one block per row (a block-stride loop over the row, so the reads
// are coalesced). Two passes for the statistics, as on the CPU: the mean,
// then the mean squared deviation from it (exact centring); the row is still
// in L1/L2 for the second pass and the write.
// Backward: dx needs two sums per row, sum(g) and sum(g * xhat) with
// g = dy * gamma, again one block per row:
//   dx = rstd / D * (D g - sum g - xhat * sum g xhat).
// dgamma = sum_rows dy * xhat and dbeta = sum_rows dy are sums over rows per
// feature: column_sums (per-block partial sums added in a fixed order), so
// they are the same bits run to run; no atomics.
#include <algorithm>

#include "kernels/cuda/column_reduce.cuh"
#include "kernels/cuda/ops.h"

namespace fb::kernels::cuda {
namespace {

// At most this many blocks; rows beyond them are taken by a grid-stride loop.
constexpr int64_t kMaxRowBlocks = 65536;

// Threads per row: a multiple of 32 (the block reduction needs whole warps),
// no more than the row has elements up to 256.
int threads_for(int64_t D) {
  if (D <= 32) return 32;
  if (D <= 64) return 64;
  if (D <= 128) return 128;
  return 256;
}

// Sum over the block; every thread gets it. Ends with a barrier (scratch reusable).
__device__ __forceinline__ double block_sum(double v, double* scratch) {
  return ::fb::cuda::block_reduce(v, [](double a, double b) { return a + b; }, 0.0, scratch);
}

template <typename T>
__global__ void layer_norm_forward_kernel(const T* __restrict__ x, const T* __restrict__ gamma,
                                          const T* __restrict__ beta, int64_t rows, int64_t D, double eps,
                                          T* __restrict__ y, T* __restrict__ mean, T* __restrict__ rstd) {
  __shared__ double scratch[32];
  const double Dd = static_cast<double>(D);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * D;
    T* yr = y + r * D;
    double s = 0;
    for (int64_t j = threadIdx.x; j < D; j += blockDim.x) s += static_cast<double>(xr[j]);
    const double m = block_sum(s, scratch) / Dd;
    double ss = 0;
    for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const double d = static_cast<double>(xr[j]) - m;
      ss += d * d;
    }
    const double rs = 1.0 / sqrt(block_sum(ss, scratch) / Dd + eps);
    for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const double g = gamma ? static_cast<double>(gamma[j]) : 1.0, b = beta ? static_cast<double>(beta[j]) : 0.0;
      yr[j] = static_cast<T>((static_cast<double>(xr[j]) - m) * rs * g + b);
    }
    if (threadIdx.x == 0) {
      mean[r] = static_cast<T>(m);
      rstd[r] = static_cast<T>(rs);
    }
  }
}

template <typename T>
__global__ void layer_norm_backward_dx_kernel(const T* __restrict__ dy, const T* __restrict__ x,
                                              const T* __restrict__ gamma, const T* __restrict__ mean,
                                              const T* __restrict__ rstd, int64_t rows, int64_t D,
                                              T* __restrict__ dx) {
  __shared__ double scratch[32];
  const double Dd = static_cast<double>(D);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* dyr = dy + r * D;
    const T* xr = x + r * D;
    T* dxr = dx + r * D;
    const double m = static_cast<double>(mean[r]), rs = static_cast<double>(rstd[r]);
    double sg = 0, sgx = 0;
    for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const double g = static_cast<double>(dyr[j]) * (gamma ? static_cast<double>(gamma[j]) : 1.0);
      sg += g;
      sgx += g * ((static_cast<double>(xr[j]) - m) * rs);
    }
    sg = block_sum(sg, scratch);
    sgx = block_sum(sgx, scratch);
    for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      const double g = static_cast<double>(dyr[j]) * (gamma ? static_cast<double>(gamma[j]) : 1.0);
      const double xhat = (static_cast<double>(xr[j]) - m) * rs;
      dxr[j] = static_cast<T>(rs / Dd * (Dd * g - sg - xhat * sgx));
    }
  }
}

// (dy * xhat, dy) at (row, feature) in f64: the terms of dgamma and dbeta.
template <typename T>
struct ParamGradTerms {
  const T* dy;
  const T* x;
  const T* mean;
  const T* rstd;
  int64_t D;
  __device__ double2 operator()(int64_t r, int64_t j) const {
    const double g = static_cast<double>(dy[r * D + j]);
    const double xhat = (static_cast<double>(x[r * D + j]) - static_cast<double>(mean[r])) *
                        static_cast<double>(rstd[r]);
    return make_double2(g * xhat, g);
  }
};

template <typename T>
__global__ void split_pairs(const double2* __restrict__ sums, int64_t D, T* __restrict__ dgamma,
                            T* __restrict__ dbeta) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= D) return;
  dgamma[j] = static_cast<T>(sums[j].x);
  dbeta[j] = static_cast<T>(sums[j].y);
}

// gamma and beta are [D] (the CPU's message).
void check_feature_vector(const char* op, const char* name, const Tensor& v, const Tensor& x, int64_t D) {
  check_float_operand(op, name, v, &x);
  FB_CHECK(v.dim() == 1 && v.size(0) == D, op, ": x has ", D, " features but ", name, " has ",
           v.dim() == 1 ? v.size(0) : v.numel(), " (x ", shape_str(x.shape()), ", ", name, " ",
           shape_str(v.shape()), ")");
}

Tensor contig(const Tensor& t) { return t.defined() ? t.contiguous() : Tensor(); }

int row_blocks(int64_t rows) { return static_cast<int>(std::min(rows, kMaxRowBlocks)); }

}  // namespace

std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x_, const Tensor& gamma_, const Tensor& beta_,
                                                      double eps) {
  const char* op = "layer_norm";
  check_float_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x_.shape()));
  const int64_t D = x_.size(-1), rows = D ? x_.numel() / D : 0;
  FB_CHECK(D > 0, op, ": the normalised (last) dim of x is empty, x ", shape_str(x_.shape()));
  if (gamma_.defined()) check_feature_vector(op, "gamma", gamma_, x_, D);
  if (beta_.defined()) check_feature_vector(op, "beta", beta_, x_, D);
  FB_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  const Tensor x = x_.contiguous(), gamma = contig(gamma_), beta = contig(beta_);
  const Device dev = x.device();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), dev), mean = Tensor::empty({rows}, x.dtype(), dev),
         rstd = Tensor::empty({rows}, x.dtype(), dev);
  if (rows == 0) return {y, mean, rstd};
  dispatch_f32_f64(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    layer_norm_forward_kernel<T><<<row_blocks(rows), threads_for(D), 0, fb::cuda::stream()>>>(
        tptr<T>(x), tptr<T>(gamma), tptr<T>(beta), rows, D, eps, tptr<T>(y), tptr<T>(mean),
        tptr<T>(rstd));
  });
  FB_CUDA_CHECK_LAUNCH();
  return {y, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& dy_, const Tensor& x_, const Tensor& gamma_,
                                                       const Tensor& mean_, const Tensor& rstd_) {
  const char* op = "layer_norm_backward";
  check_float_operand(op, "x", x_);
  FB_CHECK(x_.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x_.shape()));
  check_float_operand(op, "dy", dy_, &x_);
  FB_CHECK(dy_.shape() == x_.shape(), op, ": dy ", shape_str(dy_.shape()), " and x ", shape_str(x_.shape()),
           " differ in shape");
  const int64_t D = x_.size(-1), rows = D ? x_.numel() / D : 0;
  FB_CHECK(D > 0, op, ": the normalised (last) dim of x is empty, x ", shape_str(x_.shape()));
  if (gamma_.defined()) check_feature_vector(op, "gamma", gamma_, x_, D);
  check_float_operand(op, "mean", mean_, &x_);
  check_float_operand(op, "rstd", rstd_, &x_);
  FB_CHECK(mean_.numel() == rows && rstd_.numel() == rows, op, ": x has ", rows, " rows but mean has ",
           mean_.numel(), " and rstd ", rstd_.numel(), " values (x ", shape_str(x_.shape()), ", mean ",
           shape_str(mean_.shape()), ", rstd ", shape_str(rstd_.shape()), ")");
  const Tensor dy = dy_.contiguous(), x = x_.contiguous(), gamma = contig(gamma_), mean = mean_.contiguous(),
               rstd = rstd_.contiguous();
  const Device dev = x.device();
  const DType dt = x.dtype();
  Tensor dx = Tensor::empty(x.shape(), dt, dev), dgamma = Tensor::empty({D}, dt, dev),
         dbeta = Tensor::empty({D}, dt, dev), sums = Tensor::empty({D, 2}, DType::f64, dev);
  const cudaStream_t st = fb::cuda::stream();
  dispatch_f32_f64(dt, [&](auto tag) {
    using T = decltype(tag);
    if (rows > 0) {
      layer_norm_backward_dx_kernel<T><<<row_blocks(rows), threads_for(D), 0, st>>>(
          tptr<T>(dy), tptr<T>(x), tptr<T>(gamma), tptr<T>(mean), tptr<T>(rstd), rows, D, tptr<T>(dx));
      FB_CUDA_CHECK_LAUNCH();
    }
    // With no rows the partial sums are zeros: dgamma = dbeta = 0, as on the CPU.
    double2* s = reinterpret_cast<double2*>(sums.data<double>());
    column_sums(ParamGradTerms<T>{tptr<T>(dy), tptr<T>(x), tptr<T>(mean), tptr<T>(rstd), D}, rows, D, s, dev);
    split_pairs<T><<<static_cast<int>((D + 255) / 256), 256, 0, st>>>(s, D, tptr<T>(dgamma), tptr<T>(dbeta));
    FB_CUDA_CHECK_LAUNCH();
  });
  return {dx, dgamma, dbeta};
}

}  // namespace fb::kernels::cuda
