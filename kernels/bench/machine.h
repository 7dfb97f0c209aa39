#pragma once
// Measures what this machine can do, as the denominators of the benchmark:
// the FP32 FMA peak (independent FMA chains in registers, all threads) and
// the sustained memory bandwidth (a STREAM-like triad over arrays far larger
// than the caches).
namespace fb::bench {

struct MachinePeaks {
  int threads = 1;
  const char* isa = "generic";
  double fma_gflops = 0;         // best of the ISAs the CPU runs, all threads
  double fma_gflops_avx2 = 0;    // 256-bit FMAs
  double fma_gflops_avx512 = 0;  // 512-bit FMAs (0 when the CPU has none)
  double bandwidth_gbs = 0;      // triad a = b + s*c, 12 bytes per element
};

MachinePeaks measure_machine(int threads);

}  // namespace fb::bench
