// Fuzz target: the PyTorch checkpoint reader as the CLI runs it on a file: zip
// container (libzip) or legacy pickle stream, restricted unpickler, tensor
// records checked against their storages.
#include "fuzz_util.h"
#include "nn/checkpoint/pth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fbfuzz::write_file("input.pth", data, size);
  try {
    for (const auto& [name, t] : fb::checkpoint::read_pth(path).tensors) fbfuzz::keep(fbfuzz::touch(t));
  } catch (const fb::Error&) {
  }
  return 0;
}
