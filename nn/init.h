#pragma once
// Weight initialisations (as torch.nn.init), drawing from a Generator.
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace fb::nn::init {

// fan_in/fan_out of a weight: [out, in] or [out, in, kh, kw].
std::pair<int64_t, int64_t> fans(const Shape& weight_shape);
// N(0, gain^2 / fan) with gain sqrt(2) (ReLU); fan_out for convs as torchvision's ResNet.
Tensor kaiming_normal(const Shape& shape, bool fan_out, Generator& gen);
// U(-bound, bound).
Tensor uniform(const Shape& shape, double bound, Generator& gen);

}  // namespace fb::nn::init
