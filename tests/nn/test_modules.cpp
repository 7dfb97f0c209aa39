#include <doctest/doctest.h>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "nn/functional.h"
#include "nn/optim.h"
#include "nn/resnet.h"

using namespace fb;

namespace {
int64_t count(const nn::NamedTensors& v) {
  int64_t n = 0;
  for (auto& [name, t] : v) n += t.numel();
  return n;
}
}  // namespace

TEST_CASE("ResNets have torchvision's parameter counts and names") {
  struct Want {
    const char* arch;
    int64_t params;
    size_t entries;
  };
  // Parameter counts of torchvision.models.resnet{18,34,50}() (1000 classes).
  for (Want w : {Want{"resnet18", 11689512, 122}, Want{"resnet34", 21797672, 218}, Want{"resnet50", 25557032, 320}}) {
    nn::ResNetConfig cfg;
    cfg.arch = w.arch;
    auto net = nn::make_resnet(cfg);
    CHECK(count(net->named_parameters()) == w.params);
    auto sd = net->state_dict();
    CHECK(sd.size() == w.entries);
    CHECK(sd.front().first == "conv1.weight");
    CHECK(sd.back().first == "fc.bias");
  }
  nn::ResNetConfig cfg;
  cfg.arch = "resnet50";
  auto sd = nn::make_resnet(cfg)->state_dict();
  std::vector<std::string> names;
  for (auto& [n, t] : sd) names.push_back(n);
  // PyTorch order within a module: parameters, then buffers, then children.
  CHECK(names[1] == "bn1.weight");
  CHECK(names[3] == "bn1.running_mean");
  CHECK(names[5] == "bn1.num_batches_tracked");
  CHECK(names[6] == "layer1.0.conv1.weight");
  CHECK(std::find(names.begin(), names.end(), "layer1.0.downsample.0.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "layer4.2.bn3.num_batches_tracked") != names.end());
  for (auto& [n, t] : sd)
    if (n == "layer2.0.conv2.weight") CHECK(t.shape() == Shape{128, 128, 3, 3});  // v1.5: stride in the 3x3
}

TEST_CASE("width multiplier, small-input stem and feature extraction") {
  nn::ResNetConfig cfg;
  cfg.arch = "resnet50";
  cfg.width = 0.25;
  cfg.num_classes = 0;
  cfg.small_input = true;
  auto net = nn::make_resnet(cfg);
  CHECK(net->feature_dim() == 512);
  Generator g(0);
  Tensor x = randn({2, 16, 16, 3}, g);
  net->eval();
  CHECK(net->forward(x).shape() == Shape{2, 512});
  CHECK(net->forward_maps(x).shape() == Shape{2, 2, 2, 512});
  CHECK_THROWS_WITH_AS(net->forward(randn({2, 3, 16, 16}, g)), doctest::Contains("NHWC"), fb::Error);
  cfg.arch = "resnet101";
  CHECK_THROWS_WITH_AS(nn::make_resnet(cfg), doctest::Contains("unknown architecture 'resnet101'"), fb::Error);
}

TEST_CASE("load_state_dict names missing and unexpected keys and shape mismatches") {
  nn::ResNetConfig cfg;
  cfg.width = 0.125;
  cfg.num_classes = 5;
  auto net = nn::make_resnet(cfg);
  auto sd = net->state_dict();
  auto broken = sd;
  broken.erase(broken.begin());  // drop conv1.weight
  broken.emplace_back("head.weight", zeros({1}));
  CHECK_THROWS_WITH_AS(net->load_state_dict(broken), doctest::Contains("Missing (1): conv1.weight"), fb::Error);
  CHECK_THROWS_WITH_AS(net->load_state_dict(broken), doctest::Contains("Unexpected (1): head.weight"), fb::Error);
  net->load_state_dict(broken, false);  // non-strict ignores both
  auto wrong = sd;
  wrong[0].second = zeros({8, 3, 3, 3});
  CHECK_THROWS_WITH_AS(net->load_state_dict(wrong),
                       doctest::Contains("conv1.weight has shape [8, 3, 3, 3] in the checkpoint but [8, 3, 7, 7]"),
                       fb::Error);
  // Values are copied (and converted) into the model's own tensors.
  auto other = nn::make_resnet(cfg);
  other->load_state_dict(net->state_dict());
  CHECK(ops::max_abs_diff(other->state_dict()[0].second, net->state_dict()[0].second) == 0.0);
}

TEST_CASE("train/eval reach every child; to(f64) converts in place") {
  nn::ResNetConfig cfg;
  cfg.width = 0.125;
  cfg.num_classes = 3;
  auto net = nn::make_resnet(cfg);
  net->eval();
  CHECK(!net->layer3->child("1")->is_training());
  net->train();
  CHECK(net->layer3->child("1")->is_training());
  Tensor w = net->conv1->weight;
  net->to(DType::f64);
  CHECK(w.dtype() == DType::f64);  // the same handle sees the conversion
  CHECK(net->bn1->num_batches_tracked.dtype() == DType::i64);
}

TEST_CASE("training overfits a tiny batch (loss falls to near zero)") {
  nn::manual_seed(0);
  nn::ResNetConfig cfg;
  cfg.width = 0.125;
  cfg.num_classes = 4;
  cfg.small_input = true;
  auto net = nn::make_resnet(cfg);
  Generator g(3);
  Tensor x = randn({8, 16, 16, 3}, g);
  Tensor y = from_vector<int64_t>({0, 1, 2, 3, 0, 1, 2, 3}, {8});
  nn::SGD opt(net->parameters(), 0.05, nn::SGDOptions{0.9, 0, 0, false});
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    Tensor loss = cross_entropy(net->forward(x), y);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
    last = loss.item();
    if (step == 0) first = last;
  }
  MESSAGE("overfit loss ", first, " -> ", last);
  CHECK(first > 1.0);
  CHECK(last < 0.05);
  net->eval();
  CHECK(ops::argmax(net->forward(x), 1).to_vector<int64_t>() == y.to_vector<int64_t>());
}

TEST_CASE("conv transpose layer doubles the resolution") {
  nn::ConvTranspose2d up(8, 4, 4, nn::Conv2dOptions{2, 1, 1, 1, true});
  Generator g(0);
  CHECK(up.forward(randn({2, 5, 7, 8}, g)).shape() == Shape{2, 10, 14, 4});
  auto names = up.named_parameters();
  CHECK(names[0].first == "weight");
  CHECK(names[0].second.shape() == Shape{8, 4, 4, 4});
}

TEST_CASE("evaluation-mode ResNet: inference (fused batch norm + ReLU) equals the differentiable forward") {
  nn::ResNetConfig cfg;
  cfg.arch = "resnet18";
  cfg.width = 0.25;
  cfg.num_classes = 5;
  auto net = nn::make_resnet(cfg);
  Generator gen(4);
  // Non-trivial running statistics: a few training-mode forwards.
  net->train();
  for (int i = 0; i < 3; ++i) net->forward(randn({4, 32, 32, 3}, gen, DType::f32));
  net->eval();
  const Tensor x = randn({3, 32, 32, 3}, gen, DType::f32);
  Tensor inferred;
  {
    autograd::NoGradGuard ng;  // takes the fused pass
    inferred = net->forward(x);
  }
  const Tensor xg = x.detach().set_requires_grad(true);
  const Tensor composed = net->forward(xg);  // batch norm, add and ReLU as separate differentiable ops
  CHECK(ops::rel_error(inferred.to(DType::f64), composed.detach().to(DType::f64)) <= 1e-6);
  autograd::backward(fb::sum(composed));
  REQUIRE(xg.grad().defined());
  CHECK(ops::sum(ops::abs(xg.grad())).item() > 0);
}
