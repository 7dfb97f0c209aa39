#pragma once
// How the GEMM engine (igemm.cuh) cuts a problem into blocks and K splits:
// host-side integer decisions, in plain C++ so that the CPU tests check
// their invariants (every split non-empty, the chunks tile K exactly, no
// tile straddling two splits).
#include <cstdint>

namespace fb::kernels::cuda::igemm {

constexpr int kBM = 128, kBN = 128;  // block tile of the WMMA and SIMT loops
constexpr int kKStep = 64;           // a multiple of every main loop's k tile

// The K extent of each split when K is cut into (about) `splits` chunks: a
// multiple of kKStep, so no tile straddles two splits. ceil(K / chunk)
// splits are used, never more than asked, each non-empty.
inline int split_chunk(int K, int splits) {
  if (splits < 1) splits = 1;
  const int c = ((K + splits - 1) / splits + kKStep - 1) / kKStep * kKStep;
  return c > 0 ? c : kKStep;
}

// Number of K splits so that the grid has about two waves of blocks (the
// convolution weight gradient: a small output, a long K).
inline int pick_splits(int M, int N, int K, int sms) {
  const int tiles = ((M + kBM - 1) / kBM) * ((N + kBN - 1) / kBN);
  int s = (2 * sms + tiles - 1) / tiles;
  const int max_s = K / 256 > 1 ? K / 256 : 1;  // keep >= 256 of K per split
  if (s > max_s) s = max_s;
  return s < 1 ? 1 : s;
}

// Splits for a GEMM whose output goes straight to its epilogue: none while
// the 128 x 128 output tiles keep at least half of the SMs busy (the extra
// pass over f32 partials would cost more than it saves), else enough for
// about one wave, each split keeping at least 512 of K, at most 8.
inline int pick_output_splits(int M, int N, int K, int sms) {
  const int64_t tiles = int64_t((M + kBM - 1) / kBM) * ((N + kBN - 1) / kBN);
  if (tiles * 2 > sms) return 1;
  int s = int((sms + tiles - 1) / tiles);
  const int max_s = K / 512 < 8 ? K / 512 : 8;
  if (s > max_s) s = max_s;
  return s < 1 ? 1 : s;
}

namespace hopper {
// The Hopper loops' tile width for an N-wide problem: the narrowest that
// covers N up to 256; above, 256 unless that leaves SMs without a block.
inline int pick_width(int M, int N, int sms) {
  if (N <= 64) return 64;
  if (N <= 128) return 128;
  const int64_t blocks256 = int64_t((M + igemm::kBM - 1) / igemm::kBM) * ((N + 255) / 256);
  return blocks256 >= sms ? 256 : 128;
}
}  // namespace hopper

}  // namespace fb::kernels::cuda::igemm
