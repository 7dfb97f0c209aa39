#pragma once
// 64-byte aligned float buffers (cache lines, and aligned AVX-512 loads of
// packed panels). Contents are uninitialised. They come from the CPU tensor
// allocator (tensor/cpu_allocator.h), so the large scratch buffers of the
// convolutions are reused from call to call instead of faulted in afresh.
#include <cstddef>
#include <memory>

#include "tensor/cpu_allocator.h"

namespace fb::kernels::cpu {

struct FloatBufDeleter {
  size_t bytes = 0;
  void operator()(float* p) const { cpu_memory::deallocate(p, bytes); }
};
using FloatBuf = std::unique_ptr<float[], FloatBufDeleter>;

inline FloatBuf alloc_floats(size_t n) {
  const size_t bytes = n * sizeof(float);
  return FloatBuf(static_cast<float*>(cpu_memory::allocate(bytes)), FloatBufDeleter{bytes});
}

}  // namespace fb::kernels::cpu
