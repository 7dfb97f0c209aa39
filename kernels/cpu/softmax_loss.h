#pragma once
// Fast CPU (OpenMP) softmax, log-softmax, cross-entropy and pointwise losses
// on contiguous raw buffers; same contracts as kernels/ref/softmax_loss.h,
// instantiated for float and double. Rows are spread over threads; reduced
// losses add per-sample (or per-block) partials in a fixed order, so results
// do not depend on the thread count.
#include <cstdint>

#include "kernels/ops.h"

namespace fb::kernels::cpu {

template <typename T>
void softmax_forward(const T* x, int64_t rows, int64_t C, T* y);
template <typename T>
void log_softmax_forward(const T* x, int64_t rows, int64_t C, T* y);
template <typename T>
void softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx);
template <typename T>
void log_softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx);

template <typename T>
void cross_entropy_forward(const T* logits, const int64_t* labels, int64_t N, int64_t C, double eps,
                           int64_t ignore_index, Reduction red, T* out);
template <typename T>
void cross_entropy_backward(const T* dloss, const T* logits, const int64_t* labels, int64_t N, int64_t C,
                            double eps, int64_t ignore_index, Reduction red, T* dlogits);

template <typename T>
void point_loss_forward(PointLoss k, const T* pred, const T* target, int64_t n, double beta, Reduction red, T* out);
template <typename T>
void point_loss_backward(PointLoss k, const T* dloss, const T* pred, const T* target, int64_t n, double beta,
                         Reduction red, T* dpred);

}  // namespace fb::kernels::cpu
