#pragma once
// Reading and writing single arrays by file extension (.npy or .safetensors).
#include <string>

#include "tensor/tensor.h"

namespace fb::app {

// A .npy file, or a .safetensors file holding exactly one tensor (or one named `key`).
Tensor load_array(const std::string& path, const std::string& key = "");
// Writes .npy, or .safetensors with the tensor under `key`.
void save_array(const std::string& path, const Tensor& t, const std::string& key = "output");

bool ends_with(const std::string& s, const std::string& suffix);

}  // namespace fb::app
