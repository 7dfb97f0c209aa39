#pragma once
// Differentiable operations. Each runs its kernel (kernels/ops.h or the raw
// tensor ops) and, when grad mode is on and an input requires grad, records a
// node whose backward calls the matching backward kernel.
//
// Layout: images are NHWC (channels last); conv weights OIHW as in PyTorch.
#include <vector>

#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace fb {

// ---- elementwise with broadcasting ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add_scalar(const Tensor& a, double s);
Tensor mul_scalar(const Tensor& a, double s);
Tensor pow_scalar(const Tensor& a, double p);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
// min(max(a, lo), hi); the gradient passes where lo < a < hi.
Tensor clamp(const Tensor& a, double lo, double hi);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add_scalar(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul_scalar(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul_scalar(a, s); }

// ---- reductions ----
Tensor sum(const Tensor& a, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, std::vector<int64_t> dims = {}, bool keepdim = false);

// ---- shape ----
Tensor reshape(const Tensor& a, const Shape& shape);
Tensor permute(const Tensor& a, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor cat(const std::vector<Tensor>& parts, int64_t dim);
Tensor contiguous(const Tensor& a);
Tensor nchw_to_nhwc(const Tensor& x);  // permute + contiguous
Tensor nhwc_to_nchw(const Tensor& x);
// Converts to `dtype`; the gradient is converted back to a's dtype.
Tensor cast(const Tensor& a, DType dtype);

// ---- linear algebra ----
// Under nn/autocast.h's AutocastGuard(DType::bf16), these and conv2d /
// conv_transpose2d compute f32 operands in bf16 and return f32.
Tensor matmul(const Tensor& a, const Tensor& b);  // [M,K] @ [K,N]
// x [..., in] @ weight[out, in]^T + bias[out] (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// ---- activations ----
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x);      // last dim
Tensor log_softmax(const Tensor& x);  // last dim
// x / max(||x||_2, eps) along the last dim.
Tensor l2_normalize(const Tensor& x, double eps = 1e-12);

// ---- convolution and pooling (NHWC) ----
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::Conv2dParams& p);
// weight [Cin, Cout/groups, KH, KW]; output_padding adds to the output size.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::Conv2dParams& p,
                        int64_t output_padding_h = 0, int64_t output_padding_w = 0);
Tensor max_pool2d(const Tensor& x, const kernels::Pool2dParams& p);
Tensor avg_pool2d(const Tensor& x, const kernels::Pool2dParams& p);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor upsample_bilinear2d(const Tensor& x, int64_t out_h, int64_t out_w, bool align_corners = false);

// ---- normalisation ----
// Training mode uses batch statistics and, when running_mean/var are given,
// updates them in place (momentum as in PyTorch, unbiased running variance).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// Training mode's relu(batch_norm(x) + residual) (residual may be undefined),
// one fused pass over the activations forward and backward on the CPU;
// running statistics updated as batch_norm does.
Tensor batch_norm_relu(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, double momentum = 0.1, double eps = 1e-5,
                       const Tensor& residual = Tensor());
// Evaluation mode's relu(batch_norm(x) + residual) with the running
// statistics: one fused pass on the CPU when no gradient is wanted
// (inference), the differentiable composition otherwise.
Tensor batch_norm_relu_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                            const Tensor& running_var, double eps = 1e-5, const Tensor& residual = Tensor());
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

// ---- losses ----
using kernels::Reduction;
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, double label_smoothing = 0.0,
                     int64_t ignore_index = -100, Reduction r = Reduction::Mean);
Tensor mse_loss(const Tensor& pred, const Tensor& target, Reduction r = Reduction::Mean);
Tensor l1_loss(const Tensor& pred, const Tensor& target, Reduction r = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& pred, const Tensor& target, double beta = 1.0, Reduction r = Reduction::Mean);
// Contrastive (InfoNCE) cross-entropy of a similarity matrix sim [N, M],
// fused (scale, mask, log-softmax and NLL in one pass per row):
//   mean_i -log softmax(sim[i, kept] / tau)[positive[i]],
// where row i keeps every column but excluded[i]. positive: i64 [N];
// excluded: undefined (keep all) or i64 [N], -1 for none. Gradient to sim
// only. See kernels/contrastive.h (MoCo's and SimCLR's forms).
Tensor contrastive_cross_entropy(const Tensor& sim, const Tensor& positive, const Tensor& excluded, double tau);

// ---- regularisation ----
// Identity when !training or p == 0; otherwise draws the mask from `gen`.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

}  // namespace fb
