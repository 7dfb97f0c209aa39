#pragma once
// Philox-4x32 with 10 rounds (Salmon et al., SC'11), the counter-based
// generator behind tensor/random.h, as one inline function that nvcc also
// compiles for the device: CUDA kernels (the dropout mask of
// kernels/cuda/dropout.cu) draw with the very integer arithmetic of the host,
// so the same (counter, key) gives the same four words on the CPU and on any
// GPU. Plain C++; no CUDA headers.
#include <cstdint>

#include "tensor/host_device.h"

namespace fb {

struct PhiloxWords {
  uint32_t w[4];
};

// Four 32-bit random words for the 128-bit counter (counter_lo, counter_hi)
// and the 64-bit key.
FB_HOST_DEVICE inline PhiloxWords philox4x32_words(uint64_t counter_lo, uint64_t counter_hi, uint64_t key) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
  uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(M0) * c0;
    uint64_t p1 = static_cast<uint64_t>(M1) * c2;
    uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  return {{c0, c1, c2, c3}};
}

}  // namespace fb
