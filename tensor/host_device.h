#pragma once
// FB_HOST_DEVICE marks the pieces of code that are plain C++ and that nvcc
// also compiles for the device (random-number generation, optimizer update
// arithmetic, the CUDA kernels' index arithmetic), so that the CPU and the
// GPU run the very same code and the CPU tests can check it. Functions
// marked with it outside a class also say `inline`.
#if defined(__CUDACC__)
#define FB_HOST_DEVICE __host__ __device__
#else
#define FB_HOST_DEVICE
#endif
