#pragma once
// Kernels of the self-supervised objectives (tensor level; see kernels/ops.h
// for the conventions). No autograd here.
#include <tuple>

#include "tensor/tensor.h"

namespace fb::kernels {

// Sinkhorn-Knopp equipartition as in SwAV: from prototype scores [B, K]
// (cosine similarities), returns soft codes Q [B, K] whose rows sum to 1 and
// whose columns each carry an equal share (B/K) of the mass:
//   Q = exp(scores / eps), then `iters` times: normalise every prototype
//   (column) to total 1/K, every sample (row) to total 1/B; finally rows x B.
// The result is a target: it carries no gradient.
Tensor sinkhorn(const Tensor& scores, double eps, int iters);

// Contrastive cross-entropy (InfoNCE, NT-Xent) of a similarity matrix, fused:
// scaling by 1/tau, masking, log-softmax and the negative log-likelihood in
// one pass over each row. Row i of sim [N, M] holds the similarities of
// sample i to M candidates; its logits are z_ij = sim_ij / tau over the kept
// columns (every column but excluded[i]), and its target is positive[i]:
//   loss = mean_i ( log sum_{j kept} exp(z_ij) - z_{i, positive[i]} ).
// Requires: sim f32 or f64 (f32 on CUDA), N >= 1, M >= 1; positive i64 [N]
// with values in [0, M); excluded undefined (no column excluded) or i64 [N]
// with values in [-1, M), -1 meaning none for that row, never equal to
// positive[i]; both on sim's device; tau > 0.
//   MoCo:    sim = [q.k, q.queue^T] [N, 1 + K], positive 0, nothing excluded.
//   SimCLR:  sim = z z^T [2N, 2N], positive (i + N) mod 2N, excluded i (a
//            sample is not its own negative).
// Ensures: returns (loss [] (scalar), row_max [N], row_log_sum [N]) where
// row_max[i] = max_{j kept} sim_ij and row_log_sum[i] = log sum_{j kept}
// exp((sim_ij - row_max[i]) / tau): the backward reuses them rather than
// reading each row twice more. Differences to the row maximum are taken
// before scaling, so huge similarities or a tiny tau lose no precision.
std::tuple<Tensor, Tensor, Tensor> contrastive_cross_entropy_forward(const Tensor& sim, const Tensor& positive,
                                                                     const Tensor& excluded, double tau);

// The gradient of the loss above: dsim [N, M] with
//   dsim_ij = dloss / (N tau) * (softmax_i(z)_j - [j == positive[i]])
// for the kept columns and 0 at excluded[i]. dloss has one element;
// row_max/row_log_sum are the forward's (the reference recomputes them).
Tensor contrastive_cross_entropy_backward(const Tensor& dloss, const Tensor& sim, const Tensor& positive,
                                          const Tensor& excluded, double tau, const Tensor& row_max,
                                          const Tensor& row_log_sum);

}  // namespace fb::kernels
