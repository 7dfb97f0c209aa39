#pragma once
// The backbone a benchmark cell evaluates, and the features heads read.
//
// A backbone spec is "scratch" (random initialisation, seeded), a
// `facebench pretrain` export (backbone.safetensors: arch, width and stem are
// read from its metadata), or any checkpoint load_state_any reads (.pth from
// PyTorch code: the usual wrappers' key prefixes "module.base_net.", "module.",
// "backbone." are stripped; the architecture comes from `defaults`).
#include <memory>
#include <string>
#include <vector>

#include "nn/resnet.h"

namespace fb::tasks {

std::shared_ptr<nn::ResNet> load_backbone(const std::string& spec, nn::ResNetConfig defaults, uint64_t seed);

// Which backbone outputs a task's head reads.
enum class FeatureKind {
  Pooled,   // global-average-pooled C5 [N, F]
  C5,       // the last stage's map [N, h, w, C]
  Pyramid,  // C2..C5
};

struct Features {
  Tensor pooled;                // [N, F] (Pooled)
  std::vector<Tensor> pyramid;  // {C5} (C5) or {C2, C3, C4, C5} (Pyramid)
  int64_t rows() const { return pooled.defined() ? pooled.size(0) : pyramid.back().size(0); }
  // The rows `idx` of every tensor, as new contiguous tensors.
  Features select(const std::vector<int64_t>& idx) const;
};

// Runs the backbone on images [N, S, S, 3] (normalised) in batches. With
// grad off (frozen backbone) the result is a plain cache; with grad on (fine
// tuning) the graph reaches the backbone's parameters.
Features backbone_features(nn::ResNet& net, const Tensor& images, FeatureKind kind);
Features backbone_features_batched(nn::ResNet& net, const Tensor& images, FeatureKind kind, int64_t batch);

// Rows `idx` of a tensor's first dimension (a copy).
Tensor take_rows(const Tensor& t, const std::vector<int64_t>& idx);

}  // namespace fb::tasks
