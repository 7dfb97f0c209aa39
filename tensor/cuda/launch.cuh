#pragma once
// What kernels over tensors share (for .cu files only): the device to run on,
// grid sizes for grid-stride loops, the dtype dispatch of arithmetic, and the
// strided addressing of elements (shape and strides passed by value).
#include <array>
#include <cstdint>
#include <type_traits>

#include "tensor/cuda/check.h"
#include "tensor/tensor.h"

namespace fb::cuda {

// Makes t's device current (kernels launch on the current device).
inline void use_device_of(const Tensor& t) {
  init();
  FB_CUDA_CHECK(cudaSetDevice(t.device().index));
}

// Blocks for a grid-stride loop over n items: one item per thread up to
// 65536 blocks, then each thread loops. Never 0 (a launch with 0 blocks is an
// error), so callers still return early on n == 0 to skip the launch.
inline int grid_for(int64_t n, int threads = 256) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return static_cast<int>(b > 65536 ? 65536 : b);
}

// Calls f(T{}) for the dtypes with arithmetic (f32, f64, i32, i64). tensor/ops.cpp
// has already rejected the others with the CPU's message; this is a backstop.
template <typename F>
void dispatch_arith(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    default: FB_FAIL(op, ": dtype ", dtype_name(t), " is not supported on cuda");
  }
}

// Operations that only move elements (fill, index_select, gather, one_hot)
// work on the bits: an unsigned integer of the element's size, so one kernel
// per size covers every dtype, bf16 and u8 included.
template <size_t kBytes> struct unsigned_of_size;
template <> struct unsigned_of_size<1> { using type = uint8_t; };
template <> struct unsigned_of_size<2> { using type = uint16_t; };
template <> struct unsigned_of_size<4> { using type = uint32_t; };
template <> struct unsigned_of_size<8> { using type = uint64_t; };
template <typename T>
using bits_of = typename unsigned_of_size<sizeof(T)>::type;

// Calls f(U{}) with U the unsigned integer of the size of t's elements.
template <typename F>
void dispatch_bits(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    default: return f(uint64_t{});
  }
}

constexpr int kMaxDims = 8;

// N operands over one shape, each with its own strides (in elements; 0 for a
// broadcast dimension). Flat (row-major) index -> element offset of each.
template <int N>
struct StridedLayout {
  int ndim;
  int64_t size[kMaxDims];
  int64_t stride[N][kMaxDims];

  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      // i < size[0] once the inner dims are divided out: no division there.
      const int64_t c = d > 0 ? i % size[d] : i;
      if (d > 0) i /= size[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += c * stride[k][d];
    }
  }
  __device__ __forceinline__ int64_t offset(int64_t i) const {
    static_assert(N == 1, "offset(i) is for single-operand layouts");
    int64_t off[1];
    offsets(i, off);
    return off[0];
  }
  // True when every operand is dense in row-major order (flat index = offset).
  bool contiguous() const {
    if (ndim == 0) return true;
    for (int k = 0; k < N; ++k)
      if (ndim != 1 || stride[k][0] != 1) return false;
    return true;
  }
};

// Builds the layout of `shape` for N stride sets, merging what strided_loop
// merges: size-1 dims are dropped and a dim folds into the next-outer one when
// that is contiguous with it for every operand. Fails, naming `op`, only when
// more than kMaxDims dims remain after merging.
template <int N>
StridedLayout<N> make_layout(const Shape& shape, const std::array<const Shape*, N>& strides, const char* op) {
  StridedLayout<N> L{};
  L.ndim = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = L.ndim > 0;
    for (int k = 0; k < N && merge; ++k) merge = L.stride[k][L.ndim - 1] == (*strides[k])[d] * shape[d];
    if (merge) {
      L.size[L.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) L.stride[k][L.ndim - 1] = (*strides[k])[d];
      continue;
    }
    FB_CHECK(L.ndim < kMaxDims, op, ": tensors of shape ", shape_str(shape), " have more than ", kMaxDims,
             " dims that cannot be merged; not supported on cuda");
    L.size[L.ndim] = shape[d];
    for (int k = 0; k < N; ++k) L.stride[k][L.ndim] = (*strides[k])[d];
    ++L.ndim;
  }
  return L;
}

}  // namespace fb::cuda
