#include "nn/init.h"

#include <cmath>

#include "tensor/ops.h"

namespace fb::nn::init {

std::pair<int64_t, int64_t> fans(const Shape& s) {
  FB_CHECK(s.size() >= 2, "init: weight must have at least 2 dims, got ", shape_str(s));
  int64_t receptive = 1;
  for (size_t i = 2; i < s.size(); ++i) receptive *= s[i];
  return {s[1] * receptive, s[0] * receptive};
}

Tensor kaiming_normal(const Shape& shape, bool fan_out, Generator& gen) {
  auto [fi, fo] = fans(shape);
  double std = std::sqrt(2.0 / static_cast<double>(fan_out ? fo : fi));
  return ops::mul_scalar(randn(shape, gen), std);
}

Tensor uniform(const Shape& shape, double bound, Generator& gen) {
  return fb::uniform(shape, -bound, bound, gen);
}

}  // namespace fb::nn::init
