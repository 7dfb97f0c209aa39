#pragma once
// The shared-memory operand layouts of the Hopper GEMM loops (wgmma.cuh,
// wgmma_tma.cuh) and the wgmma matrix descriptors that read them. Plain C++
// as well as device code, so that a CPU test can check that what the copies
// write is what the descriptors read (under the canonical-layout rules of
// the wgmma descriptors, modelled in that test).
//
// The canonical 128-byte-swizzled layouts, so that no operand needs a
// transpose:
//   K-major operand  (loader vectors along k): row r holds its 64 k values in
//     128 bytes; 16-byte chunk c of row r sits at chunk c ^ (r % 8). Rows of
//     8 form a 1024-byte atom; atoms follow at 1024 bytes (the descriptor's
//     stride offset). One k16 step is 32 bytes further into the rows.
//   MN-major operand (loader vectors along rows): the tile is cut into blocks
//     of 64 rows; in a block, k row j holds the 64 rows' values in 128 bytes,
//     chunk c at c ^ (j % 8). Atoms of 8 k rows follow at 1024 bytes (stride
//     offset), blocks at 64 * 128 bytes (leading offset). One k16 step is 16
//     k rows (2048 bytes) further.
// The hardware applies the swizzle to address bits (bits 4-6 ^= bits 7-9),
// so every atom starts 1024-byte aligned; so does the TMA's 128-byte swizzle,
// which writes a box of 128-byte rows in the same pattern.
#include <cstdint>

#include "tensor/host_device.h"

namespace fb::kernels::cuda::igemm::hopper {

constexpr int kBM = 128, kBK = 64;  // block rows, k per tile (128 bytes of bf16)

// Byte offset of the 16-byte vector starting at (row r, k) of an operand
// tile (r, k tile-relative; k a multiple of 8 when K-major, r when MN-major).
template <bool KMajor>
FB_HOST_DEVICE inline uint32_t swizzled(int r, int k) {
  if constexpr (KMajor) return r * 128 + (((k >> 3) ^ (r & 7)) << 4);
  return (r >> 6) * (kBK * 128) + k * 128 + ((((r & 63) >> 3) ^ (k & 7)) << 4);
}

// The 16-byte vector number v (0 <= v < R * kBK / 8) of an R x kBK operand
// tile, as the copies enumerate them: consecutive v run along the
// contiguous direction (8 consecutive k of a row when K-major, 8 consecutive
// rows of a k when MN-major), so a warp's copies read whole 128-byte lines.
template <bool KMajor, int R>
FB_HOST_DEVICE inline void tile_vector(int v, int& r, int& k) {
  if constexpr (KMajor) {
    r = v / (kBK / 8);
    k = (v % (kBK / 8)) * 8;
  } else {
    k = v / (R / 8);
    r = (v % (R / 8)) * 8;
  }
}

// Shared-memory matrix descriptor: start address, leading and stride byte
// offsets (all in 16-byte units), 128-byte swizzle (mode 1, bits 62-63).
FB_HOST_DEVICE inline uint64_t descriptor(uint32_t addr, uint32_t lead, uint32_t stride) {
  return uint64_t((addr & 0x3FFFF) >> 4) | (uint64_t(lead >> 4) << 16) | (uint64_t(stride >> 4) << 32) |
         (uint64_t(1) << 62);
}

// Descriptor of the 64-row (or BN-row) slice starting at `row` of an operand
// tile at `tile`, for k16 step `kk`.
template <bool KMajor>
FB_HOST_DEVICE inline uint64_t operand_desc(uint32_t tile, int row, int kk) {
  if constexpr (KMajor) return descriptor(tile + row * 128 + kk * 32, 16, 1024);
  return descriptor(tile + (row >> 6) * (kBK * 128) + kk * 16 * 128, kBK * 128, 1024);
}

}  // namespace fb::kernels::cuda::igemm::hopper
