#pragma once
// The standard layers, with PyTorch's parameter names and defaults.
// Image tensors are NHWC; "2d" layers take [N, H, W, C].
#include <functional>

#include "nn/functional.h"
#include "nn/module.h"

namespace fb::nn {

namespace dist {
class Communicator;
}

struct Conv2dOptions {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = true;
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in, int64_t out, int64_t kernel, Conv2dOptions o = {});
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // weight [out, in/groups, k, k] (OIHW)
  kernels::Conv2dParams params;
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in, int64_t out, int64_t kernel, Conv2dOptions o = {}, int64_t output_padding = 0);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // weight [in, out/groups, k, k]
  kernels::Conv2dParams params;
  int64_t output_padding;
};

// Batch norm over the last (channel) dim: works for [N, H, W, C] and [N, C].
// With `sync` set (a communicator of world size > 1), training-mode
// statistics are those of the union of all ranks' batches (synchronised batch
// norm, nn/distributed/functional.h); see dist::convert_sync_batchnorm.
class BatchNorm : public Module {
 public:
  explicit BatchNorm(int64_t features, double eps = 1e-5, double momentum = 0.1);
  Tensor forward(const Tensor& x) override;
  // relu(forward(x) + residual) (residual may be undefined); fused in
  // training mode unless batch norm is synchronised across ranks.
  Tensor forward_relu(const Tensor& x, const Tensor& residual = Tensor());
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  double eps, momentum;
  std::shared_ptr<dist::Communicator> sync;
};
using BatchNorm2d = BatchNorm;
using BatchNorm1d = BatchNorm;

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t features, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  double eps;
};

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // weight [out, in]
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel, int64_t stride, int64_t padding = 0);
  Tensor forward(const Tensor& x) override { return max_pool2d(x, params); }
  kernels::Pool2dParams params;
};

class AdaptiveAvgPool2d : public Module {
 public:
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w) : out_h(out_h), out_w(out_w) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, out_h, out_w); }
  int64_t out_h, out_w;
};

class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override { return flatten(x, 1); }
};

class Dropout : public Module {
 public:
  explicit Dropout(double p) : p(p) {}
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training(), default_generator()); }
  double p;
};

// Children are named "0", "1", ... as in torch.nn.Sequential.
class Sequential : public Module {
 public:
  Sequential() = default;
  template <typename M>
  std::shared_ptr<M> add(std::shared_ptr<M> m) {
    return register_module(std::to_string(size_++), m);
  }
  Tensor forward(const Tensor& x) override;
  size_t size() const { return size_; }

 private:
  size_t size_ = 0;
};

}  // namespace fb::nn
