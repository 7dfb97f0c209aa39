#pragma once
// Shared pieces of the CUDA kernels: operand checks, launch sizes, warp and
// block reductions. Included by .cu files only.
#include <cuda_bf16.h>

#include <cstdint>
#include <string>

#include "kernels/ops.h"
#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"

namespace fb::kernels::cuda {

// Checks that t is defined, on a CUDA device and of dtype f32 (or bf16 when
// allowed); `like` must be on the same device.
inline void check_operand(const std::string& op, const char* name, const Tensor& t, bool allow_bf16 = false,
                          const Tensor* like = nullptr) {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device().is_cuda(), op, ": ", name, " is on ", t.device().str(),
           " but the other operands are on cuda (move it with .to(Device::cuda()))");
  FB_CHECK(t.dtype() == DType::f32 || (allow_bf16 && t.dtype() == DType::bf16), op, ": ", name, " has dtype ",
           dtype_name(t.dtype()), ", the CUDA kernels support f32", allow_bf16 ? " and bf16" : "");
  if (like) {
    FB_CHECK(t.device() == like->device(), op, ": ", name, " is on ", t.device().str(), ", expected ",
             like->device().str());
    FB_CHECK(t.dtype() == like->dtype(), op, ": ", name, " has dtype ", dtype_name(t.dtype()), ", expected ",
             dtype_name(like->dtype()));
  }
  fb::cuda::init();
  FB_CUDA_CHECK(cudaSetDevice(t.device().index));
}

inline float* fptr(const Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

// Blocks for a grid-stride loop over n elements.
inline int grid_for(int64_t n, int threads = 256) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return static_cast<int>(b > 65536 ? 65536 : b);
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum (or max) over the whole block; every thread gets the result. `scratch`
// holds one float per warp. Ends with a barrier so scratch can be reused.
template <bool kMax>
__device__ __forceinline__ float block_reduce(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  v = kMax ? warp_max(v) : warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float r = lane < nwarps ? scratch[lane] : (kMax ? -INFINITY : 0.f);
  r = kMax ? warp_max(r) : warp_sum(r);
  __syncthreads();
  return r;
}

}  // namespace fb::kernels::cuda
