// FastDiv (the convolution loaders' division by a launch-time constant)
// against the hardware's / and %, exhaustively around every multiple of the
// divisor and at the ends of the range, for every divisor below 2^12, every
// power of two and its neighbours, and random divisors up to 2^31 - 1.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cuda/fast_div.h"

using fb::kernels::cuda::FastDiv;

namespace {

// Number of dividends n in `ns` for which FastDiv(d) disagrees with n / d or n % d.
int64_t mismatches(int d, const std::vector<int>& ns) {
  const FastDiv f(d);
  int64_t bad = 0;
  for (int n : ns) {
    int q = 0, r = 0;
    f.divmod(n, q, r);
    bad += (q != n / d) + (r != n % d) + (f.div(n) != n / d) + (f.mod(n) != n % d);
  }
  return bad;
}

// 0..300, the neighbours of multiples of d up to 2^31, and the top of the range.
std::vector<int> dividends(int d, std::mt19937_64& rng) {
  std::vector<int> ns;
  for (int n = 0; n <= 300; ++n) ns.push_back(n);
  const int64_t top = (int64_t(1) << 31) - 1;
  // Multiples k*d for k at every scale (k up to 2^31 / d), and +-1 around them.
  for (int64_t k = 1; k * d <= top; k = k < 64 ? k + 1 : k * 3 / 2)
    for (int64_t delta : {-1, 0, 1})
      if (k * d + delta >= 0 && k * d + delta <= top) ns.push_back(int(k * d + delta));
  const int64_t last = top / d * d;  // the largest multiple, and around it
  for (int64_t n = last - 2; n <= top && n <= last + 2; ++n)
    if (n >= 0) ns.push_back(int(n));
  for (int64_t n = top - 300; n <= top; ++n) ns.push_back(int(n));
  std::uniform_int_distribution<int64_t> any(0, top);
  for (int i = 0; i < 2000; ++i) ns.push_back(int(any(rng)));
  return ns;
}

}  // namespace

TEST_CASE("fast division: equals / and % for every divisor below 4096 near every multiple") {
  std::mt19937_64 rng(5);
  int64_t bad = 0;
  for (int d = 1; d < 4096; ++d) bad += mismatches(d, dividends(d, rng));
  CHECK(bad == 0);
}

TEST_CASE("fast division: powers of two, their neighbours and random divisors up to 2^31 - 1") {
  std::mt19937_64 rng(6);
  std::vector<int> divisors;
  for (int s = 1; s <= 31; ++s)
    for (int64_t delta : {-1, 0, 1}) {
      const int64_t d = (int64_t(1) << s) + delta;
      if (d >= 1 && d <= (int64_t(1) << 31) - 1) divisors.push_back(int(d));
    }
  std::uniform_int_distribution<int> any(1, 2147483647);
  for (int i = 0; i < 300; ++i) divisors.push_back(any(rng));
  int64_t bad = 0;
  for (int d : divisors) {
    CAPTURE(d);
    const int64_t b = mismatches(d, dividends(d, rng));
    CHECK(b == 0);
    bad += b;
  }
  CHECK(bad == 0);
}
