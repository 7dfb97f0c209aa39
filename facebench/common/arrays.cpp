#include "facebench/common/arrays.h"

#include "nn/checkpoint/npy.h"
#include "nn/checkpoint/safetensors.h"

namespace fb::app {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Tensor load_array(const std::string& path, const std::string& key) {
  if (ends_with(path, ".npy")) return checkpoint::load_npy(path);
  if (ends_with(path, ".safetensors")) {
    auto all = checkpoint::load_safetensors(path);
    if (!key.empty()) {
      for (auto& [n, t] : all)
        if (n == key) return t;
    }
    FB_CHECK(all.size() == 1, path, ": expected one tensor", key.empty() ? "" : " or one named '" + key + "'",
             ", found ", all.size());
    return all[0].second;
  }
  FB_FAIL(path, ": unknown array format (expected .npy or .safetensors)");
}

void save_array(const std::string& path, const Tensor& t, const std::string& key) {
  if (ends_with(path, ".npy")) return checkpoint::save_npy(path, t);
  if (ends_with(path, ".safetensors")) return checkpoint::save_safetensors(path, {{key, t}});
  FB_FAIL(path, ": unknown array format (expected .npy or .safetensors)");
}

}  // namespace fb::app
