#pragma once
// Error checks for cuBLAS and cuDNN calls, same style as FB_CUDA_CHECK:
//   cuBLAS error 7 (CUBLAS_STATUS_INVALID_VALUE) in cublasGemmEx(...) at kernels/cuda/vendor/cublas_gemm.cu:40
#include <cublas_v2.h>

#include "tensor/error.h"

namespace fb::kernels::cuda::vendor {
inline const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS_UNKNOWN";
  }
}
}  // namespace fb::kernels::cuda::vendor

#define FB_CUBLAS_CHECK(call)                                                                              \
  do {                                                                                                     \
    cublasStatus_t fb_st_ = (call);                                                                        \
    if (fb_st_ != CUBLAS_STATUS_SUCCESS)                                                                   \
      FB_FAIL("cuBLAS error ", static_cast<int>(fb_st_), " (", ::fb::kernels::cuda::vendor::cublas_status_name(fb_st_), \
              ") in ", #call, " at ", __FILE__, ":", __LINE__);                                            \
  } while (0)

#define FB_CUDNN_CHECK(call)                                                                          \
  do {                                                                                                \
    cudnnStatus_t fb_st_ = (call);                                                                    \
    if (fb_st_ != CUDNN_STATUS_SUCCESS)                                                               \
      FB_FAIL("cuDNN error ", static_cast<int>(fb_st_), " (", cudnnGetErrorString(fb_st_), ") in ", #call, " at ", \
              __FILE__, ":", __LINE__);                                                               \
  } while (0)
