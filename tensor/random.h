#pragma once
// Counter-based random numbers (Philox-4x32-10). Element i of a draw depends
// only on (seed, offset, i), so results are identical for any thread count
// and any device. A Generator hands out disjoint counter ranges.
#include <array>
#include <cstdint>

#include "tensor/tensor.h"

namespace fb {

// Philox-4x32 with 10 rounds: four 32-bit random words per (counter, key)
// (philox4x32_words of tensor/philox.h, which CUDA kernels share).
std::array<uint32_t, 4> philox4x32(uint64_t counter_lo, uint64_t counter_hi, uint64_t key);

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }
  // Reserves n counters (each yields 4 words) and returns the first.
  uint64_t advance(uint64_t n) {
    uint64_t o = offset_;
    offset_ += n;
    return o;
  }
  // Convenience scalar draws (each consumes one counter).
  double uniform();            // [0, 1)
  double normal();             // N(0, 1)
  uint64_t next_u64();
  int64_t randint(int64_t n);  // [0, n)

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::f32);   // U[0, 1)
Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::f32);  // N(0, 1)
Tensor uniform(const Shape& shape, double lo, double hi, Generator& gen, DType dtype = DType::f32);
Tensor randperm(int64_t n, Generator& gen);  // i64 permutation of [0, n)

}  // namespace fb
