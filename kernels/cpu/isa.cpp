// Run-time CPU feature detection for the fast kernels.
#include "kernels/cpu/isa.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace fb::kernels::cpu {
namespace {

Isa probe() {
  Isa best = Isa::Generic;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (best == Isa::Avx2 && __builtin_cpu_supports("avx512f")) best = Isa::Avx512;
#endif
  if (const char* env = std::getenv("FB_CPU_ISA")) {
    Isa cap = best;
    if (!std::strcmp(env, "generic")) cap = Isa::Generic;
    if (!std::strcmp(env, "avx2")) cap = Isa::Avx2;
    if (int(cap) < int(best)) best = cap;
  }
  return best;
}

std::atomic<int>& forced() {
  static std::atomic<int> f{-1};
  return f;
}

}  // namespace

Isa detected_isa() {
  static const Isa isa = probe();
  return isa;
}

Isa active_isa() {
  const int f = forced().load(std::memory_order_relaxed);
  return f < 0 ? detected_isa() : Isa(f);
}

Isa force_isa(Isa isa) {
  const Isa prev = active_isa();
  if (int(isa) > int(detected_isa())) isa = detected_isa();
  forced().store(int(isa), std::memory_order_relaxed);
  return prev;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

const CacheSizes& cache_sizes() {
  static const CacheSizes c = [] {
    auto get = [](int name, long fallback) {
      const long v = sysconf(name);
      return v > 0 ? v : fallback;
    };
    CacheSizes s{};
#if defined(_SC_LEVEL1_DCACHE_SIZE)
    s.l1d = get(_SC_LEVEL1_DCACHE_SIZE, 32 * 1024);
    s.l2 = get(_SC_LEVEL2_CACHE_SIZE, 512 * 1024);
    s.l3 = get(_SC_LEVEL3_CACHE_SIZE, 8 * 1024 * 1024);
#else
    s = {32 * 1024, 512 * 1024, 8 * 1024 * 1024};
#endif
    return s;
  }();
  return c;
}

}  // namespace fb::kernels::cpu
