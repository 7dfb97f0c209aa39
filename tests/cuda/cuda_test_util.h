#pragma once
// Helpers of the CUDA test suite: the skip guard, random operands, and the
// comparison of a CUDA result against the reference computed in f64.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/backend.h"
#include "kernels/ops.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace fbtest {

// True (and a printed "skipped: no CUDA device") when there is no GPU.
inline bool no_cuda_device() {
  if (fb::cuda::device_count() > 0) return false;
  static bool said = false;
  if (!said) {
    std::printf("skipped: no CUDA device (%s)\n", fb::cuda::unavailable_reason().c_str());
    said = true;
  }
  MESSAGE("skipped: no CUDA device");
  return true;
}

#define FB_SKIP_WITHOUT_CUDA() \
  do {                         \
    if (fbtest::no_cuda_device()) return; \
  } while (0)

inline fb::Tensor rnd(const fb::Shape& s, fb::Generator& gen, double lo = -1.0, double hi = 1.0) {
  return fb::uniform(s, lo, hi, gen, fb::DType::f32);
}
inline fb::Tensor gpu(const fb::Tensor& t) { return t.to(fb::Device::cuda()); }
inline fb::Tensor f64(const fb::Tensor& t) { return t.to(fb::Device::cpu()).to(fb::DType::f64); }

// ||cuda - ref|| / ||ref|| with both in f64 on the host.
inline double rel(const fb::Tensor& cuda_result, const fb::Tensor& ref) {
  REQUIRE(cuda_result.device().is_cuda());
  REQUIRE(cuda_result.shape() == ref.shape());
  return fb::ops::rel_error(f64(cuda_result), f64(ref));
}

// Runs f under the reference CPU backend (the oracle).
template <typename F>
auto reference(F&& f) {
  fb::kernels::CpuBackendGuard g(fb::kernels::CpuBackend::Reference);
  return f();
}

}  // namespace fbtest
