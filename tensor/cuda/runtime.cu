// Device queries, initialisation, streams, events and pinned host memory.
#include <mutex>

#include "tensor/cuda/check.h"
#include "tensor/cuda/runtime.h"

namespace fb::cuda {

namespace detail {
void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
  FB_FAIL("CUDA error ", static_cast<int>(e), " (", cudaGetErrorName(e), ": ", cudaGetErrorString(e), ") in ", call,
          " at ", file, ":", line);
}
}  // namespace detail

namespace {
// The device count is probed once: without a driver cudaGetDeviceCount
// returns an error (no device, insufficient driver), which means 0 devices.
struct Probe {
  int count = 0;
  std::string reason;
};
const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    cudaError_t e = cudaGetDeviceCount(&r.count);
    if (e != cudaSuccess) {
      r.count = 0;
      r.reason = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
      cudaGetLastError();  // clear the sticky-free error so later calls start clean
    } else if (r.count == 0) {
      r.reason = "the driver reports no CUDA device";
    }
    return r;
  }();
  return p;
}
thread_local void* t_stream = nullptr;
}  // namespace

// Hands the caching allocator and the copy hook to tensor/ (no CUDA call).
void register_hooks_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_allocator();
    register_copy();
  });
}

bool compiled_with_cuda() { return true; }
int device_count() {
  const int n = probe().count;
  if (n > 0) register_hooks_once();  // so that Tensor::empty(..., Device::cuda()) works after the usual check
  return n;
}
std::string unavailable_reason() { return probe().reason; }

void init() {
  FB_CHECK(probe().count > 0, "CUDA: no usable device (", unavailable_reason(), ")");
  register_hooks_once();
}

std::string device_name(int index) {
  FB_CHECK(index >= 0 && index < device_count(), "CUDA: device ", index, " does not exist (", device_count(),
           " devices)");
  cudaDeviceProp prop{};
  FB_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
         std::to_string(prop.multiProcessorCount) + " SMs, " +
         std::to_string(prop.totalGlobalMem >> 20) + " MiB)";
}

void synchronize() {
  init();
  FB_CUDA_CHECK(cudaDeviceSynchronize());
}

void* current_stream() { return t_stream; }
void set_current_stream(void* s) { t_stream = s; }

Stream::Stream() {
  init();
  cudaStream_t s;
  FB_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  handle_ = s;
}
Stream::~Stream() {
  if (handle_) cudaStreamDestroy(static_cast<cudaStream_t>(handle_));
}
void Stream::synchronize() const { FB_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(handle_))); }

Event::Event() {
  init();
  cudaEvent_t e;
  FB_CUDA_CHECK(cudaEventCreate(&e));
  handle_ = e;
}
Event::~Event() {
  if (handle_) cudaEventDestroy(static_cast<cudaEvent_t>(handle_));
}
void Event::record(void* s) {
  FB_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(handle_), static_cast<cudaStream_t>(s)));
}
void Event::synchronize() const { FB_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(handle_))); }
bool Event::query() const {
  cudaError_t e = cudaEventQuery(static_cast<cudaEvent_t>(handle_));
  if (e == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  FB_CUDA_CHECK(e);
  return true;
}
float Event::elapsed_ms(const Event& end) const {
  float ms = 0;
  FB_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(handle_), static_cast<cudaEvent_t>(end.handle_)));
  return ms;
}

Tensor pinned_empty(const Shape& shape, DType dtype) {
  init();
  const size_t nbytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  void* p = nullptr;
  FB_CUDA_CHECK(cudaMallocHost(&p, nbytes ? nbytes : 1));
  auto owner = std::shared_ptr<void>(p, [](void* q) { cudaFreeHost(q); });
  auto st = Storage::wrap(owner, nbytes, Device::cpu());
  return Tensor::view_of(st, shape, contiguous_strides(shape), 0, dtype);
}

void copy_async(const Tensor& dst, const Tensor& src) {
  init();
  FB_CHECK(dst.shape() == src.shape() && dst.dtype() == src.dtype(), "copy_async: dst ", dst.str(), " and src ",
           src.str(), " differ in shape or dtype");
  FB_CHECK(dst.is_contiguous() && src.is_contiguous(), "copy_async: both tensors must be contiguous (dst ",
           dst.str(), ", src ", src.str(), ")");
  // cudaMemcpyDefault lets unified addressing work out the direction.
  FB_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), src.nbytes(), cudaMemcpyDefault, stream()));
  dst.bump_version();
}

}  // namespace fb::cuda
