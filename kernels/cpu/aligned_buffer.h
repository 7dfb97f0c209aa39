#pragma once
// 64-byte aligned float buffers (cache lines, and aligned AVX-512 loads of
// packed panels). Contents are uninitialised.
#include <algorithm>
#include <cstdlib>
#include <memory>

namespace fb::kernels::cpu {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using FloatBuf = std::unique_ptr<float[], FreeDeleter>;

inline FloatBuf alloc_floats(size_t n) {
  const size_t bytes = std::max<size_t>(64, (n * sizeof(float) + 63) / 64 * 64);
  return FloatBuf(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

}  // namespace fb::kernels::cpu
