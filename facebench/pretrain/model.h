#pragma once
// The networks of a pre-training run, as one Module so that a single
// state_dict names everything: "backbone.*" (torchvision names below it),
// "head.*" (projection MLP), "prototypes.weight" (SwAV), "classifier.*"
// (supervised), "key_backbone.*" / "key_head.*" (MoCo's momentum encoder).
#include <memory>

#include "facebench/pretrain/config.h"
#include "nn/layers.h"
#include "nn/resnet.h"

namespace fb::pretrain {

// Linear(in, hidden) - BN - ReLU - Linear(hidden, out), as SwAV/MoCo v2/SimCLR.
class ProjectionHead : public nn::Module {
 public:
  ProjectionHead(int64_t in, int64_t hidden, int64_t out);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<nn::Linear> fc1, fc2;
  std::shared_ptr<nn::BatchNorm> bn;
};

class PretrainModel : public nn::Module {
 public:
  PretrainModel(const Config& c, int64_t num_classes);
  std::shared_ptr<nn::ResNet> backbone, key_backbone;
  std::shared_ptr<ProjectionHead> head, key_head;
  std::shared_ptr<nn::Linear> prototypes, classifier;
  // Parameters the optimizer updates (the key encoder follows by momentum).
  nn::NamedTensors trainable() const;
  // Where the parameters live (built on the CPU, then moved with to(Device)).
  Device device() const;
};

nn::ResNetConfig backbone_config(const Config& c);

}  // namespace fb::pretrain
