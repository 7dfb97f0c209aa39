#pragma once
// Host memory for CPU tensors: 64-byte aligned blocks. Large blocks (1 MiB
// and up) are cached when freed and handed out again for requests of the same
// size class, because a fresh large block comes from the kernel as untouched
// pages: every training step would otherwise pay a page fault (and a zeroing)
// per 4 KiB of each activation it allocates — about 10% of a ResNet-18 step
// at 112 px. Size classes are 1/8 of a power of two apart (at most 12.5%
// waste). The cache keeps at most FB_CPU_CACHE_MB (default 4096) MiB; in
// sanitizer builds it is off, so use-after-free stays detectable.
// Thread-safe.
#include <cstddef>
#include <cstdint>

namespace fb::cpu_memory {

void* allocate(size_t nbytes);  // never null: throws fb::Error when out of memory
void deallocate(void* p, size_t nbytes);

struct Stats {
  size_t cached_bytes = 0;     // held in the cache, free
  uint64_t large_allocs = 0;   // requests of at least 1 MiB
  uint64_t cache_hits = 0;     // ... served from the cache
};
Stats stats();
// Whether freed large blocks are kept (false in sanitizer builds or with
// FB_CPU_CACHE_MB=0).
bool caching();
// Returns every cached block to the system.
void empty_cache();
// The size a request is rounded to (exposed for tests).
size_t size_class(size_t nbytes);

}  // namespace fb::cpu_memory
