#pragma once
// Fast float convolution paths on NHWC activations (see conv_direct.cpp):
//   forward          direct-A micro-kernels over a zero-padded input copy
//   backward input   stride 1: the forward kernel on dy with flipped weights
//   backward weight  implicit GEMM dW = dy^T @ patches, patches packed
//                    straight from the padded input (no im2col matrix)
// Each returns false for geometries it does not cover (the caller then uses
// the im2col path of conv.cpp). Buffers contiguous; OIHW weights.
#include "kernels/geometry.h"

namespace fb::kernels::cpu {

bool conv2d_forward_direct(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y);
bool conv2d_backward_input_direct(const ConvGeom& g, const float* dy, const float* w, float* dx);
bool conv2d_backward_weight_implicit(const ConvGeom& g, const float* dy, const float* x, float* dw);

}  // namespace fb::kernels::cpu
