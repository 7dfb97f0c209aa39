// The caching device allocator.
//
// cudaMalloc and cudaFree are slow (they may synchronise the device), and a
// training step allocates the same sizes over and over. So freed blocks are
// kept in a per-device cache and handed out again:
//   * requests are rounded to a size class (512 B steps below 1 MiB, 2 MiB
//     steps above), so nearly equal sizes share blocks;
//   * a cached block is reused only by a request on the stream it was last
//     used on: work queued on that stream is ordered before the new use, so no
//     synchronisation is needed (a block used across streams must be handed
//     over with an event by the caller);
//   * a request takes the smallest cached block that fits, and only blocks at
//     most twice its size, so large blocks are not wasted on small tensors;
//   * when cudaMalloc fails the cache is released and the call retried once.
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"
#include "tensor/storage.h"

namespace fb::cuda {

size_t allocation_size_class(size_t n) {
  constexpr size_t kSmall = 512, kLarge = size_t(2) << 20, kSmallLimit = size_t(1) << 20;
  if (n == 0) n = 1;
  if (n <= kSmallLimit) return (n + kSmall - 1) / kSmall * kSmall;
  return (n + kLarge - 1) / kLarge * kLarge;
}

namespace {

struct Block {
  size_t size;
  cudaStream_t stream;
};

struct DeviceCache {
  std::unordered_map<void*, Block> live;             // handed out
  std::multimap<size_t, std::pair<void*, Block>> free;  // cached, by size
  AllocatorStats stats;
};

class CachingAllocator final : public DeviceAllocator {
 public:
  void* allocate(size_t nbytes, int device) override {
    std::lock_guard<std::mutex> lock(mu_);
    DeviceCache& dc = cache(device);
    const size_t size = allocation_size_class(nbytes);
    const cudaStream_t s = stream();
    dc.stats.num_allocs++;
    for (auto it = dc.free.lower_bound(size); it != dc.free.end() && it->first <= 2 * size; ++it) {
      if (it->second.second.stream != s) continue;
      void* p = it->second.first;
      Block b = it->second.second;
      dc.free.erase(it);
      dc.live[p] = b;
      dc.stats.num_cache_hits++;
      note_alloc(dc, b.size);
      return p;
    }
    DeviceSwitch sw(device);
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached(device, dc);
      e = cudaMalloc(&p, size);
    }
    if (e != cudaSuccess) {
      cudaGetLastError();
      FB_FAIL("CUDA out of memory: cannot allocate ", nbytes, " bytes on cuda:", device, " (", cudaGetErrorString(e),
              "; ", dc.stats.allocated_bytes, " bytes in tensors, ", dc.stats.reserved_bytes, " reserved)");
    }
    dc.stats.num_driver_allocs++;
    dc.stats.reserved_bytes += size;
    dc.live[p] = Block{size, s};
    note_alloc(dc, size);
    return p;
  }

  void deallocate(void* p, int device) override {
    std::lock_guard<std::mutex> lock(mu_);
    DeviceCache& dc = cache(device);
    auto it = dc.live.find(p);
    if (it == dc.live.end()) return;  // not ours: never happens for tensors
    Block b = it->second;
    dc.live.erase(it);
    dc.stats.allocated_bytes -= b.size;
    dc.free.emplace(b.size, std::make_pair(p, b));
  }

  AllocatorStats stats(int device) {
    std::lock_guard<std::mutex> lock(mu_);
    return cache(device).stats;
  }
  void reset_peak(int device) {
    std::lock_guard<std::mutex> lock(mu_);
    DeviceCache& dc = cache(device);
    dc.stats.peak_allocated_bytes = dc.stats.allocated_bytes;
  }
  void empty() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [dev, dc] : caches_) release_cached(dev, dc);
  }

 private:
  // Makes `device` current for a driver call and restores the previous one.
  struct DeviceSwitch {
    int prev = 0;
    explicit DeviceSwitch(int d) {
      FB_CUDA_CHECK(cudaGetDevice(&prev));
      if (prev != d) FB_CUDA_CHECK(cudaSetDevice(d));
    }
    ~DeviceSwitch() { cudaSetDevice(prev); }
  };

  DeviceCache& cache(int device) { return caches_[device]; }

  static void note_alloc(DeviceCache& dc, size_t size) {
    dc.stats.allocated_bytes += size;
    if (dc.stats.allocated_bytes > dc.stats.peak_allocated_bytes)
      dc.stats.peak_allocated_bytes = dc.stats.allocated_bytes;
  }

  // Frees every cached block of a device. Work may still be queued that uses
  // them, so wait for the device first.
  static void release_cached(int device, DeviceCache& dc) {
    if (dc.free.empty()) return;
    DeviceSwitch sw(device);
    FB_CUDA_CHECK(cudaDeviceSynchronize());
    for (auto& [size, pb] : dc.free) {
      FB_CUDA_CHECK(cudaFree(pb.first));
      dc.stats.reserved_bytes -= size;
    }
    dc.free.clear();
  }

  std::mutex mu_;
  std::map<int, DeviceCache> caches_;
};

// Never destroyed: tensors in static storage may be freed after main returns.
CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();
  return *a;
}

}  // namespace

void register_allocator() { register_device_allocator(DeviceType::CUDA, &allocator()); }

AllocatorStats allocator_stats(int device) {
  if (device_count() == 0) return {};
  return allocator().stats(device);
}
void reset_peak_stats(int device) {
  if (device_count() > 0) allocator().reset_peak(device);
}
void empty_cache() {
  if (device_count() > 0) allocator().empty();
}

}  // namespace fb::cuda
