#pragma once
// A reference-counted block of memory on one device. Views share a Storage;
// `version` counts in-place writes so autograd can detect a saved tensor that
// was modified before backward.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tensor/device.h"

namespace fb {

struct Storage {
  std::shared_ptr<void> ptr;  // owns the memory; the deleter frees it on its device
  size_t nbytes = 0;
  Device device;
  uint64_t version = 0;

  void* data() const { return ptr.get(); }

  // Allocates uninitialised memory (64-byte aligned on the CPU, where large
  // blocks are reused through the cache of tensor/cpu_allocator.h).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = Device::cpu());
  // Wraps memory owned elsewhere; `owner` keeps it alive.
  static std::shared_ptr<Storage> wrap(std::shared_ptr<void> owner, size_t nbytes, Device device);
};

// Allocators for non-CPU devices register themselves here (the CUDA backend
// does so at start-up); the CPU allocator is built in.
struct DeviceAllocator {
  virtual ~DeviceAllocator() = default;
  virtual void* allocate(size_t nbytes, int device_index) = 0;
  virtual void deallocate(void* p, int device_index) = 0;
};
void register_device_allocator(DeviceType type, DeviceAllocator* allocator);

}  // namespace fb
