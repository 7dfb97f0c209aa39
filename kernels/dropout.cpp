// Dropout mask from counter-based random numbers. Element i takes 32-bit
// word i % 4 of philox4x32(counter = offset + i / 4, seed): a mask of n
// elements consumes ceil(n / 4) counters (reserve them with
// Generator::advance), and every element depends only on (seed, offset, i),
// so the mask is the same for any thread count, and on a CUDA device
// (kernels/cuda/dropout.cu draws it there with the same counters).
#include <cmath>

#include "kernels/backend.h"
#include "kernels/cuda/ops.h"
#include "kernels/ops.h"
#include "tensor/random.h"

namespace fb::kernels {
namespace {

// An element is dropped when its word u (uniform on [0, 2^32)) is below
// threshold = round(p * 2^32), i.e. with probability p.
template <typename T>
void mask_reference(T* out, int64_t n, uint64_t threshold, T keep, uint64_t seed, uint64_t offset) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t u = philox4x32(offset + static_cast<uint64_t>(i / 4), 0, seed)[i % 4];
    out[i] = u < threshold ? T(0) : keep;
  }
}

// One Philox call per four elements, counters spread over threads.
template <typename T>
void mask_cpu(T* out, int64_t n, uint64_t threshold, T keep, uint64_t seed, uint64_t offset) {
  const int64_t counters = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (n >= 65536)
  for (int64_t c = 0; c < counters; ++c) {
    const auto w = philox4x32(offset + static_cast<uint64_t>(c), 0, seed);
    const int64_t base = 4 * c;
    for (int64_t k = 0; k < 4 && base + k < n; ++k) out[base + k] = w[k] < threshold ? T(0) : keep;
  }
}

}  // namespace

Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, uint64_t offset, DType dtype, Device device) {
  if (device.is_cuda()) return cuda::dropout_mask(shape, p, seed, offset, dtype, device);
  FB_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p);
  FB_CHECK(dtype == DType::f32 || dtype == DType::f64, "dropout: dtype ", dtype_name(dtype),
           " is not supported, only f32 and f64 (shape ", shape_str(shape), ")");
  Tensor mask = Tensor::empty(shape, dtype);
  const int64_t n = mask.numel();
  const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 4294967296.0));
  const bool reference = cpu_backend() == CpuBackend::Reference;
  if (dtype == DType::f32) {
    (reference ? mask_reference<float> : mask_cpu<float>)(mask.data<float>(), n, threshold,
                                                          static_cast<float>(1.0 / (1.0 - p)), seed, offset);
  } else {
    (reference ? mask_reference<double> : mask_cpu<double>)(mask.data<double>(), n, threshold, 1.0 / (1.0 - p),
                                                            seed, offset);
  }
  return mask;
}

}  // namespace fb::kernels
