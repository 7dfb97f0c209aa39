#pragma once
// Fast CPU 2-D convolution, NHWC activations x OIHW weights (float, double).
// Pointwise (1x1, stride 1, no padding) convolutions are plain GEMMs over the
// NHWC rows; all others go through patch matrices (im2col / col2im) and the
// packed CPU GEMM. OpenMP over row tiles or images. Same contracts as the
// reference kernels of kernels/ref/conv.h; all buffers contiguous.
#include <cstdint>

#include "kernels/geometry.h"

namespace fb::kernels::cpu {

// y [N,OH,OW,O]; bias [O] or null.
template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);
// dx [N,H,W,C] from dy [N,OH,OW,O].
template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx);
// dw [O, C/groups, KH, KW] from dy and x.
template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* dy, const T* x, T* dw);
// db [O] = column sums of dy [rows, O].
template <typename T>
void conv2d_backward_bias(int64_t rows, int64_t O, const T* dy, T* db);

}  // namespace fb::kernels::cpu
