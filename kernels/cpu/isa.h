#pragma once
// Which SIMD instruction set the fast float kernels use, decided at run time.
//
// The library may be compiled for a portable baseline (-march=x86-64) and
// still run AVX-512 or AVX2+FMA micro-kernels: those live in functions built
// with __attribute__((target(...))) and are only called after CPUID says the
// host has them. Tests and benchmarks can force a lower path to exercise it.
namespace fb::kernels::cpu {

enum class Isa { Generic, Avx2, Avx512 };

// Best instruction set this CPU supports (CPUID; also honours the environment
// variable FB_CPU_ISA=generic|avx2|avx512 as an upper bound).
Isa detected_isa();
// The instruction set the kernels use now: detected_isa() unless forced.
Isa active_isa();
// Forces `isa` (clamped to what the CPU supports); returns the previous one.
Isa force_isa(Isa isa);
const char* isa_name(Isa isa);

class IsaGuard {
 public:
  explicit IsaGuard(Isa isa) : prev_(force_isa(isa)) {}
  ~IsaGuard() { force_isa(prev_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa prev_;
};

// Data-cache sizes in bytes (sysconf, with conservative fallbacks).
struct CacheSizes {
  long l1d, l2, l3;
};
const CacheSizes& cache_sizes();

}  // namespace fb::kernels::cpu
