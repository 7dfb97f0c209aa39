// Reductions of CUDA tensors (sum, mean, amax, argmax) over any set of dims.
//
// The input is seen as out[o] = reduce over r of x[base(o) + off(r)]: o runs
// over the kept dims, r over the reduced ones, each with its own (merged)
// strides, so any strided view is read in place. Two kernels cover the
// layouts:
//  - inner: the reduced elements are the dense ones (sum over the last dim, or
//    over everything): the lanes of a warp (or the whole block, for long
//    reductions) split r, so a warp reads consecutive addresses;
//  - outer: the kept elements are the dense ones (sum over the batch of an
//    [N, C] tensor): 32 consecutive outputs per block row, 8 rows of the
//    block splitting r, as in kernels/cuda/column_reduce.cuh.
// When there are few outputs, r is also split over grid.y (at most 1024
// parts); each part writes a partial and a second kernel combines the parts of
// each output in order. Every combination happens in a fixed order, without
// atomics, so results are the same run to run. Floating sums accumulate in
// double and integer sums in int64, as on the CPU.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/cuda/block_reduce.cuh"
#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/ops.h"

namespace fb::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxSplits = 1024;     // parts of one reduction (grid.y, well under 65535)
constexpr int64_t kTargetBlocks = 1024;  // enough blocks to fill a large GPU several times
constexpr int kOuterLanes = 8;       // block rows of the outer kernel

// ---- what is reduced: init, step (one element), combine (two partials), finish ----

template <typename T>
using sum_acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T>
struct SumReducer {
  using Acc = sum_acc_t<T>;
  using Out = T;
  bool mean;
  __device__ Acc init() const { return Acc(0); }
  __device__ Acc step(Acc a, T v, int64_t) const { return a + static_cast<Acc>(v); }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ Out finish(Acc a, int64_t n) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (mean) return static_cast<Out>(a / static_cast<double>(n));  // 0/0 = NaN for an empty mean, as on the CPU
    }
    return static_cast<Out>(a);
  }
};

// NaN never wins (v > acc is false), as on the CPU.
template <typename T>
struct MaxReducer {
  using Acc = T;
  using Out = T;
  __device__ Acc init() const { return std::numeric_limits<T>::lowest(); }
  __device__ Acc step(Acc a, T v, int64_t) const { return v > a ? v : a; }
  __device__ Acc combine(Acc a, Acc b) const { return b > a ? b : a; }
  __device__ Out finish(Acc a, int64_t) const { return a; }
};

// The value and index of the maximum; index < 0 marks "no element yet". Ties
// go to the smaller index: the first maximum, as on the CPU.
template <typename T>
struct ArgAcc {
  T v;
  int64_t i;
};
template <typename T>
struct ArgMaxReducer {
  using Acc = ArgAcc<T>;
  using Out = int64_t;
  __device__ Acc init() const { return {std::numeric_limits<T>::lowest(), -1}; }
  __device__ Acc step(Acc a, T v, int64_t r) const { return (a.i < 0 || v > a.v) ? Acc{v, r} : a; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    return (b.v > a.v || (b.v == a.v && b.i < a.i)) ? b : a;
  }
  __device__ Out finish(Acc a, int64_t) const { return a.i; }
};

// Where a block's results go: the final values, or (split reductions) the
// partial of part `part` at partial[o * o_stride + part * part_stride].
template <typename R>
struct Sink {
  typename R::Out* out;
  typename R::Acc* partial;  // null: write out
  int64_t o_stride, part_stride;
  __device__ __forceinline__ void put(const R& red, int64_t o, int64_t part, typename R::Acc acc, int64_t n_red) const {
    if (partial)
      partial[o * o_stride + part * part_stride] = acc;
    else
      out[o] = red.finish(acc, n_red);
  }
};

// Range of r that part `part` of `chunk` elements covers.
__device__ __forceinline__ void part_range(int64_t part, int64_t chunk, int64_t n_red, int64_t& r0, int64_t& r1) {
  r0 = part * chunk;
  r1 = r0 + chunk < n_red ? r0 + chunk : n_red;
}

// Inner kernel: groups of kGroup lanes (32: a warp; kThreads: the block) per
// output, kThreads / kGroup outputs per block and step of the grid-stride loop.
template <int kGroup, typename R, typename T>
__global__ void reduce_inner_kernel(const T* __restrict__ x, StridedLayout<1> kept, StridedLayout<1> red_layout,
                                    int64_t n_out, int64_t n_red, int64_t chunk, R red, Sink<R> sink) {
  using Acc = typename R::Acc;
  constexpr int kGroups = kThreads / kGroup;
  __shared__ Acc scratch[32];
  const int lane = threadIdx.x % kGroup, group = threadIdx.x / kGroup;
  int64_t r0, r1;
  part_range(blockIdx.y, chunk, n_red, r0, r1);
  auto combine = [&](Acc a, Acc b) { return red.combine(a, b); };
  // The loop bound is the same for the whole block: every thread reaches the
  // warp/block reduction, as it requires.
  for (int64_t first = blockIdx.x * int64_t(kGroups); first < n_out; first += int64_t(gridDim.x) * kGroups) {
    const int64_t o = first + group;
    Acc acc = red.init();
    if (o < n_out) {
      const int64_t base = kept.offset(o);
      for (int64_t r = r0 + lane; r < r1; r += kGroup) acc = red.step(acc, x[base + red_layout.offset(r)], r);
    }
    if constexpr (kGroup == 32)
      acc = warp_reduce(acc, combine);
    else
      acc = block_reduce(acc, combine, red.init(), scratch);
    if (lane == 0 && o < n_out) sink.put(red, o, blockIdx.y, acc, n_red);
  }
}

// Outer kernel: block (32, kOuterLanes); x runs over 32 consecutive outputs,
// y over the reduction; the kOuterLanes partials are combined in order.
template <typename R, typename T>
__global__ void reduce_outer_kernel(const T* __restrict__ x, StridedLayout<1> kept, StridedLayout<1> red_layout,
                                    int64_t n_out, int64_t n_red, int64_t chunk, R red, Sink<R> sink) {
  using Acc = typename R::Acc;
  __shared__ Acc lanes[kOuterLanes][32];
  const int64_t o = blockIdx.x * int64_t(32) + threadIdx.x;
  int64_t r0, r1;
  part_range(blockIdx.y, chunk, n_red, r0, r1);
  Acc acc = red.init();
  if (o < n_out) {
    const int64_t base = kept.offset(o);
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kOuterLanes) acc = red.step(acc, x[base + red_layout.offset(r)], r);
  }
  lanes[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && o < n_out) {
    for (int i = 1; i < kOuterLanes; ++i) acc = red.combine(acc, lanes[i][threadIdx.x]);
    sink.put(red, o, blockIdx.y, acc, n_red);
  }
}

// Second pass of a split reduction: one thread per output combines its parts in order.
template <typename R>
__global__ void combine_parts_kernel(const typename R::Acc* __restrict__ partial, int64_t o_stride,
                                     int64_t part_stride, int parts, int64_t n_out, int64_t n_red, R red,
                                     typename R::Out* __restrict__ out) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < n_out; o += int64_t(gridDim.x) * blockDim.x) {
    typename R::Acc acc = partial[o * o_stride];
    for (int p = 1; p < parts; ++p) acc = red.combine(acc, partial[o * o_stride + p * part_stride]);
    out[o] = red.finish(acc, n_red);
  }
}

// How many parts to split each reduction into: enough blocks overall, at
// least `min_per_part` elements in each part, at most kMaxSplits parts.
void plan_split(int64_t n_red, int64_t out_blocks, int64_t min_per_part, int& parts, int64_t& chunk) {
  int64_t want = (kTargetBlocks + out_blocks - 1) / out_blocks;
  int64_t by_work = (n_red + min_per_part - 1) / min_per_part;
  int64_t p = std::max<int64_t>(1, std::min({want, by_work, int64_t(kMaxSplits)}));
  chunk = std::max<int64_t>(1, (n_red + p - 1) / p);
  // Recount so that no part is empty (an empty part would be harmless, but
  // the count is then exactly what the kernels cover).
  parts = n_red > 0 ? static_cast<int>((n_red + chunk - 1) / chunk) : 1;
}

template <typename R, typename T>
void run_reduce(const Tensor& a, const std::vector<int64_t>& dims, const Tensor& out, R red) {
  using Acc = typename R::Acc;
  using Out = typename R::Out;
  std::vector<bool> reduced(a.dim(), false);
  for (int64_t d : dims) reduced[d] = true;
  Shape kept_shape, kept_strides, red_shape, red_strides;
  for (int64_t d = 0; d < a.dim(); ++d) {
    (reduced[d] ? red_shape : kept_shape).push_back(a.shape()[d]);
    (reduced[d] ? red_strides : kept_strides).push_back(a.strides()[d]);
  }
  const int64_t n_out = shape_numel(kept_shape), n_red = shape_numel(red_shape);
  if (n_out == 0) return;
  use_device_of(a);
  const StridedLayout<1> kept = make_layout<1>(kept_shape, {&kept_strides}, "reduction");
  const StridedLayout<1> red_layout = make_layout<1>(red_shape, {&red_strides}, "reduction");
  // Threads go along whichever side is denser in memory (after merging, the
  // innermost dim of each side has the smallest stride).
  const int64_t red_inner = red_layout.ndim ? red_layout.stride[0][red_layout.ndim - 1] : 0;
  const int64_t kept_inner = kept.ndim ? kept.stride[0][kept.ndim - 1] : 0;
  const bool inner = red_layout.ndim > 0 && (n_out == 1 || red_inner <= kept_inner);

  const T* x = static_cast<const T*>(a.raw_data());
  Out* y = static_cast<Out*>(out.raw_data());
  int parts;
  int64_t chunk;
  dim3 grid, block;
  int64_t o_stride, part_stride;
  const bool long_rows = n_red >= 1024;  // inner kernel: a whole block per output
  if (inner) {
    const int group = long_rows ? kThreads : 32;
    const int64_t out_blocks = (n_out + kThreads / group - 1) / (kThreads / group);
    plan_split(n_red, out_blocks, int64_t(group) * 16, parts, chunk);
    // With one part the outputs take a grid-stride loop; with several there
    // are fewer than kTargetBlocks output blocks, all in one grid row.
    grid = dim3(static_cast<unsigned>(std::min<int64_t>(out_blocks, 65536)), parts);
    block = dim3(kThreads);
    o_stride = parts;  // partials [n_out, parts]
    part_stride = 1;
  } else {
    const int64_t out_blocks = (n_out + 31) / 32;
    FB_CHECK(out_blocks <= std::numeric_limits<int>::max(), "reduction: ", n_out, " outputs are too many for cuda");
    plan_split(n_red, out_blocks, int64_t(kOuterLanes) * 16, parts, chunk);
    grid = dim3(static_cast<unsigned>(out_blocks), parts);
    block = dim3(32, kOuterLanes);
    o_stride = 1;  // partials [parts, n_out]: coalesced writes and reads
    part_stride = n_out;
  }
  Tensor partial;
  Sink<R> sink{y, nullptr, o_stride, part_stride};
  if (parts > 1) {
    partial = Tensor::empty({static_cast<int64_t>(sizeof(Acc)) * n_out * parts}, DType::u8, a.device());
    sink.partial = static_cast<Acc*>(partial.raw_data());
  }
  if (inner && long_rows)
    reduce_inner_kernel<kThreads><<<grid, block, 0, stream()>>>(x, kept, red_layout, n_out, n_red, chunk, red, sink);
  else if (inner)
    reduce_inner_kernel<32><<<grid, block, 0, stream()>>>(x, kept, red_layout, n_out, n_red, chunk, red, sink);
  else
    reduce_outer_kernel<<<grid, block, 0, stream()>>>(x, kept, red_layout, n_out, n_red, chunk, red, sink);
  FB_CUDA_CHECK_LAUNCH();
  if (parts > 1) {
    combine_parts_kernel<<<grid_for(n_out, kThreads), kThreads, 0, stream()>>>(sink.partial, o_stride, part_stride,
                                                                               parts, n_out, n_red, red, y);
    FB_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out_shape;
  size_t next = 0;
  for (int64_t d = 0; d < a.dim(); ++d) {
    const bool is_reduced = next < dims.size() && dims[next] == d;
    if (is_reduced) ++next;
    if (!is_reduced)
      out_shape.push_back(a.shape()[d]);
    else if (keepdim)
      out_shape.push_back(1);
  }
  const DType out_dtype = op == ReduceOp::ArgMax ? DType::i64 : a.dtype();
  Tensor out = Tensor::empty(out_shape, out_dtype, a.device());
  dispatch_arith(a.dtype(), "reduction", [&](auto z) {
    using T = decltype(z);
    switch (op) {
      case ReduceOp::Sum: return run_reduce<SumReducer<T>, T>(a, dims, out, SumReducer<T>{false});
      case ReduceOp::Mean: return run_reduce<SumReducer<T>, T>(a, dims, out, SumReducer<T>{true});
      case ReduceOp::Max: return run_reduce<MaxReducer<T>, T>(a, dims, out, MaxReducer<T>{});
      case ReduceOp::ArgMax: return run_reduce<ArgMaxReducer<T>, T>(a, dims, out, ArgMaxReducer<T>{});
    }
  });
  return out;
}

}  // namespace fb::cuda
