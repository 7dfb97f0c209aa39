#pragma once
// Error checking for CUDA runtime calls, for .cu files only (includes the CUDA
// headers). A failing call throws fb::Error naming the error, the call and
// where it was made:
//   CUDA error 2 (cudaErrorMemoryAllocation: out of memory) in cudaMalloc(&p, n) at tensor/cuda/allocator.cu:80
// FB_CUDA_CHECK_LAUNCH() after a kernel launch catches bad launch
// configurations at once; with FB_CUDA_SYNC_CHECKS defined (debug builds) it
// also synchronises, so a fault is reported by the kernel that caused it.
#include <cuda_runtime.h>

#include "tensor/cuda/runtime.h"
#include "tensor/error.h"

namespace fb::cuda::detail {
[[noreturn]] void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line);
}  // namespace fb::cuda::detail

#define FB_CUDA_CHECK(call)                                                            \
  do {                                                                                 \
    cudaError_t fb_err_ = (call);                                                      \
    if (fb_err_ != cudaSuccess) ::fb::cuda::detail::throw_cuda_error(fb_err_, #call, __FILE__, __LINE__); \
  } while (0)

#if !defined(NDEBUG) && !defined(FB_CUDA_SYNC_CHECKS)
#define FB_CUDA_SYNC_CHECKS 1
#endif

#ifdef FB_CUDA_SYNC_CHECKS
#define FB_CUDA_CHECK_LAUNCH()                     \
  do {                                             \
    FB_CUDA_CHECK(cudaGetLastError());             \
    FB_CUDA_CHECK(cudaDeviceSynchronize());        \
  } while (0)
#else
#define FB_CUDA_CHECK_LAUNCH() FB_CUDA_CHECK(cudaGetLastError())
#endif

namespace fb::cuda {
// The current stream as a cudaStream_t (see runtime.h).
inline cudaStream_t stream() { return static_cast<cudaStream_t>(current_stream()); }
// Registers the allocator with tensor/ (allocator.cu) and the copy hook (copy.cu).
void register_allocator();
void register_copy();
}  // namespace fb::cuda
