// Fuzz target: the NumPy .npy reader (magic, version, header dict, raw data).
#include "fuzz_util.h"
#include "nn/checkpoint/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fbfuzz::write_file("input.npy", data, size);
  try {
    fbfuzz::keep(fbfuzz::touch(fb::checkpoint::load_npy(path)));
  } catch (const fb::Error&) {
  }
  return 0;
}
