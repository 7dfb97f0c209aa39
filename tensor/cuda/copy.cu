// Copies that touch the GPU: host<->device transfers and device-side strided
// copies with dtype conversion (the kernel behind contiguous(), clone() and
// to(dtype) for CUDA tensors, and behind permute(...).contiguous()).
#include <cuda_bf16.h>

#include <cstdint>

#include "tensor/cuda/check.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/runtime.h"
#include "tensor/ops.h"

namespace fb::cuda {
namespace {

// Device element type for each DType (bf16 is CUDA's __nv_bfloat16, which has
// the same bits as fb::bf16).
template <typename T> struct device_type { using type = T; };
template <> struct device_type<bf16> { using type = __nv_bfloat16; };

// Conversion through float for bf16, through double otherwise (exact for every
// pair of the supported types except the narrowing ones, which round).
template <typename D, typename S>
__device__ __forceinline__ D convert(S s) {
  if constexpr (std::is_same_v<D, S>) {
    return s;
  } else if constexpr (std::is_same_v<S, __nv_bfloat16>) {
    return static_cast<D>(__bfloat162float(s));
  } else if constexpr (std::is_same_v<D, __nv_bfloat16>) {
    return __float2bfloat16(static_cast<float>(s));
  } else {
    return static_cast<D>(s);
  }
}

// One thread per element: the flat (row-major) index is mapped through both
// stride sets. Adjacent threads differ in the innermost coordinate, so a
// contiguous side is read or written coalesced.
template <typename D, typename S>
__global__ void strided_copy_kernel(D* __restrict__ dst, const S* __restrict__ src, StridedLayout<2> L, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    L.offsets(i, off);
    dst[off[0]] = convert<D>(src[off[1]]);
  }
}

// Both on the same device: element-wise strided copy with conversion.
void device_strided_copy(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    FB_CUDA_CHECK(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), dst.nbytes(), cudaMemcpyDeviceToDevice, stream()));
    return;
  }
  const StridedLayout<2> L = make_layout<2>(dst.shape(), {&dst.strides(), &src.strides()}, "copy");
  const int threads = 256;
  const int blocks = grid_for(n, threads);
  dispatch_dtype(dst.dtype(), [&](auto dz) {
    dispatch_dtype(src.dtype(), [&](auto sz) {
      using D = typename device_type<decltype(dz)>::type;
      using S = typename device_type<decltype(sz)>::type;
      strided_copy_kernel<D, S><<<blocks, threads, 0, stream()>>>(static_cast<D*>(dst.raw_data()),
                                                                  static_cast<const S*>(src.raw_data()), L, n);
      FB_CUDA_CHECK_LAUNCH();
    });
  });
}

// The hook registered with tensor/: any copy with a CUDA side.
void cuda_copy(const Tensor& dst, const Tensor& src) {
  const bool dst_gpu = dst.device().is_cuda(), src_gpu = src.device().is_cuda();
  if (dst.numel() == 0) return;
  if (dst_gpu && src_gpu) {
    if (dst.device() == src.device()) return device_strided_copy(dst, src);
    // Across GPUs: make src contiguous on its device, copy peer-to-peer into
    // a contiguous buffer on dst's device, then convert/scatter there.
    Tensor s = src.contiguous();
    Tensor t = Tensor::empty(src.shape(), src.dtype(), dst.device());
    FB_CUDA_CHECK(cudaMemcpyPeerAsync(t.raw_data(), dst.device().index, s.raw_data(), src.device().index, s.nbytes(),
                                      stream()));
    return device_strided_copy(dst, t);
  }
  if (dst_gpu) {
    // Host -> device: convert and pack on the host, one transfer, then scatter
    // on the device if dst is a strided view.
    Tensor s = src;
    if (s.dtype() != dst.dtype() || !s.is_contiguous()) s = src.to(dst.dtype()).contiguous();
    Tensor t = dst.is_contiguous() ? dst : Tensor::empty(dst.shape(), dst.dtype(), dst.device());
    FB_CUDA_CHECK(cudaMemcpyAsync(t.raw_data(), s.raw_data(), s.nbytes(), cudaMemcpyHostToDevice, stream()));
    // The host buffer may be a temporary: wait before it is freed.
    FB_CUDA_CHECK(cudaStreamSynchronize(stream()));
    if (!t.same(dst)) device_strided_copy(dst, t);
    return;
  }
  // Device -> host: pack (and convert) on the device, one transfer, then
  // scatter on the host if needed.
  Tensor s = src;
  if (!s.is_contiguous() || s.dtype() != dst.dtype()) {
    s = Tensor::empty(src.shape(), dst.dtype(), src.device());
    device_strided_copy(s, src);
  }
  Tensor h = dst.is_contiguous() ? dst : Tensor::empty(dst.shape(), dst.dtype());
  FB_CUDA_CHECK(cudaMemcpyAsync(h.raw_data(), s.raw_data(), s.nbytes(), cudaMemcpyDeviceToHost, stream()));
  FB_CUDA_CHECK(cudaStreamSynchronize(stream()));
  if (!h.same(dst)) copy_into(dst, h);
}

}  // namespace

void register_copy() { register_device_copy(&cuda_copy); }

}  // namespace fb::cuda
