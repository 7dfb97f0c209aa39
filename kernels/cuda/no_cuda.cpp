// The CUDA kernels of a build without CUDA: the same API, each entry throws.
// (No CUDA tensor can exist in such a build, so these are never reached
// through the dispatch functions.)
#ifndef FB_HAVE_CUDA
#include "kernels/cuda/ops.h"
#include "kernels/cuda/optim.h"

namespace fb::kernels::cuda {
namespace {
[[noreturn]] void no_cuda(const char* op) { FB_FAIL(op, ": this build of facebench has no CUDA backend"); }
}  // namespace

Tensor matmul(const Tensor&, const Tensor&, bool, bool) { no_cuda("matmul"); }
Tensor conv2d_forward(const Tensor&, const Tensor&, const Tensor&, const Conv2dParams&) { no_cuda("conv2d"); }
Tensor conv2d_backward_input(const Tensor&, const Tensor&, const Shape&, const Conv2dParams&) {
  no_cuda("conv2d_backward_input");
}
Tensor conv2d_backward_weight(const Tensor&, const Tensor&, const Shape&, const Conv2dParams&) {
  no_cuda("conv2d_backward_weight");
}
Tensor conv2d_backward_bias(const Tensor&) { no_cuda("conv2d_backward_bias"); }
std::tuple<Tensor, Tensor> max_pool2d_forward(const Tensor&, const Pool2dParams&) { no_cuda("max_pool2d"); }
Tensor max_pool2d_backward(const Tensor&, const Tensor&, const Shape&) { no_cuda("max_pool2d_backward"); }
Tensor avg_pool2d_forward(const Tensor&, const Pool2dParams&) { no_cuda("avg_pool2d"); }
Tensor avg_pool2d_backward(const Tensor&, const Shape&, const Pool2dParams&) { no_cuda("avg_pool2d_backward"); }
Tensor adaptive_avg_pool2d_forward(const Tensor&, int64_t, int64_t) { no_cuda("adaptive_avg_pool2d"); }
Tensor adaptive_avg_pool2d_backward(const Tensor&, const Shape&) { no_cuda("adaptive_avg_pool2d_backward"); }
Tensor upsample_bilinear2d_forward(const Tensor&, int64_t, int64_t, bool) { no_cuda("upsample_bilinear2d"); }
Tensor upsample_bilinear2d_backward(const Tensor&, const Shape&, bool) { no_cuda("upsample_bilinear2d_backward"); }
std::tuple<Tensor, Tensor, Tensor> batch_norm_forward_train(const Tensor&, const Tensor&, const Tensor&, double) {
  no_cuda("batch_norm");
}
Tensor batch_norm_forward_eval(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, double) {
  no_cuda("batch_norm");
}
std::tuple<Tensor, Tensor, Tensor> batch_norm_relu_forward_train(const Tensor&, const Tensor&, const Tensor&, double,
                                                                 const Tensor&) {
  no_cuda("batch_norm_relu");
}
Tensor batch_norm_relu_forward_eval(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&, double,
                                    const Tensor&) {
  no_cuda("batch_norm_relu");
}
std::tuple<Tensor, Tensor, Tensor, Tensor> batch_norm_relu_backward(const Tensor&, const Tensor&, const Tensor&,
                                                                    const Tensor&, const Tensor&, const Tensor&,
                                                                    bool) {
  no_cuda("batch_norm_relu_backward");
}
std::tuple<Tensor, Tensor, Tensor> batch_norm_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                                       const Tensor&) {
  no_cuda("batch_norm_backward");
}
std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor&, const Tensor&, const Tensor&, double) {
  no_cuda("layer_norm");
}
std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                                       const Tensor&) {
  no_cuda("layer_norm_backward");
}
Tensor activation_forward(Activation, const Tensor&) { no_cuda("activation"); }
Tensor activation_backward(Activation, const Tensor&, const Tensor&) { no_cuda("activation_backward"); }
Tensor softmax_forward(const Tensor&) { no_cuda("softmax"); }
Tensor log_softmax_forward(const Tensor&) { no_cuda("log_softmax"); }
Tensor softmax_backward(const Tensor&, const Tensor&) { no_cuda("softmax_backward"); }
Tensor log_softmax_backward(const Tensor&, const Tensor&) { no_cuda("log_softmax_backward"); }
Tensor cross_entropy_forward(const Tensor&, const Tensor&, double, int64_t, Reduction) { no_cuda("cross_entropy"); }
Tensor cross_entropy_backward(const Tensor&, const Tensor&, const Tensor&, double, int64_t, Reduction) {
  no_cuda("cross_entropy_backward");
}
Tensor point_loss_forward(PointLoss, const Tensor&, const Tensor&, double, Reduction) { no_cuda("point_loss"); }
Tensor point_loss_backward(PointLoss, const Tensor&, const Tensor&, const Tensor&, double, Reduction) {
  no_cuda("point_loss_backward");
}
Tensor dropout_mask(const Shape&, double, uint64_t, uint64_t, DType, Device) { no_cuda("dropout"); }
Tensor sinkhorn(const Tensor&, double, int) { no_cuda("sinkhorn"); }
std::tuple<Tensor, Tensor, Tensor> contrastive_cross_entropy_forward(const Tensor&, const Tensor&, const Tensor&,
                                                                     double) {
  no_cuda("contrastive_cross_entropy");
}
Tensor contrastive_cross_entropy_backward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, double,
                                          const Tensor&, const Tensor&) {
  no_cuda("contrastive_cross_entropy_backward");
}
void sgd_step(const Tensor&, const Tensor&, const Tensor&, const optim::SgdHyper&) { no_cuda("sgd_step"); }
void adamw_step(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const optim::AdamWHyper&) {
  no_cuda("adamw_step");
}
void lars_step(const Tensor&, const Tensor&, const Tensor&, const optim::LarsHyper&) { no_cuda("lars_step"); }

}  // namespace fb::kernels::cuda
namespace fb::kernels {
bool cuda_wgmma_available() { return false; }
}  // namespace fb::kernels
#endif
