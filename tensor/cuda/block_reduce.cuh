#pragma once
// Warp and block reductions of any trivially copyable value (a float, a
// double, an (value, index) pair) under a combine op, for .cu files only.
// The order of combination is fixed (a butterfly over the lanes, then over the
// warps), so results are identical run to run; no atomics.
#include <cstring>
#include <type_traits>

namespace fb::cuda {

// __shfl_xor_sync for any value whose size is a multiple of 4 bytes: scalars
// go in one shuffle, structs word by word.
template <typename T>
__device__ __forceinline__ T shfl_xor(T v, int lane_mask) {
  if constexpr (std::is_arithmetic_v<T> && (sizeof(T) == 4 || sizeof(T) == 8)) {
    return __shfl_xor_sync(0xffffffffu, v, lane_mask);
  } else {
    static_assert(sizeof(T) % 4 == 0, "shfl_xor: the size must be a multiple of 4 bytes");
    unsigned w[sizeof(T) / 4];
    memcpy(w, &v, sizeof(T));
#pragma unroll
    for (int j = 0; j < static_cast<int>(sizeof(T) / 4); ++j) w[j] = __shfl_xor_sync(0xffffffffu, w[j], lane_mask);
    memcpy(&v, w, sizeof(T));
    return v;
  }
}

// Combines v over the 32 lanes of a warp (all lanes must take part); every
// lane gets the result when op is commutative.
template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = op(v, shfl_xor(v, o));
  return v;
}

// Combines v over a 1-D block whose size is a multiple of 32; every thread
// gets the result. `identity` fills the lanes beyond the last warp; `scratch`
// holds one T per warp (32 suffice). Ends with a barrier so scratch can be
// reused; every thread of the block must call it.
template <typename T, typename Op>
__device__ __forceinline__ T block_reduce(T v, Op op, T identity, T* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  v = warp_reduce(v, op);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = lane < nwarps ? scratch[lane] : identity;
  r = warp_reduce(r, op);
  __syncthreads();
  return r;
}

}  // namespace fb::cuda
