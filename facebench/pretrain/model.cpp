#include "facebench/pretrain/model.h"

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace fb::pretrain {

ProjectionHead::ProjectionHead(int64_t in, int64_t hidden, int64_t out) {
  fc1 = register_module("0", std::make_shared<nn::Linear>(in, hidden));
  bn = register_module("1", std::make_shared<nn::BatchNorm>(hidden));
  fc2 = register_module("3", std::make_shared<nn::Linear>(hidden, out));  // "2" is the parameterless ReLU
}

Tensor ProjectionHead::forward(const Tensor& x) { return fc2->forward(relu(bn->forward(fc1->forward(x)))); }

nn::ResNetConfig backbone_config(const Config& c) {
  nn::ResNetConfig r;
  r.arch = c.arch;
  r.width = c.width;
  r.small_input = c.small_input;
  r.num_classes = 0;  // the backbone ends at the pooled feature
  return r;
}

PretrainModel::PretrainModel(const Config& c, int64_t num_classes) {
  backbone = register_module("backbone", nn::make_resnet(backbone_config(c)));
  const int64_t f = backbone->feature_dim();
  if (c.method == "supervised") {
    FB_CHECK(num_classes >= 2, "supervised pre-training needs identity labels (got ", num_classes, " classes)");
    // ArcFace keeps one weight vector per class and no bias.
    classifier = register_module("classifier", std::make_shared<nn::Linear>(f, num_classes, c.supervised_loss != "arcface"));
    return;
  }
  head = register_module("head", std::make_shared<ProjectionHead>(f, c.proj_hidden, c.proj_out));
  if (c.method == "swav") {
    prototypes = register_module("prototypes", std::make_shared<nn::Linear>(c.proj_out, c.prototypes, false));
  } else if (c.method == "moco") {
    key_backbone = register_module("key_backbone", nn::make_resnet(backbone_config(c)));
    key_head = register_module("key_head", std::make_shared<ProjectionHead>(f, c.proj_hidden, c.proj_out));
    autograd::NoGradGuard ng;
    key_backbone->load_state_dict(backbone->state_dict());  // the key encoder starts as a copy
    key_head->load_state_dict(head->state_dict());
    for (auto& [n, t] : key_backbone->named_parameters()) t.impl().requires_grad = false;
    for (auto& [n, t] : key_head->named_parameters()) t.impl().requires_grad = false;
  }
}

nn::NamedTensors PretrainModel::trainable() const {
  nn::NamedTensors out;
  for (auto& [n, t] : named_parameters())
    if (n.rfind("key_", 0) != 0) out.emplace_back(n, t);
  return out;
}

Device PretrainModel::device() const { return backbone->parameters().at(0).device(); }

}  // namespace fb::pretrain
