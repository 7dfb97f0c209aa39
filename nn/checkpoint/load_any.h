#pragma once
// One entry point for state dicts in any format the runtime reads, picked by file extension, and
// the renaming that checkpoints from other code bases need (e.g. "module.base_net.conv1.weight"
// from a DataParallel-wrapped backbone -> "conv1.weight").
#include <string>

#include "nn/checkpoint/safetensors.h"

namespace fb::checkpoint {

// Removes `prefix` from every name that starts with it; other names are kept as they are. An
// empty prefix does nothing.
//   throws: fb::Error (prefixed by `where`) when no name starts with `prefix` (almost always a
//           typo) or when two names become equal.
void strip_prefix(NamedTensors& tensors, const std::string& prefix, const std::string& where = "");

// Loads a state dict from `path`: .safetensors with load_safetensors(), .pth/.pt/.pth.tar/.ckpt/.bin
// with load_pth(); then applies strip_prefix(prefix).
//   throws: fb::Error for an unknown extension, or whatever the reader throws.
NamedTensors load_state_any(const std::string& path, const std::string& prefix = "");

}  // namespace fb::checkpoint
