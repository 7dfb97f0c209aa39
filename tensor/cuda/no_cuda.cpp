// The device runtime of a build without CUDA: the same API, no devices.
#ifndef FB_HAVE_CUDA
#include "tensor/cuda/runtime.h"

namespace fb::cuda {

namespace {
[[noreturn]] void no_cuda() { FB_FAIL("CUDA: this build of facebench has no CUDA backend (configure with FB_CUDA=ON)"); }
}  // namespace

bool compiled_with_cuda() { return false; }
int device_count() { return 0; }
std::string unavailable_reason() { return "built without CUDA"; }
void init() { no_cuda(); }
std::string device_name(int) { no_cuda(); }
void synchronize() { no_cuda(); }
AllocatorStats allocator_stats(int) { return {}; }
void reset_peak_stats(int) {}
void empty_cache() {}
size_t allocation_size_class(size_t n) { return n; }
Stream::Stream() { no_cuda(); }
Stream::~Stream() {}
void Stream::synchronize() const {}
void* current_stream() { return nullptr; }
void set_current_stream(void*) {}
Event::Event() { no_cuda(); }
Event::~Event() {}
void Event::record(void*) {}
void Event::synchronize() const {}
bool Event::query() const { return true; }
float Event::elapsed_ms(const Event&) const { return 0; }
Tensor pinned_empty(const Shape&, DType) { no_cuda(); }
void copy_async(const Tensor&, const Tensor&) { no_cuda(); }

}  // namespace fb::cuda
#endif
