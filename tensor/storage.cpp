#include "tensor/storage.h"

#include <cstdlib>
#include <new>

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
    // Round up so aligned_alloc's size is a multiple of the alignment; never 0.
    size_t padded = (nbytes + 63) / 64 * 64;
    if (padded == 0) padded = 64;
    void* p = std::aligned_alloc(64, padded);
    if (!p) FB_FAIL("out of memory: could not allocate ", nbytes, " bytes on the cpu");
    s->ptr = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
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
