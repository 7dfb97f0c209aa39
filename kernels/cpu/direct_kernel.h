#pragma once
// "Direct-A" float micro-kernels for convolutions: like the GEMM micro-kernel
// (microkernel.h) but A is read in place instead of from a packed panel.
//
// In an NHWC convolution the MR output pixels of one output row see, for a
// fixed tap (kh, kw), MR input pixels a constant stride apart, each holding
// its channels contiguously. So for that tap the A operand is an ordinary
// row-major matrix, A[i][c] = a_seg[i*lda + c] with lda = stride_w * C, and
// the whole reduction over taps and channels is `nseg` such segments:
//
//   C[0:mr, 0:nr] (+)= sum_s sum_k a_seg[s][i*lda + k] * Bp[s*kseg + k][j]
//
// Bp is the weight panel packed [nseg*kseg][NR]. The accumulators stay in
// registers across all segments, so C is written once per tile. Skipping the
// A packing matters because a convolution has few NR-wide output panels
// (64..512 channels = 2..16 panels) to amortise a transposing pack over.
// beta is 0 (overwrite) or 1 (accumulate, for split reductions).
#include <cstdint>

#include "kernels/cpu/isa.h"

namespace fb::kernels::cpu {

using DirectKernelFn = void (*)(int64_t nseg, const float* const* a_seg, int64_t lda, int64_t kseg, const float* b,
                                float* c, int64_t ldc, int64_t nr, float beta);

struct DirectKernel {
  static constexpr int kMaxMr = 14;
  int max_mr = 0, nr = 0;
  DirectKernelFn fn[kMaxMr + 1] = {};  // fn[mr] computes exactly mr rows, 1 <= mr <= max_mr
  Isa isa = Isa::Generic;
};

// The direct kernels for `isa`; Generic falls back to AVX2's shape in
// portable code.
const DirectKernel& direct_kernel(Isa isa);

const DirectKernel& direct_kernel_avx512();
const DirectKernel& direct_kernel_avx2();
const DirectKernel& direct_kernel_portable();

}  // namespace fb::kernels::cpu
