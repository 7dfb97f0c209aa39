#pragma once
// Shared pieces of the CUDA kernels: operand checks, launch sizes, warp and
// block reductions. Included by .cu files only.
#include <cuda_bf16.h>

#include <cstdint>
#include <string>

#include "kernels/ops.h"
#include "tensor/cuda/block_reduce.cuh"
#include "tensor/cuda/check.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/runtime.h"

namespace fb::kernels::cuda {

// The checks every CUDA kernel makes of an operand, in this order: t is
// defined, on a CUDA device, of a dtype the kernel takes (dtype_ok; the
// message ends with `supported`), and on like's device with like's dtype when
// `like` is given. Then that device is made current.
inline void check_cuda_operand(const std::string& op, const char* name, const Tensor& t, const Tensor* like,
                               bool dtype_ok, const char* supported) {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device().is_cuda(), op, ": ", name, " is on ", t.device().str(),
           " but the other operands are on cuda (move it with .to(Device::cuda()))");
  FB_CHECK(dtype_ok, op, ": ", name, " has dtype ", dtype_name(t.dtype()), supported);
  if (like) {
    FB_CHECK(t.device() == like->device(), op, ": ", name, " is on ", t.device().str(), ", expected ",
             like->device().str());
    FB_CHECK(t.dtype() == like->dtype(), op, ": ", name, " has dtype ", dtype_name(t.dtype()), ", expected ",
             dtype_name(like->dtype()));
  }
  fb::cuda::init();
  FB_CUDA_CHECK(cudaSetDevice(t.device().index));
}

// Checks that t is defined, on a CUDA device and of dtype f32 (or bf16 when
// allowed); `like` must be on the same device.
inline void check_operand(const std::string& op, const char* name, const Tensor& t, bool allow_bf16 = false,
                          const Tensor* like = nullptr) {
  const bool ok = t.defined() && (t.dtype() == DType::f32 || (allow_bf16 && t.dtype() == DType::bf16));
  check_cuda_operand(op, name, t, like, ok,
                     allow_bf16 ? ", the CUDA kernels support f32 and bf16" : ", the CUDA kernels support f32");
}

inline float* fptr(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

// As check_operand, for the kernels that take f64 as well as f32 (layer norm,
// bilinear resampling, the point losses): the CPU's dtype message.
inline void check_float_operand(const std::string& op, const char* name, const Tensor& t,
                                const Tensor* like = nullptr) {
  const bool ok = t.defined() && (t.dtype() == DType::f32 || t.dtype() == DType::f64);
  check_cuda_operand(op, name, t, like, ok, ", only f32 and f64 are supported");
}

// Calls f(float{}) or f(double{}) for an f32 or f64 operand.
template <typename F>
void dispatch_f32_f64(DType t, F&& f) {
  if (t == DType::f64)
    f(double{});
  else
    f(float{});
}

// Typed element pointer, or null for an undefined (optional) operand.
template <typename T>
T* tptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// Blocks for a grid-stride loop over n elements (shared with tensor/cuda).
using ::fb::cuda::grid_for;

// The float reductions of the kernels, on the generic ones of tensor/cuda
// (same butterfly order, so the same bits as before).
__device__ __forceinline__ float warp_sum(float v) {
  return ::fb::cuda::warp_reduce(v, [](float a, float b) { return a + b; });
}
__device__ __forceinline__ float warp_max(float v) {
  return ::fb::cuda::warp_reduce(v, [](float a, float b) { return fmaxf(a, b); });
}

// Sum (or max) over the whole block; every thread gets the result. `scratch`
// holds one float per warp. Ends with a barrier so scratch can be reused.
template <bool kMax>
__device__ __forceinline__ float block_reduce(float v, float* scratch) {
  if (kMax) return ::fb::cuda::block_reduce(v, [](float a, float b) { return fmaxf(a, b); }, -INFINITY, scratch);
  return ::fb::cuda::block_reduce(v, [](float a, float b) { return a + b; }, 0.f, scratch);
}

}  // namespace fb::kernels::cuda
