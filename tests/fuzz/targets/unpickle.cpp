// Fuzz target: the restricted unpickler and the state-dict extraction on a raw
// pickle in memory (no zip around it, so every mutation reaches the pickle
// machine). Storages are served zero-filled; like the file readers, the loader
// refuses a storage larger than the input could have held.
#include <cstring>

#include "fuzz_util.h"
#include "nn/checkpoint/torch_pickle.h"
#include "nn/checkpoint/unpickler.h"

using namespace fb::checkpoint;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    pickle::UnpickleOptions opts;
    opts.allowed_globals = torch_pickle::allowed_globals();
    opts.where = "fuzz: ";
    size_t pos = 0;
    const pickle::Pickle p = pickle::unpickle(reinterpret_cast<const char*>(data), size, &pos, opts);
    FBFUZZ_REQUIRE(pos <= size, "unpickle read past the end of its input: ", pos, " > ", size);
    auto load = [&](const torch_pickle::StorageRef& ref) {
      const uint64_t bytes = torch_pickle::record_bytes(ref, opts.where);
      FB_CHECK(bytes <= size, opts.where, "storage '", ref.key, "' claims ", bytes, " bytes");
      return torch_pickle::make_storage(ref, [](void* dst, uint64_t n) { std::memset(dst, 0, n); }, opts.where);
    };
    for (const auto& [name, t] : torch_pickle::extract_state_dict(p, load, opts.where).tensors)
      fbfuzz::keep(fbfuzz::touch(t));
  } catch (const fb::Error&) {
  }
  return 0;
}
