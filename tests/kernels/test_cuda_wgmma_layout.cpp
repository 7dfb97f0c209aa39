// The Hopper GEMM loops' shared-memory layouts (kernels/cuda/wgmma_layout.h)
// checked on the CPU against a model of how wgmma reads a 128-byte-swizzled
// operand through its descriptor (the canonical layouts of the PTX ISA's
// matrix descriptors):
//   K-major:  element (m, k) of an instruction's slice at
//             start + (m / 8) * SBO + (m % 8) * 128 + 2k
//   MN-major: element (mn, k) at
//             start + (mn / 64) * LBO + 2 (mn % 64) + (k / 8) * SBO + (k % 8) * 128
// and then the swizzle: address bits 4-6 ^= bits 7-9. Every element of every
// slice the loops hand to wgmma (both warpgroups' A rows, B of each width,
// each of the four k16 steps) must be read where the cp.async copies put it,
// and where the TMA's 128-byte swizzle puts it (boxes of 128-byte rows, the
// MN-major boxes 64 rows wide, one per 64-row block). This proves the loops
// agree with themselves and with that model; only a GPU proves the model.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/cuda/wgmma_layout.h"

using namespace fb::kernels::cuda::igemm::hopper;

namespace {

uint32_t swizzle(uint32_t a) { return a ^ (((a >> 7) & 7) << 4); }

struct Desc {
  uint32_t start, lead, stride, mode;
};
Desc decode(uint64_t d) {
  return {uint32_t(d & 0x3FFF) << 4, uint32_t((d >> 16) & 0x3FFF) << 4, uint32_t((d >> 32) & 0x3FFF) << 4,
          uint32_t(d >> 62)};
}

// Where wgmma reads element (m, k) (slice-relative, k < 16) through d.
uint32_t read_at(const Desc& d, bool kmajor, int m, int k) {
  const uint32_t off = kmajor ? (m / 8) * d.stride + (m % 8) * 128 + 2 * k
                              : (m / 64) * d.lead + 2 * (m % 64) + (k / 8) * d.stride + (k % 8) * 128;
  return swizzle(d.start + off);
}

// Where the cp.async copies put tile element (r, k).
uint32_t copied_at(bool kmajor, int r, int k) {
  return kmajor ? swizzled<true>(r, k & ~7) + 2 * (k % 8) : swizzled<false>(r & ~7, k) + 2 * (r % 8);
}

// Where the TMA puts tile element (r, k): K-major, one box of 128-byte rows
// (one per tile row); MN-major, a box per 64-row block, one 128-byte row per k.
uint32_t tma_at(bool kmajor, int r, int k) {
  return kmajor ? swizzle(r * 128 + 2 * k) : (r / 64) * (kBK * 128) + swizzle(k * 128 + 2 * (r % 64));
}

// Mismatches over the slice of `rows` rows from row0 (one warpgroup's A, or
// all of B) at each k16 step.
int check_slices(bool kmajor, int row0, int rows) {
  int bad = 0;
  for (int kk = 0; kk < kBK / 16; ++kk) {
    const Desc d = decode(kmajor ? operand_desc<true>(0, row0, kk) : operand_desc<false>(0, row0, kk));
    bad += d.mode != 1;  // 128-byte swizzle
    for (int m = 0; m < rows; ++m)
      for (int k = 0; k < 16; ++k) {
        const int r = row0 + m, kt = kk * 16 + k;
        const uint32_t at = read_at(d, kmajor, m, k);
        bad += at != copied_at(kmajor, r, kt);
        bad += at != tma_at(kmajor, r, kt);
      }
  }
  return bad;
}

}  // namespace

TEST_CASE("wgmma layouts: the descriptors read every operand element where the copies wrote it") {
  for (bool kmajor : {true, false}) {
    CAPTURE(kmajor);
    // A: warpgroup w reads rows 64w..64w+63 of the 128-row tile.
    CHECK(check_slices(kmajor, 0, 64) == 0);
    CHECK(check_slices(kmajor, 64, 64) == 0);
    // B: all BN rows at once.
    for (int bn : {64, 128, 256}) {
      CAPTURE(bn);
      CHECK(check_slices(kmajor, 0, bn) == 0);
    }
  }
}

TEST_CASE("wgmma layouts: every 16-byte vector of a tile has its own place") {
  // No two copies of a tile may land on the same bytes (a wrong swizzle could
  // still read back consistently while overwriting another vector).
  for (bool kmajor : {true, false})
    for (int rows : {64, 128, 256}) {
      std::vector<int> hits(size_t(rows) * kBK * 2 / 16, 0);
      int wrong = 0;
      for (int r = 0; r < rows; r += kmajor ? 1 : 8)
        for (int k = 0; k < kBK; k += kmajor ? 8 : 1) {
          const uint32_t at = kmajor ? swizzled<true>(r, k) : swizzled<false>(r, k);
          if (at % 16 != 0 || at / 16 >= hits.size()) ++wrong;
          else ++hits[at / 16];
        }
      for (int h : hits) wrong += h != 1;
      CAPTURE(kmajor);
      CAPTURE(rows);
      CHECK(wrong == 0);
    }
}

TEST_CASE("wgmma layouts: the copies' vector numbering covers each tile exactly once, along whole lines") {
  auto check = [](auto kmajor_tag, auto rows_tag) {
    constexpr bool kmajor = decltype(kmajor_tag)::value;
    constexpr int R = decltype(rows_tag)::value;
    std::vector<int> seen(size_t(R) * kBK, 0);
    int wrong = 0;
    for (int v = 0; v < R * kBK / 8; ++v) {
      int r = 0, k = 0;
      tile_vector<kmajor, R>(v, r, k);
      if (r < 0 || r >= R || k < 0 || k >= kBK || (kmajor ? k % 8 : r % 8) != 0) {
        ++wrong;
        continue;
      }
      for (int e = 0; e < 8; ++e) ++seen[size_t(kmajor ? r * kBK + k + e : (r + e) * kBK + k)];
      // 8 consecutive vectors (a quarter warp) cover one 128-byte line of
      // global memory: the same row (K-major) or the same k (MN-major).
      int r0 = 0, k0 = 0;
      tile_vector<kmajor, R>(v / 8 * 8, r0, k0);
      wrong += kmajor ? r != r0 : k != k0;
    }
    for (int n : seen) wrong += n != 1;
    CAPTURE(kmajor);
    CAPTURE(R);
    CHECK(wrong == 0);
  };
  using K = std::true_type;
  using MN = std::false_type;
  check(K{}, std::integral_constant<int, 64>{});
  check(K{}, std::integral_constant<int, 128>{});
  check(K{}, std::integral_constant<int, 256>{});
  check(MN{}, std::integral_constant<int, 64>{});
  check(MN{}, std::integral_constant<int, 128>{});
  check(MN{}, std::integral_constant<int, 256>{});
}
