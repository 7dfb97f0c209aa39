#pragma once
// ResNet-18/34/50 as torchvision builds them (v1.5: the stride sits in the
// 3x3 conv of the bottleneck), with torchvision's parameter names so that
// state dicts are interchangeable. Input NHWC [N, H, W, 3].
#include <string>
#include <vector>

#include "nn/layers.h"

namespace fb::nn {

struct ResNetConfig {
  std::string arch = "resnet18";  // resnet18 | resnet34 | resnet50
  int64_t num_classes = 1000;     // 0: no fc layer; forward returns the pooled feature
  double width = 1.0;             // multiplies every layer's channel count (base 64)
  bool small_input = false;       // 3x3 stride-1 stem without max-pool, for small images
  bool zero_init_residual = false;
};

class BasicBlock : public Module {
 public:
  static constexpr int64_t expansion = 1;
  BasicBlock(int64_t in, int64_t planes, int64_t stride, bool zero_init_residual);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<BatchNorm> bn1, bn2;
  std::shared_ptr<Sequential> downsample;  // null when the shapes already match
};

class Bottleneck : public Module {
 public:
  static constexpr int64_t expansion = 4;
  Bottleneck(int64_t in, int64_t planes, int64_t stride, bool zero_init_residual);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  std::shared_ptr<BatchNorm> bn1, bn2, bn3;
  std::shared_ptr<Sequential> downsample;
};

class ResNet : public Module {
 public:
  explicit ResNet(const ResNetConfig& cfg);
  // Logits [N, num_classes] (or the pooled feature when num_classes == 0).
  Tensor forward(const Tensor& x) override;
  // The last stage's feature map [N, H/32, W/32, feature_dim()] (C5).
  Tensor forward_maps(const Tensor& x);
  // The globally pooled feature [N, feature_dim()].
  Tensor forward_features(const Tensor& x);
  // The outputs of layer1..layer4, {C2, C3, C4, C5}, at 1/4, 1/8, 1/16, 1/32
  // of the input (1/1 .. 1/8 with small_input), for dense-prediction heads.
  std::vector<Tensor> forward_pyramid(const Tensor& x);
  // Channel counts of forward_pyramid's four maps (the last is feature_dim()).
  const std::vector<int64_t>& pyramid_channels() const { return pyramid_channels_; }
  int64_t feature_dim() const { return feature_dim_; }
  const ResNetConfig& config() const { return cfg_; }

  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm> bn1;
  std::shared_ptr<Sequential> layer1, layer2, layer3, layer4;
  std::shared_ptr<Linear> fc;

 private:
  ResNetConfig cfg_;
  int64_t feature_dim_ = 0;
  std::vector<int64_t> pyramid_channels_;
};

std::shared_ptr<ResNet> make_resnet(const ResNetConfig& cfg);

}  // namespace fb::nn
