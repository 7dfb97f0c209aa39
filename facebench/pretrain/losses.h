#pragma once
// The pre-training objectives, written with the differentiable ops of
// nn/functional.h (so each has its gradient by construction and is
// gradchecked in f64 by the tests).
#include <vector>

#include "nn/functional.h"

namespace fb::pretrain {

struct SwavLossOptions {
  double temperature = 0.1;
  double sinkhorn_eps = 0.05;
  int sinkhorn_iters = 3;
  std::vector<int> assign_views{0, 1};  // views whose codes are predicted from the others
};

// SwAV's swapped prediction. `scores[v]` are the prototype scores [B, K] of
// view v (cosine similarities of L2-normalised embeddings and prototypes).
// For each assignment view a, codes q_a = sinkhorn(scores[a]) (no gradient)
// are predicted from every other view v by softmax(scores[v] / temperature):
//   loss = mean_a mean_{v != a} mean_b -sum_k q_a[b,k] log p_v[b,k].
Tensor swav_loss(const std::vector<Tensor>& scores, const SwavLossOptions& o = {});
// The prediction half of swav_loss with the codes given: codes[i] [B, K] are
// the targets of assignment view o.assign_views[i] (constants for autograd).
Tensor swapped_prediction(const std::vector<Tensor>& scores, const std::vector<Tensor>& codes,
                          const SwavLossOptions& o = {});

// Entropy (nats) of the mean code assignment of a batch: log K when codes use
// all prototypes equally, 0 when every sample picks the same one (collapse).
double assignment_entropy(const Tensor& codes);

// MoCo's InfoNCE: q and k are L2-normalised [N, D] (k from the key encoder,
// no gradient), queue [M, D] holds negatives. Logits [q.k, q.queue^T] / tau,
// target 0.
Tensor info_nce(const Tensor& q, const Tensor& k, const Tensor& queue, double tau);

// SimCLR's NT-Xent over 2N views: z1, z2 [N, D] L2-normalised; each sample's
// positive is its other view, the other 2N-2 samples are negatives.
Tensor nt_xent(const Tensor& z1, const Tensor& z2, double tau);

// ArcFace logits s * cos(theta + m) for the target class, s * cos(theta)
// otherwise; embedding [N, D] and class weights [C, D] are L2-normalised inside.
Tensor arcface_logits(const Tensor& embedding, const Tensor& weight, const Tensor& labels, double s, double m);

}  // namespace fb::pretrain
