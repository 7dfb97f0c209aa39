#include "facebench/tasks/backbone.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "autograd/grad_mode.h"
#include "nn/checkpoint/load_any.h"
#include "nn/checkpoint/safetensors.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace fb::tasks {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Strips the first wrapper prefix that every key carries.
void strip_wrapper_prefix(checkpoint::NamedTensors& state) {
  for (const char* prefix : {"module.base_net.", "module.", "backbone."}) {
    bool all = !state.empty();
    for (const auto& [name, t] : state) all = all && name.rfind(prefix, 0) == 0;
    if (all) {
      checkpoint::strip_prefix(state, prefix);
      return;
    }
  }
}
}  // namespace

std::shared_ptr<nn::ResNet> load_backbone(const std::string& spec, nn::ResNetConfig cfg, uint64_t seed) {
  cfg.num_classes = 0;
  checkpoint::NamedTensors state;
  if (spec != "scratch") {
    if (ends_with(spec, ".safetensors")) {
      std::map<std::string, std::string> meta;
      state = checkpoint::load_safetensors(spec, &meta);
      if (meta.count("arch")) cfg.arch = meta["arch"];
      if (meta.count("width")) cfg.width = std::stod(meta["width"]);
      if (meta.count("small_input")) cfg.small_input = meta["small_input"] == "1";
    } else {
      state = checkpoint::load_state_any(spec);
    }
    strip_wrapper_prefix(state);
    // A classifier from the checkpoint's own training is not part of the backbone.
    state.erase(std::remove_if(state.begin(), state.end(), [](const auto& kv) { return kv.first.rfind("fc.", 0) == 0; }),
                state.end());
  }
  nn::manual_seed(seed);
  auto net = nn::make_resnet(cfg);
  if (!state.empty()) {
    try {
      net->load_state_dict(state, true);
    } catch (const Error& e) {
      FB_FAIL("backbone ", spec, " does not fit a ", cfg.arch, " of width ", cfg.width, ": ", e.what());
    }
  }
  return net;
}

Tensor take_rows(const Tensor& t, const std::vector<int64_t>& idx) {
  Shape shape = t.shape();
  int64_t row = t.numel() / std::max<int64_t>(1, shape[0]);
  shape[0] = static_cast<int64_t>(idx.size());
  Tensor src = t.contiguous();
  Tensor out = Tensor::empty(shape, src.dtype());
  size_t bytes = static_cast<size_t>(row) * dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < idx.size(); ++i) {
    FB_CHECK(idx[i] >= 0 && idx[i] < t.size(0), "take_rows: row ", idx[i], " out of range [0, ", t.size(0), ")");
    std::memcpy(d + i * bytes, s + static_cast<size_t>(idx[i]) * bytes, bytes);
  }
  return out;
}

Features Features::select(const std::vector<int64_t>& idx) const {
  Features f;
  if (pooled.defined()) f.pooled = take_rows(pooled, idx);
  for (const Tensor& p : pyramid) f.pyramid.push_back(take_rows(p, idx));
  return f;
}

Features backbone_features(nn::ResNet& net, const Tensor& images, FeatureKind kind) {
  Features f;
  switch (kind) {
    case FeatureKind::Pooled: f.pooled = net.forward_features(images); break;
    case FeatureKind::C5: f.pyramid = {net.forward_maps(images)}; break;
    case FeatureKind::Pyramid: f.pyramid = net.forward_pyramid(images); break;
  }
  return f;
}

Features backbone_features_batched(nn::ResNet& net, const Tensor& images, FeatureKind kind, int64_t batch) {
  autograd::NoGradGuard ng;
  std::vector<Features> parts;
  for (int64_t b = 0; b < images.size(0); b += batch) {
    int64_t e = std::min(images.size(0), b + batch);
    parts.push_back(backbone_features(net, images.slice(0, b, e).contiguous(), kind));
  }
  Features f;
  FB_CHECK(!parts.empty(), "backbone features: no images");
  if (parts[0].pooled.defined()) {
    std::vector<Tensor> p;
    for (auto& x : parts) p.push_back(x.pooled);
    f.pooled = ops::cat(p, 0);
  }
  for (size_t l = 0; l < parts[0].pyramid.size(); ++l) {
    std::vector<Tensor> p;
    for (auto& x : parts) p.push_back(x.pyramid[l]);
    f.pyramid.push_back(ops::cat(p, 0));
  }
  return f;
}

}  // namespace fb::tasks
