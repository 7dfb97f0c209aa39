#pragma once
// The CUDA device runtime, seen from plain C++ (no CUDA headers here, so any
// translation unit may include it): device queries, the caching allocator's
// statistics, streams and events, pinned host memory and asynchronous copies.
//
// Without a CUDA build, or on a machine without a GPU or driver,
// device_count() returns 0 and everything else that needs a device throws a
// clear fb::Error. Tests and tools check device_count() first.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace fb::cuda {

// True when this library was compiled with the CUDA backend.
bool compiled_with_cuda();
// Number of usable CUDA devices; 0 (never an error) without GPU or driver.
int device_count();
// Why device_count() is 0, for skip messages ("" when devices exist).
std::string unavailable_reason();
// Registers the caching allocator and the cross-device copy with tensor/.
// Idempotent; done by device_count() when it finds a device and by every
// CUDA kernel entry point, so a program that checks device_count() first
// never needs it. Throws when no device is usable.
void init();
// Name and compute capability of device `index`, e.g. "NVIDIA H100 (sm_90)".
std::string device_name(int index = 0);
void synchronize();  // waits for all work on the current device

// ---- caching allocator ------------------------------------------------------
// Freed blocks stay reserved and are handed out again for requests of the same
// size class on the same stream; empty_cache() returns them to the driver.
struct AllocatorStats {
  size_t allocated_bytes = 0;       // in live tensors (rounded to the size class)
  size_t reserved_bytes = 0;        // held from the driver (live + cached)
  size_t peak_allocated_bytes = 0;
  uint64_t num_allocs = 0;          // allocate() calls
  uint64_t num_cache_hits = 0;      // served from the cache
  uint64_t num_driver_allocs = 0;   // cudaMalloc calls
};
AllocatorStats allocator_stats(int device = 0);
void reset_peak_stats(int device = 0);
void empty_cache();
// The size class a request of nbytes is rounded to (exposed for tests).
size_t allocation_size_class(size_t nbytes);

// ---- streams and events -----------------------------------------------------
// Kernels launch on the current stream of the calling thread (default: the
// legacy default stream). Stream objects own a non-blocking stream.
class Stream {
 public:
  Stream();  // creates a stream on the current device
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  void synchronize() const;
  void* native() const { return handle_; }  // cudaStream_t

 private:
  void* handle_ = nullptr;
};

// The calling thread's current stream as a cudaStream_t (nullptr = default).
void* current_stream();
void set_current_stream(void* stream);
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& s) : prev_(current_stream()) { set_current_stream(s.native()); }
  ~StreamGuard() { set_current_stream(prev_); }
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  void* prev_;
};

class Event {
 public:
  Event();  // timing-capable event
  ~Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(void* stream = current_stream());
  void synchronize() const;
  bool query() const;                        // true when the recorded work is done
  float elapsed_ms(const Event& end) const;  // from this event to `end`

 private:
  void* handle_ = nullptr;
};

// ---- host memory and copies -------------------------------------------------
// A CPU tensor in page-locked memory: copies from it to the device can run
// asynchronously and at full PCIe/NVLink speed (the data loader's buffers).
Tensor pinned_empty(const Shape& shape, DType dtype = DType::f32);
// dst = src between any devices. Same dtype, both contiguous. Asynchronous on
// the current stream when the host side is pinned; otherwise it returns once
// the host buffer may be reused.
void copy_async(const Tensor& dst, const Tensor& src);

}  // namespace fb::cuda
