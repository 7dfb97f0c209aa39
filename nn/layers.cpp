#include "nn/layers.h"

#include <cmath>

#include "nn/distributed/communicator.h"
#include "nn/distributed/functional.h"
#include "nn/init.h"
#include "tensor/ops.h"

namespace fb::nn {

namespace {
kernels::Conv2dParams conv_params(const Conv2dOptions& o) {
  kernels::Conv2dParams p;
  p.stride_h = p.stride_w = o.stride;
  p.pad_h = p.pad_w = o.padding;
  p.dilation_h = p.dilation_w = o.dilation;
  p.groups = o.groups;
  return p;
}
}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Conv2dOptions o) : params(conv_params(o)) {
  FB_CHECK(in > 0 && out > 0 && k > 0 && o.groups > 0 && in % o.groups == 0 && out % o.groups == 0,
           "Conv2d: invalid configuration in=", in, " out=", out, " kernel=", k, " groups=", o.groups);
  // torchvision's ResNet initialisation: kaiming normal, fan_out, ReLU gain.
  weight = register_parameter("weight", init::kaiming_normal({out, in / o.groups, k, k}, true, default_generator()));
  if (o.bias) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in / o.groups * k * k));
    bias = register_parameter("bias", init::uniform({out}, bound, default_generator()));
  }
}

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, params); }

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, int64_t k, Conv2dOptions o, int64_t output_padding)
    : params(conv_params(o)), output_padding(output_padding) {
  FB_CHECK(in > 0 && out > 0 && k > 0 && o.groups > 0 && in % o.groups == 0 && out % o.groups == 0,
           "ConvTranspose2d: invalid configuration in=", in, " out=", out, " kernel=", k, " groups=", o.groups);
  weight = register_parameter("weight", init::kaiming_normal({in, out / o.groups, k, k}, true, default_generator()));
  if (o.bias) {
    double bound = 1.0 / std::sqrt(static_cast<double>(out / o.groups * k * k));
    bias = register_parameter("bias", init::uniform({out}, bound, default_generator()));
  }
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, params, output_padding, output_padding);
}

BatchNorm::BatchNorm(int64_t features, double eps, double momentum) : eps(eps), momentum(momentum) {
  weight = register_parameter("weight", ones({features}));
  bias = register_parameter("bias", zeros({features}));
  running_mean = register_buffer("running_mean", zeros({features}));
  running_var = register_buffer("running_var", ones({features}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
}

Tensor BatchNorm::forward(const Tensor& x) {
  // Counted with tensor ops, not through a host pointer: the buffer may live on a GPU.
  if (is_training()) copy_into(num_batches_tracked, ops::add_scalar(num_batches_tracked, 1.0));
  if (is_training() && sync && sync->world_size() > 1)
    return dist::sync_batch_norm(x, weight, bias, running_mean, running_var, momentum, eps, *sync);
  return batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
}

Tensor BatchNorm::forward_relu(const Tensor& x, const Tensor& residual) {
  if (!is_training()) return batch_norm_relu_eval(x, weight, bias, running_mean, running_var, eps, residual);
  if (sync && sync->world_size() > 1) {
    const Tensor y = forward(x);
    return relu(residual.defined() ? add(y, residual) : y);
  }
  copy_into(num_batches_tracked, ops::add_scalar(num_batches_tracked, 1.0));
  return batch_norm_relu(x, weight, bias, running_mean, running_var, momentum, eps, residual);
}

LayerNorm::LayerNorm(int64_t features, double eps) : eps(eps) {
  weight = register_parameter("weight", ones({features}));
  bias = register_parameter("bias", zeros({features}));
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, weight, bias, eps); }

Linear::Linear(int64_t in, int64_t out, bool with_bias) {
  FB_CHECK(in > 0 && out > 0, "Linear: invalid sizes in=", in, " out=", out);
  // PyTorch's default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias.
  double bound = 1.0 / std::sqrt(static_cast<double>(in));
  weight = register_parameter("weight", init::uniform({out, in}, bound, default_generator()));
  if (with_bias) bias = register_parameter("bias", init::uniform({out}, bound, default_generator()));
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride, int64_t padding) {
  params.kernel_h = params.kernel_w = kernel;
  params.stride_h = params.stride_w = stride;
  params.pad_h = params.pad_w = padding;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& [n, c] : children()) h = c->forward(h);
  return h;
}

}  // namespace fb::nn
