#pragma once
// FB_HOST_DEVICE marks the small pieces of CUDA kernel code that are plain
// C++ as well, so that the CPU tests can run them (index arithmetic).
#if defined(__CUDACC__)
#define FB_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define FB_HOST_DEVICE inline
#endif
