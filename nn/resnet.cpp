#include "nn/resnet.h"

#include <cmath>

#include "tensor/ops.h"

namespace fb::nn {

namespace {
std::shared_ptr<Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<Conv2d>(in, out, 3, Conv2dOptions{stride, 1, 1, 1, false});
}
std::shared_ptr<Conv2d> conv1x1(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<Conv2d>(in, out, 1, Conv2dOptions{stride, 0, 1, 1, false});
}
std::shared_ptr<Sequential> make_downsample(int64_t in, int64_t out, int64_t stride) {
  if (stride == 1 && in == out) return nullptr;
  auto s = std::make_shared<Sequential>();
  s->add(conv1x1(in, out, stride));
  s->add(std::make_shared<BatchNorm>(out));
  return s;
}
}  // namespace

BasicBlock::BasicBlock(int64_t in, int64_t planes, int64_t stride, bool zero_init_residual) {
  conv1 = register_module("conv1", conv3x3(in, planes, stride));
  bn1 = register_module("bn1", std::make_shared<BatchNorm>(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, 1));
  bn2 = register_module("bn2", std::make_shared<BatchNorm>(planes));
  if (zero_init_residual) fill_(bn2->weight, 0.0);
  if (auto d = make_downsample(in, planes * expansion, stride)) downsample = register_module("downsample", d);
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = bn1->forward_relu(conv1->forward(x));
  out = conv2->forward(out);
  Tensor identity = downsample ? downsample->forward(x) : x;
  return bn2->forward_relu(out, identity);  // relu(bn2(out) + identity)
}

Bottleneck::Bottleneck(int64_t in, int64_t planes, int64_t stride, bool zero_init_residual) {
  conv1 = register_module("conv1", conv1x1(in, planes, 1));
  bn1 = register_module("bn1", std::make_shared<BatchNorm>(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn2 = register_module("bn2", std::make_shared<BatchNorm>(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * expansion, 1));
  bn3 = register_module("bn3", std::make_shared<BatchNorm>(planes * expansion));
  if (zero_init_residual) fill_(bn3->weight, 0.0);
  if (auto d = make_downsample(in, planes * expansion, stride)) downsample = register_module("downsample", d);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = bn1->forward_relu(conv1->forward(x));
  out = bn2->forward_relu(conv2->forward(out));
  out = conv3->forward(out);
  Tensor identity = downsample ? downsample->forward(x) : x;
  return bn3->forward_relu(out, identity);  // relu(bn3(out) + identity)
}

namespace {
template <typename Block>
std::shared_ptr<Sequential> make_stage(int64_t& in, int64_t planes, int blocks, int64_t stride, bool zir) {
  auto s = std::make_shared<Sequential>();
  for (int b = 0; b < blocks; ++b) {
    s->add(std::make_shared<Block>(in, planes, b == 0 ? stride : 1, zir));
    in = planes * Block::expansion;
  }
  return s;
}
}  // namespace

ResNet::ResNet(const ResNetConfig& cfg) : cfg_(cfg) {
  int blocks[4];
  bool bottleneck;
  if (cfg.arch == "resnet18") {
    blocks[0] = 2, blocks[1] = 2, blocks[2] = 2, blocks[3] = 2, bottleneck = false;
  } else if (cfg.arch == "resnet34") {
    blocks[0] = 3, blocks[1] = 4, blocks[2] = 6, blocks[3] = 3, bottleneck = false;
  } else if (cfg.arch == "resnet50") {
    blocks[0] = 3, blocks[1] = 4, blocks[2] = 6, blocks[3] = 3, bottleneck = true;
  } else {
    FB_FAIL("unknown architecture '", cfg.arch, "' (expected resnet18, resnet34 or resnet50)");
  }
  FB_CHECK(cfg.width > 0, "ResNet: width multiplier must be positive, got ", cfg.width);
  FB_CHECK(cfg.num_classes >= 0, "ResNet: num_classes must be >= 0, got ", cfg.num_classes);
  auto w = [&](int64_t c) { return std::max<int64_t>(1, static_cast<int64_t>(std::lround(c * cfg.width))); };

  int64_t in = w(64);
  if (cfg.small_input) {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(3, in, 3, Conv2dOptions{1, 1, 1, 1, false}));
  } else {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(3, in, 7, Conv2dOptions{2, 3, 1, 1, false}));
  }
  bn1 = register_module("bn1", std::make_shared<BatchNorm>(in));
  bool zir = cfg.zero_init_residual;
  auto stage = [&](int64_t planes, int n, int64_t stride) {
    return bottleneck ? make_stage<Bottleneck>(in, planes, n, stride, zir)
                      : make_stage<BasicBlock>(in, planes, n, stride, zir);
  };
  layer1 = register_module("layer1", stage(w(64), blocks[0], 1));
  pyramid_channels_.push_back(in);
  layer2 = register_module("layer2", stage(w(128), blocks[1], 2));
  pyramid_channels_.push_back(in);
  layer3 = register_module("layer3", stage(w(256), blocks[2], 2));
  pyramid_channels_.push_back(in);
  layer4 = register_module("layer4", stage(w(512), blocks[3], 2));
  pyramid_channels_.push_back(in);
  feature_dim_ = in;
  if (cfg.num_classes > 0) fc = register_module("fc", std::make_shared<Linear>(in, cfg.num_classes));
}

std::vector<Tensor> ResNet::forward_pyramid(const Tensor& x) {
  FB_CHECK(x.dim() == 4 && x.size(3) == 3, "resnet: expected an NHWC image batch [N, H, W, 3], got shape ",
           shape_str(x.shape()));
  Tensor h = bn1->forward_relu(conv1->forward(x));
  if (!cfg_.small_input) {
    kernels::Pool2dParams p;
    p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    h = max_pool2d(h, p);
  }
  Tensor c2 = layer1->forward(h);
  Tensor c3 = layer2->forward(c2);
  Tensor c4 = layer3->forward(c3);
  Tensor c5 = layer4->forward(c4);
  return {c2, c3, c4, c5};
}

Tensor ResNet::forward_maps(const Tensor& x) { return forward_pyramid(x).back(); }

Tensor ResNet::forward_features(const Tensor& x) {
  return flatten(adaptive_avg_pool2d(forward_maps(x), 1, 1), 1);
}

Tensor ResNet::forward(const Tensor& x) {
  Tensor f = forward_features(x);
  return fc ? fc->forward(f) : f;
}

std::shared_ptr<ResNet> make_resnet(const ResNetConfig& cfg) { return std::make_shared<ResNet>(cfg); }

}  // namespace fb::nn
