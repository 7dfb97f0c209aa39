#include "tensor/storage.h"

#include <cstdlib>
#include <new>

#include "tensor/cpu_allocator.h"
#include "tensor/error.h"

namespace fb {

namespace {
DeviceAllocator* g_cuda_allocator = nullptr;
}

void register_device_allocator(DeviceType type, DeviceAllocator* allocator) {
  FB_CHECK(type == DeviceType::CUDA, "register_device_allocator: only CUDA allocators can be registered");
  g_cuda_allocator = allocator;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  auto s = std::make_shared<Storage>();
  s->nbytes = nbytes;
  s->device = device;
  if (device.is_cpu()) {
    void* p = cpu_memory::allocate(nbytes);
    s->ptr = std::shared_ptr<void>(p, [nbytes](void* q) { cpu_memory::deallocate(q, nbytes); });
  } else {
    FB_CHECK(g_cuda_allocator != nullptr, "no allocator for device ", device.str(),
             ": this build has no CUDA backend or it was not initialised");
    DeviceAllocator* a = g_cuda_allocator;
    int idx = device.index;
    void* p = a->allocate(nbytes, idx);
    s->ptr = std::shared_ptr<void>(p, [a, idx](void* q) { a->deallocate(q, idx); });
  }
  return s;
}

std::shared_ptr<Storage> Storage::wrap(std::shared_ptr<void> owner, size_t nbytes, Device device) {
  auto s = std::make_shared<Storage>();
  s->ptr = std::move(owner);
  s->nbytes = nbytes;
  s->device = device;
  return s;
}

}  // namespace fb
