#pragma once
// Fast CPU pooling and bilinear resampling on NHWC tensors (float, double).
// Forward kernels run OpenMP over (image, output row) with the channel loop
// innermost (contiguous, vectorisable); backward kernels scatter within one
// image per thread. Same contracts as kernels/ref/pool.h; buffers contiguous.
#include <cstdint>

#include "kernels/geometry.h"

namespace fb::kernels::cpu {

template <typename T>
void max_pool2d_forward(const PoolGeom& g, const T* x, T* y, int64_t* idx);
template <typename T>
void max_pool2d_backward(const PoolGeom& g, const T* dy, const int64_t* idx, T* dx);
template <typename T>
void avg_pool2d_forward(const PoolGeom& g, const T* x, T* y);
template <typename T>
void avg_pool2d_backward(const PoolGeom& g, const T* dy, T* dx);
template <typename T>
void adaptive_avg_pool2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* x,
                                 T* y);
template <typename T>
void adaptive_avg_pool2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* dy,
                                  T* dx);
template <typename T>
void upsample_bilinear2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                 bool align_corners, const T* x, T* y);
template <typename T>
void upsample_bilinear2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                  bool align_corners, const T* dy, T* dx);

}  // namespace fb::kernels::cpu
