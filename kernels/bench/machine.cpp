#include "kernels/bench/machine.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "kernels/bench/timer.h"
#include "kernels/cpu/isa.h"

namespace fb::bench {
namespace {

// 12 independent accumulator chains: more than FMA latency (4) x ports (2),
// so the loop is throughput-bound. Returns a value so nothing is elided.
__attribute__((target("avx2,fma"))) float fma_loop_avx2(long iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * float(i));
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  return out[0];
}

__attribute__((target("avx512f"))) float fma_loop_avx512(long iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * float(i));
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; ++it)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

volatile float g_sink;

double fma_gflops(bool avx512, int threads) {
  const long iters = 4000000;  // ~0.1 s per thread per run
  auto run = [&] {
    float s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
    s += avx512 ? fma_loop_avx512(iters) : fma_loop_avx2(iters);
    g_sink = s;
  };
  TimingOptions o;
  o.warmup = 1;
  o.min_repeats = 5;
  o.min_seconds = 0.3;
  const Timing t = time_it(run, o);
  const double flops = 2.0 * 12 * (avx512 ? 16 : 8) * double(iters) * threads;
  // The best sample: the peak is what the hardware can do when undisturbed.
  return flops / t.min_s * 1e-9;
}

double triad_gbs(int threads) {
  const size_t n = size_t(32) << 20;  // 3 x 128 MiB, far past any L3
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < n; ++i) a[i] = 0.0f;  // first touch by the same threads
  auto run = [&] {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 0.5f * c[i];
  };
  TimingOptions o;
  o.warmup = 1;
  o.min_repeats = 5;
  o.min_seconds = 0.3;
  const Timing t = time_it(run, o);
  g_sink = a[n / 2];
  return 12.0 * double(n) / t.median_s * 1e-9;
}

}  // namespace

MachinePeaks measure_machine(int threads) {
  MachinePeaks p;
  p.threads = threads;
  const kernels::cpu::Isa isa = kernels::cpu::detected_isa();
  p.isa = kernels::cpu::isa_name(isa);
  if (int(isa) >= int(kernels::cpu::Isa::Avx2)) p.fma_gflops_avx2 = fma_gflops(false, threads);
  if (isa == kernels::cpu::Isa::Avx512) p.fma_gflops_avx512 = fma_gflops(true, threads);
  p.fma_gflops = std::max(p.fma_gflops_avx2, p.fma_gflops_avx512);
  p.bandwidth_gbs = triad_gbs(threads);
  return p;
}

}  // namespace fb::bench
