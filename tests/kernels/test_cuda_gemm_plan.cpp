// The CUDA GEMM engine's host-side plan (kernels/cuda/gemm_plan.h): how K is
// cut into splits and which tile width the Hopper loops take, checked for
// their invariants over wide ranges of shapes.
#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

#include "kernels/cuda/gemm_plan.h"

using namespace fb::kernels::cuda::igemm;

TEST_CASE("gemm plan: K splits are whole 64-deep tiles, non-empty, never more than asked, and cover K") {
  int bad = 0;
  for (int K = 1; K <= 6000; K += (K < 300 ? 1 : 37))
    for (int splits = 0; splits <= 20; ++splits) {
      const int chunk = split_chunk(K, splits), used = (K + chunk - 1) / chunk;
      bad += chunk % kKStep != 0;                     // no tile straddles two splits
      bad += used < 1 || used > (splits < 1 ? 1 : splits);
      bad += (used - 1) * chunk >= K;                 // the last split has work
      bad += int64_t(used) * chunk < K;               // together they cover K
    }
  CHECK(bad == 0);
}

TEST_CASE("gemm plan: split counts stay within their bounds") {
  int bad = 0;
  for (int sms : {16, 108, 132})
    for (int M : {1, 100, 128, 129, 1568, 6272, 100352})
      for (int N : {1, 64, 128, 512, 2048})
        for (int K : {1, 255, 256, 511, 512, 2048, 4608, 100000}) {
          const int s = pick_splits(M, N, K, sms);
          bad += s < 1 || (s > 1 && s * 256 > K);
          const int o = pick_output_splits(M, N, K, sms);
          const int64_t tiles = int64_t((M + kBM - 1) / kBM) * ((N + kBN - 1) / kBN);
          bad += o < 1 || o > 8 || (o > 1 && o * 512 > K) || (tiles * 2 > sms && o != 1);
        }
  CHECK(bad == 0);
  // ResNet-50's 7x7 stage at batch 32 on 132 SMs: 13 x 4 tiles, K = 4608 -> 3 splits.
  CHECK(pick_output_splits(1568, 512, 4608, 132) == 3);
  CHECK(pick_output_splits(100352, 64, 576, 132) == 1);  // its 56x56 stage fills the GPU
}

TEST_CASE("gemm plan: the Hopper tile width covers narrow problems and goes to 256 only with a block per SM") {
  int bad = 0;
  for (int sms : {66, 132})
    for (int M = 1; M <= 40000; M = M * 3 + 1)
      for (int N = 1; N <= 5000; N = N * 2 + 7) {
        const int w = hopper::pick_width(M, N, sms);
        const int64_t blocks256 = int64_t((M + 127) / 128) * ((N + 255) / 256);
        bad += w != 64 && w != 128 && w != 256;
        bad += N <= 64 ? w != 64 : N <= 128 ? w != 128 : (w == 256) != (blocks256 >= sms);
      }
  CHECK(bad == 0);
  CHECK(hopper::pick_width(4096, 4096, 132) == 256);  // the 4096^3 benchmark: 32 x 16 blocks
  CHECK(hopper::pick_width(1568, 512, 132) == 128);   // 13 x 2 blocks of 256 would leave 106 SMs idle
}
