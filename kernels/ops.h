#pragma once
// Tensor-level kernel entry points. Each checks its arguments (errors name the
// op and the shapes), then runs the reference, CPU or CUDA implementation for
// the tensors' device and dtype (f32 and f64 on the CPU). No autograd here:
// nn/functional.h wraps these into differentiable ops.
//
// Layout conventions: activations NHWC; conv weights OIHW; transposed-conv
// weights [Cin, Cout/groups, KH, KW] (PyTorch's); "channel" ops such as batch
// norm act on the last dimension; softmax-like ops on the last dimension.
#include <tuple>

#include "kernels/geometry.h"
#include "tensor/tensor.h"

namespace fb::kernels {

// ---- GEMM ------------------------------------------------------------------
// C = op(A) @ op(B), A [M,K] (or [K,M] when trans_a), B [K,N] (or [N,K]).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// ---- convolution (NHWC x OIHW) ----------------------------------------------
ConvGeom conv_geometry(const Shape& x, const Shape& w, const Conv2dParams& p, const char* op = "conv2d");
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dParams& p);
Tensor conv2d_backward_weight(const Tensor& dy, const Tensor& x, const Shape& w_shape, const Conv2dParams& p);
// Sum of dy over N, H, W: the bias gradient.
Tensor conv2d_backward_bias(const Tensor& dy);

// ---- pooling and resampling (NHWC) ------------------------------------------
PoolGeom pool_geometry(const Shape& x, const Pool2dParams& p, const char* op);
// Returns y and, per output element, the flat index (h*W + w) of the max.
std::tuple<Tensor, Tensor> max_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& indices, const Shape& x_shape);
Tensor avg_pool2d_forward(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dParams& p);
Tensor adaptive_avg_pool2d_forward(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& dy, const Shape& x_shape);
Tensor upsample_bilinear2d_forward(const Tensor& x, int64_t out_h, int64_t out_w, bool align_corners);
Tensor upsample_bilinear2d_backward(const Tensor& dy, const Shape& x_shape, bool align_corners);

// ---- normalisation (channel = last dim) -------------------------------------
// Training mode: statistics over all but the last dim. Returns y, the batch
// mean and the inverse std 1/sqrt(var_biased + eps) per channel.
std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor& x, const Tensor& gamma,
                                                            const Tensor& beta, double eps);
Tensor batch_norm_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                               const Tensor& running_var, double eps);
// Gradients of the training-mode forward: dx, dgamma, dbeta.
std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                       const Tensor& mean, const Tensor& invstd);
// Training-mode batch norm, then an optional residual add, then ReLU:
// y = relu(bn(x) + residual) (residual may be undefined), in one pass over the
// activations on the CPU. Returns y, mean, invstd as batch_norm_forward_train.
std::tuple<Tensor, Tensor, Tensor> batch_norm_relu_forward_train(const Tensor& x, const Tensor& gamma,
                                                                 const Tensor& beta, double eps,
                                                                 const Tensor& residual);
// Evaluation mode's relu(bn(x) + residual) with the running statistics, in
// one pass on the CPU (CUDA and the reference compose the separate ops). No
// backward: for inference (the caller composes differentiable ops otherwise).
Tensor batch_norm_relu_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& running_mean, const Tensor& running_var, double eps,
                                    const Tensor& residual);
// Its gradients from the output y: dz = dy where y > 0 (else 0) is the
// gradient of bn(x) + residual; returns dx, dgamma, dbeta and dz (undefined
// unless want_dz: the residual's gradient).
std::tuple<Tensor, Tensor, Tensor, Tensor> batch_norm_relu_backward(const Tensor& dy, const Tensor& y,
                                                                    const Tensor& x, const Tensor& gamma,
                                                                    const Tensor& mean, const Tensor& invstd,
                                                                    bool want_dz);
// Layer norm over the last dim: y, mean [rows], rstd [rows].
std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                                      double eps);
std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                                       const Tensor& mean, const Tensor& rstd);

// ---- activations --------------------------------------------------------------
enum class Activation { Relu, Gelu, Sigmoid, Tanh };
Tensor activation_forward(Activation a, const Tensor& x);
// dx from dy; `x` is the forward input.
Tensor activation_backward(Activation a, const Tensor& dy, const Tensor& x);

// ---- softmax and losses -------------------------------------------------------
Tensor softmax_forward(const Tensor& x);      // over the last dim
Tensor log_softmax_forward(const Tensor& x);  // over the last dim
Tensor softmax_backward(const Tensor& dy, const Tensor& y);      // y = softmax output
Tensor log_softmax_backward(const Tensor& dy, const Tensor& y);  // y = log_softmax output

enum class Reduction { None, Mean, Sum };
// logits [N, C], labels i64 [N]; labels equal to ignore_index contribute
// nothing (and the mean is over the others). Label smoothing as in PyTorch.
Tensor cross_entropy_forward(const Tensor& logits, const Tensor& labels, double label_smoothing,
                             int64_t ignore_index, Reduction r);
// dlogits given the gradient of the (reduced or per-sample) loss.
Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const Tensor& labels,
                              double label_smoothing, int64_t ignore_index, Reduction r);

enum class PointLoss { Mse, L1, SmoothL1 };
// "mse_loss", "l1_loss", "smooth_l1_loss": the op's name in error messages.
const char* point_loss_name(PointLoss kind);
// Elementwise regression losses between pred and target (same shape);
// `beta` is smooth-L1's threshold.
Tensor point_loss_forward(PointLoss kind, const Tensor& pred, const Tensor& target, double beta, Reduction r);
// d(loss)/d(pred); d/d(target) is its negative.
Tensor point_loss_backward(PointLoss kind, const Tensor& dloss, const Tensor& pred, const Tensor& target,
                           double beta, Reduction r);

// ---- dropout ------------------------------------------------------------------
// mask[i] = 1/(1-p) with probability 1-p else 0; element i uses 32-bit word
// i % 4 of Philox(counter offset + i / 4, key seed), so a mask of n elements
// needs ceil(n / 4) counters (Generator::advance((n + 3) / 4)). The mask is
// made on `device`: a CUDA mask is drawn there, equal bit for bit to the CPU's.
Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, uint64_t offset, DType dtype,
                    Device device = Device::cpu());

}  // namespace fb::kernels
