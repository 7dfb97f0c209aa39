#pragma once
// CUDA implementations of the kernel API of kernels/ops.h (and of
// kernels/contrastive.h), for CUDA tensors.
// The dispatch functions of kernels/<op>.cpp call these when an operand lives
// on a CUDA device; each checks its own arguments with the same messages.
// Supported dtypes: f32 everywhere; bf16 for matmul and convolution (f32
// accumulation); f64 too for layer norm, bilinear resampling, the point
// losses and the dropout mask. GEMM and convolution follow
// kernels/cuda/backend.h's choice of own kernels or cuBLAS/cuDNN. Plain C++:
// no CUDA headers.
#include <tuple>

#include "kernels/ops.h"

namespace fb::kernels::cuda {

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);

Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& p);
Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& p);
Tensor conv2d_backward_bias(const Tensor& dy);

std::tuple<Tensor, Tensor> max_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& indices, const Shape& x_shape);
Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dParams& p);
Tensor adaptive_avg_pool2d_forward(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& dy, const Shape& x_shape);
Tensor upsample_bilinear2d_forward(const Tensor& x, int64_t out_h, int64_t out_w, bool align_corners);
Tensor upsample_bilinear2d_backward(const Tensor& dy, const Shape& x_shape, bool align_corners);

std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor& x, const Tensor& gamma,
                                                            const Tensor& beta, double eps);
Tensor batch_norm_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                               const Tensor& running_var, double eps);
std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                       const Tensor& mean, const Tensor& invstd);
// The fused y = relu(batch_norm(x) + residual) of kernels/ops.h (residual may
// be undefined), in one normalising pass; backward masks dy by y > 0.
std::tuple<Tensor, Tensor, Tensor> batch_norm_relu_forward_train(const Tensor& x, const Tensor& gamma,
                                                                 const Tensor& beta, double eps,
                                                                 const Tensor& residual);
Tensor batch_norm_relu_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, double eps,
                                    const Tensor& residual);
std::tuple<Tensor, Tensor, Tensor, Tensor> batch_norm_relu_backward(const Tensor& dy, const Tensor& y,
                                                                    const Tensor& x, const Tensor& gamma,
                                                                    const Tensor& mean, const Tensor& invstd,
                                                                    bool want_dz);
std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                                      double eps);
std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                       const Tensor& mean, const Tensor& rstd);

Tensor activation_forward(Activation a, const Tensor& x);
Tensor activation_backward(Activation a, const Tensor& dy, const Tensor& x);

Tensor softmax_forward(const Tensor& x);
Tensor log_softmax_forward(const Tensor& x);
Tensor softmax_backward(const Tensor& dy, const Tensor& y);
Tensor log_softmax_backward(const Tensor& dy, const Tensor& y);
Tensor cross_entropy_forward(const Tensor& logits, const Tensor& labels, double label_smoothing,
                             int64_t ignore_index, Reduction r);
Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const Tensor& labels,
                              double label_smoothing, int64_t ignore_index, Reduction r);
Tensor point_loss_forward(PointLoss kind, const Tensor& pred, const Tensor& target, double beta, Reduction r);
Tensor point_loss_backward(PointLoss kind, const Tensor& dloss, const Tensor& pred, const Tensor& target,
                           double beta, Reduction r);

// The mask of kernels::dropout_mask drawn on `device` (a CUDA device); equal
// to the CPU's mask for the same (seed, offset), bit for bit.
Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, uint64_t offset, DType dtype, Device device);

Tensor sinkhorn(const Tensor& scores, double eps, int iters);
// The index tensors (positive, excluded: i64 on sim's device, excluded may be
// undefined) arrive validated by kernels/contrastive.cpp, which checks them on
// the host; these check the float operands only.
std::tuple<Tensor, Tensor, Tensor> contrastive_cross_entropy_forward(const Tensor& sim, const Tensor& positive,
                                                                     const Tensor& excluded, double tau);
Tensor contrastive_cross_entropy_backward(const Tensor& dloss, const Tensor& sim, const Tensor& positive,
                                          const Tensor& excluded, double tau, const Tensor& row_max,
                                          const Tensor& row_log_sum);

}  // namespace fb::kernels::cuda
