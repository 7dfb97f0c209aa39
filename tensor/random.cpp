#include "tensor/random.h"

#include <cmath>
#include <numeric>

#include "tensor/philox.h"

namespace fb {

std::array<uint32_t, 4> philox4x32(uint64_t counter_lo, uint64_t counter_hi, uint64_t key) {
  const PhiloxWords p = philox4x32_words(counter_lo, counter_hi, key);
  return {p.w[0], p.w[1], p.w[2], p.w[3]};
}

namespace {
// 24 random bits -> [0, 1) exactly representable in f32; 53 bits for f64.
inline double to_unit(uint32_t a, uint32_t b) {
  uint64_t x = (static_cast<uint64_t>(a) << 21) ^ (b >> 11);
  return static_cast<double>(x & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// Fills out[0..n) with values from f(words, k) for k = 0..1 (two values per
// counter: each uses two 32-bit words) starting at counter `base`.
template <typename F>
void fill_pairs(double* out, int64_t n, uint64_t seed, uint64_t base, F f) {
  int64_t counters = (n + 1) / 2;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t c = 0; c < counters; ++c) {
    auto w = philox4x32(base + static_cast<uint64_t>(c), 0, seed);
    double v0, v1;
    f(w, v0, v1);
    out[2 * c] = v0;
    if (2 * c + 1 < n) out[2 * c + 1] = v1;
  }
}
}  // namespace

double Generator::uniform() {
  auto w = philox4x32(advance(1), 1, seed_);
  return to_unit(w[0], w[1]);
}

uint64_t Generator::next_u64() {
  auto w = philox4x32(advance(1), 1, seed_);
  return (static_cast<uint64_t>(w[0]) << 32) | w[1];
}

int64_t Generator::randint(int64_t n) {
  FB_CHECK(n > 0, "randint: upper bound must be positive, got ", n);
  return static_cast<int64_t>(next_u64() % static_cast<uint64_t>(n));
}

double Generator::normal() {
  auto w = philox4x32(advance(1), 1, seed_);
  double u1 = to_unit(w[0], w[1]), u2 = to_unit(w[2], w[3]);
  return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2.0 * M_PI * u2);
}

Tensor uniform(const Shape& shape, double lo, double hi, Generator& gen, DType dtype) {
  Tensor t = Tensor::empty(shape, DType::f64);
  int64_t n = t.numel();
  uint64_t base = gen.advance(static_cast<uint64_t>((n + 1) / 2));
  fill_pairs(t.data<double>(), n, gen.seed(), base, [&](const std::array<uint32_t, 4>& w, double& a, double& b) {
    a = lo + (hi - lo) * to_unit(w[0], w[1]);
    b = lo + (hi - lo) * to_unit(w[2], w[3]);
  });
  return t.to(dtype);
}

Tensor rand(const Shape& shape, Generator& gen, DType dtype) { return uniform(shape, 0.0, 1.0, gen, dtype); }

Tensor randn(const Shape& shape, Generator& gen, DType dtype) {
  Tensor t = Tensor::empty(shape, DType::f64);
  int64_t n = t.numel();
  uint64_t base = gen.advance(static_cast<uint64_t>((n + 1) / 2));
  // Box-Muller: one counter's four words give two normal values.
  fill_pairs(t.data<double>(), n, gen.seed(), base, [](const std::array<uint32_t, 4>& w, double& a, double& b) {
    double u1 = to_unit(w[0], w[1]), u2 = to_unit(w[2], w[3]);
    double r = std::sqrt(-2.0 * std::log(1.0 - u1));
    a = r * std::cos(2.0 * M_PI * u2);
    b = r * std::sin(2.0 * M_PI * u2);
  });
  return t.to(dtype);
}

Tensor randperm(int64_t n, Generator& gen) {
  Tensor t = Tensor::empty({n}, DType::i64);
  int64_t* p = t.data<int64_t>();
  std::iota(p, p + n, int64_t{0});
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[gen.randint(i + 1)]);  // Fisher-Yates
  return t;
}

}  // namespace fb
