#pragma once
// Kernels of the self-supervised objectives (tensor level; see kernels/ops.h
// for the conventions). No autograd here.
#include "tensor/tensor.h"

namespace fb::kernels {

// Sinkhorn-Knopp equipartition as in SwAV: from prototype scores [B, K]
// (cosine similarities), returns soft codes Q [B, K] whose rows sum to 1 and
// whose columns each carry an equal share (B/K) of the mass:
//   Q = exp(scores / eps), then `iters` times: normalise every prototype
//   (column) to total 1/K, every sample (row) to total 1/B; finally rows x B.
// The result is a target: it carries no gradient.
Tensor sinkhorn(const Tensor& scores, double eps, int iters);

}  // namespace fb::kernels
