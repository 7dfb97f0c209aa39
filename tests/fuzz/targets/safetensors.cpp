// Fuzz target: the safetensors reader (8-byte length, JSON header, byte buffer).
#include <map>

#include "fuzz_util.h"
#include "nn/checkpoint/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fbfuzz::write_file("input.safetensors", data, size);
  try {
    std::map<std::string, std::string> metadata;
    for (const auto& [name, t] : fb::checkpoint::load_safetensors(path, &metadata)) fbfuzz::keep(fbfuzz::touch(t));
  } catch (const fb::Error&) {
  }
  return 0;
}
