#include "nn/checkpoint/load_any.h"

#include <set>

#include "nn/checkpoint/pth.h"
#include "tensor/error.h"

namespace fb::checkpoint {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void strip_prefix(NamedTensors& tensors, const std::string& prefix, const std::string& where) {
  if (prefix.empty()) return;
  bool any = false;
  for (auto& [name, t] : tensors) {
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
      name.erase(0, prefix.size());
      any = true;
    }
  }
  FB_CHECK(any || tensors.empty(), where, "no tensor name starts with the prefix '", prefix, "' (first name: '",
           tensors.front().first, "')");
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors)
    FB_CHECK(seen.insert(name).second, where, "after removing the prefix '", prefix, "', two tensors are named '",
             name, "'");
}

NamedTensors load_state_any(const std::string& path, const std::string& prefix) {
  NamedTensors t;
  if (ends_with(path, ".safetensors")) {
    t = load_safetensors(path);
  } else if (ends_with(path, ".pth") || ends_with(path, ".pt") || ends_with(path, ".pth.tar") ||
             ends_with(path, ".ckpt") || ends_with(path, ".bin")) {
    t = read_pth(path).tensors;
  } else {
    FB_FAIL(path, ": unknown checkpoint format: expected .safetensors, or .pth/.pt/.pth.tar/.ckpt/.bin (PyTorch)");
  }
  strip_prefix(t, prefix, path + ": ");
  return t;
}

}  // namespace fb::checkpoint
