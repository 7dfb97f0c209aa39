#pragma once
// Fast CPU (OpenMP) batch norm and layer norm on contiguous raw buffers;
// same contracts as kernels/ref/norm.h, instantiated for float and double.
//
// Per-channel sums over rows are reduced in a fixed number of row blocks
// whose partial sums are combined in block order, so results are bitwise
// identical for any thread count.
#include <cstdint>

namespace fb::kernels::cpu {

// With `residual` (may be null) and `relu`, the write pass produces
// y = relu(bn(x) + residual) instead of bn(x): one pass fewer over the
// activations (ResNet's bn-relu and bn-add-relu).
template <typename T>
void batch_norm_forward_train(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t C, double eps,
                              T* y, T* mean, T* invstd, const T* residual = nullptr, bool relu = false);
template <typename T>
void batch_norm_forward_eval(const T* x, const T* gamma, const T* beta, const T* running_mean,
                             const T* running_var, int64_t rows, int64_t C, double eps, T* y,
                             const T* residual = nullptr, bool relu = false);
// With relu_out (the fused forward's y; may be null) the incoming dy is first
// masked by relu_out > 0; the masked gradient is also written to dz (may be
// null), the gradient of the fused forward's residual.
template <typename T>
void batch_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* invstd, int64_t rows,
                         int64_t C, T* dx, T* dgamma, T* dbeta, const T* relu_out = nullptr, T* dz = nullptr);
template <typename T>
void layer_norm_forward(const T* x, const T* gamma, const T* beta, int64_t rows, int64_t D, double eps, T* y,
                        T* mean, T* rstd);
template <typename T>
void layer_norm_backward(const T* dy, const T* x, const T* gamma, const T* mean, const T* rstd, int64_t rows,
                         int64_t D, T* dx, T* dgamma, T* dbeta);

}  // namespace fb::kernels::cpu
