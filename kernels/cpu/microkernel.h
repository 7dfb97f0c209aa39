#pragma once
// GEMM micro-kernels: the innermost MR x NR register tile of the packed GEMM.
//
//   C[0:mr, 0:nr] = alpha * Ap @ Bp + beta * C      (beta == 0: C not read)
//
// Ap is one packed A micro-panel, Ap[k*MR + i]; Bp one packed B micro-panel,
// Bp[k*NR + j], both 64-byte aligned. mr <= MR and nr <= NR clip the tile at
// the matrix edges (the panels are zero-padded, so the arithmetic is always
// full-size and only the stores are masked).
//
// The MR x NR accumulators live in vector registers for the whole k loop;
// every k step loads NR/VL vectors of B, broadcasts MR scalars of A and issues
// MR*NR/VL independent FMAs. MR*NR/VL must cover FMA latency x FMA ports
// (4 x 2 = 8 in flight) and fit the register file with the B vectors:
//   AVX-512: 12 x 32 -> 24 accumulators + 2 B + 1 broadcast of 32 zmm
//   AVX2   :  6 x 16 -> 12 accumulators + 2 B + 1 broadcast of 16 ymm
#include <cstdint>

#include "kernels/cpu/isa.h"

namespace fb::kernels::cpu {

template <typename T>
using MicroKernelFn = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, int64_t mr, int64_t nr,
                               T alpha, T beta);

template <typename T>
struct MicroKernel {
  int mr, nr;
  MicroKernelFn<T> fn;
  Isa isa;
};

// The float micro-kernel for `isa` (which the caller has checked the CPU has).
MicroKernel<float> micro_kernel_f32(Isa isa);
// Double precision runs the portable kernel only: it serves gradchecks and
// tests, not throughput.
MicroKernel<double> micro_kernel_f64();

template <typename T>
MicroKernel<T> micro_kernel_for(Isa isa) {
  if constexpr (sizeof(T) == 4)
    return micro_kernel_f32(isa);
  else
    return micro_kernel_f64();
}

// Per-ISA kernels (each in its own translation unit, compiled for its target).
MicroKernel<float> micro_kernel_avx512_f32();
MicroKernel<float> micro_kernel_avx2_f32();

}  // namespace fb::kernels::cpu
