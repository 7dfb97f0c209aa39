#pragma once
// Division by a divisor fixed before a launch, as one multiply-high and one
// shift (Granlund and Montgomery's method). The convolution loaders split
// every row and k index into (image, y, x) and (tap, channel) coordinates for
// every 16-byte vector they fetch; with the hardware's integer division
// (about 20 instructions each) that address arithmetic, not the tensor
// cores, would bound the speed.
//
// Plain C++ on the host (so the CPU tests check it exhaustively near every
// boundary); __umulhi on the device.
#include <cstdint>

#include "tensor/host_device.h"

namespace fb::kernels::cuda {

// n / d and n % d, exact for 0 <= n < 2^31 and 1 <= d < 2^31.
//   l = ceil(log2 d), m = ceil(2^(31+l) / d) < 2^32,
//   n / d = (n * m) >> (31 + l), since n * (m - 2^(31+l)/d) / 2^(31+l)
//   < 2^31 / 2^(31+l) <= 1/d never carries n/d past the next integer.
struct FastDiv {
  int d = 1;
  uint32_t mul = 0, shift = 0;  // d == 1: the identity (mul unused)

  FastDiv() = default;
  explicit FastDiv(int divisor) : d(divisor) {
    if (d <= 1) return;
    uint32_t l = 0;
    while ((int64_t(1) << l) < d) ++l;
    mul = uint32_t(((uint64_t(1) << (31 + l)) + uint64_t(d) - 1) / uint64_t(d));
    shift = l - 1;  // the multiply-high already dropped 32 of the 31 + l bits
  }
  FB_HOST_DEVICE int div(int n) const {
    if (d == 1) return n;
#if defined(__CUDA_ARCH__)
    return int(__umulhi(uint32_t(n), mul) >> shift);
#else
    return int(uint32_t((uint64_t(uint32_t(n)) * mul) >> 32) >> shift);
#endif
  }
  FB_HOST_DEVICE int mod(int n) const { return n - div(n) * d; }
  FB_HOST_DEVICE void divmod(int n, int& q, int& r) const {
    q = div(n);
    r = n - q * d;
  }
};

}  // namespace fb::kernels::cuda
