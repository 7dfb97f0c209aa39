#include "tensor/cpu_allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "tensor/error.h"

namespace fb::cpu_memory {
namespace {

constexpr size_t kLarge = size_t(1) << 20;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif
#else
constexpr bool kCaching = true;
#endif

size_t cache_limit() {
  const char* e = std::getenv("FB_CPU_CACHE_MB");
  return (e ? size_t(std::strtoull(e, nullptr, 10)) : size_t(4096)) << 20;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free;  // size class -> blocks
  Stats stats;
  size_t limit = cache_limit();
};

// Never destroyed: tensors may be freed during static destruction.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

void* system_alloc(size_t bytes, size_t requested) {
  void* p = std::aligned_alloc(64, bytes);
  if (!p) FB_FAIL("out of memory: could not allocate ", requested, " bytes on the cpu");
  return p;
}

}  // namespace

size_t size_class(size_t nbytes) {
  size_t padded = (nbytes + 63) / 64 * 64;
  if (padded == 0) padded = 64;
  if (padded < kLarge) return padded;
  // Round up to a multiple of 1/8 of the highest power of two below.
  size_t top = size_t(1) << (63 - __builtin_clzll(padded));
  const size_t step = top / 8;
  return (padded + step - 1) / step * step;
}

void* allocate(size_t nbytes) {
  const size_t bytes = size_class(nbytes);
  if (!kCaching || bytes < kLarge) return system_alloc(bytes, nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    ++c.stats.large_allocs;
    auto it = c.free.find(bytes);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cached_bytes -= bytes;
      ++c.stats.cache_hits;
      return p;
    }
  }
  return system_alloc(bytes, nbytes);
}

void deallocate(void* p, size_t nbytes) {
  if (!p) return;
  const size_t bytes = size_class(nbytes);
  if (kCaching && bytes >= kLarge) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.stats.cached_bytes + bytes <= c.limit) {
      c.free[bytes].push_back(p);
      c.stats.cached_bytes += bytes;
      return;
    }
  }
  std::free(p);
}

bool caching() { return kCaching && cache().limit > 0; }

Stats stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [bytes, blocks] : c.free)
    for (void* p : blocks) std::free(p);
  c.free.clear();
  c.stats.cached_bytes = 0;
}

}  // namespace fb::cpu_memory
