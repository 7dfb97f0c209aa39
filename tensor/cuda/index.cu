// Indexing of CUDA tensors: index_select, gather and one_hot.
//
// tensor/ops.cpp has checked every index on the host (same messages as on the
// CPU), so the kernels trust them. They only move elements, so they work on
// the elements' bits (every dtype) and the index may be i32 or i64.
#include <cstdint>
#include <cstring>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/ops.h"
#include "tensor/ops.h"

namespace fb::cuda {
namespace {

constexpr int kThreads = 256;

// Calls f(I{}) for the index dtype (i32 or i64).
template <typename F>
void dispatch_index(DType t, F&& f) {
  if (t == DType::i32)
    f(int32_t{});
  else
    f(int64_t{});
}

// out (contiguous, a's shape with k entries along `dim`) element i = a at the
// same coordinates except along dim, where it takes index[c], c = (i / inner) % k.
// `L` maps i through a's strides with the stride of dim set to 0.
template <typename U, typename I>
__global__ void index_select_kernel(U* __restrict__ out, const U* __restrict__ a, StridedLayout<1> L,
                                    const I* __restrict__ index, int64_t inner, int64_t k, int64_t dim_stride,
                                    int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = (i / inner) % k;
    out[i] = a[L.offset(i) + static_cast<int64_t>(index[c]) * dim_stride];
  }
}

// out (contiguous, index's shape) element i = a at i's coordinates except
// along dim, where it takes index[i]. `L` is as for index_select.
template <typename U, typename I>
__global__ void gather_kernel(U* __restrict__ out, const U* __restrict__ a, StridedLayout<1> L,
                              const I* __restrict__ index, int64_t dim_stride, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = a[L.offset(i) + static_cast<int64_t>(index[i]) * dim_stride];
}

// out is [n, num_classes] of zeros: row i gets `one` at column label[i].
template <typename U, typename I>
__global__ void one_hot_kernel(U* __restrict__ out, const I* __restrict__ labels, int64_t num_classes, U one,
                               int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i * num_classes + static_cast<int64_t>(labels[i])] = one;
}

// The layout of `shape` over a's strides, with dim's stride zeroed: the
// coordinate along dim comes from the index instead.
StridedLayout<1> layout_without_dim(const Shape& shape, const Tensor& a, int64_t dim, const char* op) {
  Shape strides = a.strides();
  strides[dim] = 0;
  return make_layout<1>(shape, {&strides}, op);
}

}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  Shape s = a.shape();
  s[dim] = index.numel();
  Tensor out = Tensor::empty(s, a.dtype(), a.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  use_device_of(a);
  int64_t inner = 1;
  for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  const StridedLayout<1> L = layout_without_dim(s, a, dim, "index_select");
  const Tensor idx = index.contiguous();
  dispatch_bits(a.dtype(), [&](auto u) {
    using U = decltype(u);
    dispatch_index(idx.dtype(), [&](auto z) {
      using I = decltype(z);
      index_select_kernel<<<grid_for(n, kThreads), kThreads, 0, stream()>>>(
          static_cast<U*>(out.raw_data()), static_cast<const U*>(a.raw_data()), L,
          static_cast<const I*>(idx.raw_data()), inner, s[dim], a.strides()[dim], n);
      FB_CUDA_CHECK_LAUNCH();
    });
  });
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  Tensor out = Tensor::empty(index.shape(), a.dtype(), a.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  use_device_of(a);
  const StridedLayout<1> L = layout_without_dim(index.shape(), a, dim, "gather");
  const Tensor idx = index.contiguous();
  dispatch_bits(a.dtype(), [&](auto u) {
    using U = decltype(u);
    dispatch_index(idx.dtype(), [&](auto z) {
      using I = decltype(z);
      gather_kernel<<<grid_for(n, kThreads), kThreads, 0, stream()>>>(
          static_cast<U*>(out.raw_data()), static_cast<const U*>(a.raw_data()), L,
          static_cast<const I*>(idx.raw_data()), a.strides()[dim], n);
      FB_CUDA_CHECK_LAUNCH();
    });
  });
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  Shape s = labels.shape();
  s.push_back(num_classes);
  Tensor out = zeros(s, dtype, labels.device());
  const int64_t n = labels.numel();
  if (n == 0 || num_classes == 0) return out;
  use_device_of(labels);
  const Tensor idx = labels.contiguous();
  dispatch_dtype(dtype, [&](auto z) {
    using T = decltype(z);
    using U = bits_of<T>;
    const T one = static_cast<T>(1.0);
    U bits;
    std::memcpy(&bits, &one, sizeof(U));
    dispatch_index(idx.dtype(), [&](auto zi) {
      using I = decltype(zi);
      one_hot_kernel<<<grid_for(n, kThreads), kThreads, 0, stream()>>>(
          static_cast<U*>(out.raw_data()), static_cast<const I*>(idx.raw_data()), num_classes, bits, n);
      FB_CUDA_CHECK_LAUNCH();
    });
  });
  return out;
}

}  // namespace fb::cuda
