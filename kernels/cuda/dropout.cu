// The dropout mask drawn on the device, bit for bit the CPU's mask
// (kernels/dropout.cpp): element i takes 32-bit word i % 4 of
// philox4x32(counter = offset + i / 4, key = seed) and is dropped when that
// word is below round(p * 2^32). tensor/philox.h compiles the generator for
// host and device alike, and the threshold and the kept value are computed
// on the host as the CPU path computes them, so only integer comparisons
// happen here: nothing a GPU could round differently.
//
// One thread per counter (four elements), grid-stride: no host round trip and
// no copy of a host-drawn mask.
#include <cmath>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ops.h"
#include "tensor/philox.h"

namespace fb::kernels::cuda {
namespace {

template <typename T>
__global__ void dropout_mask_kernel(T* __restrict__ out, int64_t n, uint64_t threshold, T keep, uint64_t seed,
                                    uint64_t offset) {
  const int64_t counters = (n + 3) / 4;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < counters;
       c += int64_t(gridDim.x) * blockDim.x) {
    const PhiloxWords w = philox4x32_words(offset + static_cast<uint64_t>(c), 0, seed);
    const int64_t base = 4 * c;
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (base + k < n) out[base + k] = w.w[k] < threshold ? T(0) : keep;
  }
}

}  // namespace

Tensor dropout_mask(const Shape& shape, double p, uint64_t seed, uint64_t offset, DType dtype, Device device) {
  FB_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p);
  FB_CHECK(dtype == DType::f32 || dtype == DType::f64, "dropout: dtype ", dtype_name(dtype),
           " is not supported, only f32 and f64 (shape ", shape_str(shape), ")");
  FB_CHECK(device.is_cuda(), "dropout: a CUDA mask was asked for on ", device.str());
  fb::cuda::init();
  FB_CUDA_CHECK(cudaSetDevice(device.index));
  Tensor mask = Tensor::empty(shape, dtype, device);
  const int64_t n = mask.numel();
  if (n == 0) return mask;
  // As kernels/dropout.cpp: the same threshold and the same rounding of the kept value.
  const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 4294967296.0));
  const int64_t counters = (n + 3) / 4;
  const cudaStream_t st = fb::cuda::stream();
  if (dtype == DType::f32)
    dropout_mask_kernel<float><<<grid_for(counters), 256, 0, st>>>(
        mask.data<float>(), n, threshold, static_cast<float>(1.0 / (1.0 - p)), seed, offset);
  else
    dropout_mask_kernel<double><<<grid_for(counters), 256, 0, st>>>(mask.data<double>(), n, threshold,
                                                                    1.0 / (1.0 - p), seed, offset);
  FB_CUDA_CHECK_LAUNCH();
  return mask;
}

}  // namespace fb::kernels::cuda
