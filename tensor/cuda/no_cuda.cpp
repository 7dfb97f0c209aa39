// The device runtime and tensor operations of a build without CUDA: the same
// API, no devices. (No CUDA tensor can exist in such a build, so the
// operations are never reached through tensor/ops.cpp.)
#ifndef FB_HAVE_CUDA
#include "tensor/cuda/ops.h"
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

Tensor binary(BinaryOp, const Tensor&, const Tensor&) { no_cuda(); }
Tensor unary(UnaryOp, const Tensor&, double, double) { no_cuda(); }
void fill(const Tensor&, double) { no_cuda(); }
void add_inplace(const Tensor&, const Tensor&, double) { no_cuda(); }
void mul_inplace(const Tensor&, double) { no_cuda(); }
Tensor reduce(ReduceOp, const Tensor&, const std::vector<int64_t>&, bool) { no_cuda(); }
Tensor index_select(const Tensor&, int64_t, const Tensor&) { no_cuda(); }
Tensor gather(const Tensor&, int64_t, const Tensor&) { no_cuda(); }
Tensor one_hot(const Tensor&, int64_t, DType) { no_cuda(); }

}  // namespace fb::cuda
#endif
