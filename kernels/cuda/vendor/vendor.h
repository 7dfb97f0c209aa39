#pragma once
// cuBLAS and cuDNN wrappers: the expert baselines behind CudaBackend::Vendor.
// Same operand conventions as the own kernels (row-major GEMM; NHWC
// activations, OIHW weights). Plain C++ declarations.
#include "kernels/ops.h"

namespace fb::kernels::cuda::vendor {

// C[M,N] = op(A) op(B), row-major; A is [M,K] (or [K,M] when ta), B is [K,N]
// (or [N,K] when tb). dtype f32 or bf16; tf32 allows TF32 tensor cores for f32.
void gemm(bool ta, bool tb, int M, int N, int K, DType dtype, bool tf32, const void* A, const void* B, void* C);

bool have_cudnn();
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const ConvGeom& g, bool tf32);
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const ConvGeom& g, bool tf32);
Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const ConvGeom& g, bool tf32);

}  // namespace fb::kernels::cuda::vendor
