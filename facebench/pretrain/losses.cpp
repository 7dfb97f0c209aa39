#include "facebench/pretrain/losses.h"

#include <cmath>

#include "kernels/contrastive.h"

namespace fb::pretrain {

Tensor swapped_prediction(const std::vector<Tensor>& scores, const std::vector<Tensor>& codes,
                          const SwavLossOptions& o) {
  FB_CHECK(scores.size() >= 2, "swav_loss: needs at least 2 views, got ", scores.size());
  FB_CHECK(!o.assign_views.empty() && codes.size() == o.assign_views.size(), "swav_loss: ", codes.size(),
           " code tensors for ", o.assign_views.size(), " assignment views");
  const int64_t views = static_cast<int64_t>(scores.size());
  for (const auto& s : scores)
    FB_CHECK(s.shape() == scores[0].shape() && s.dim() == 2, "swav_loss: every view needs scores of shape ",
             shape_str(scores[0].shape()), " [batch, prototypes], got ", shape_str(s.shape()));
  // log p_v once per view; reused by every assignment view.
  std::vector<Tensor> log_p;
  for (const auto& s : scores) log_p.push_back(log_softmax(mul_scalar(s, 1.0 / o.temperature)));
  Tensor total;
  for (size_t i = 0; i < codes.size(); ++i) {
    int a = o.assign_views[i];
    FB_CHECK(a >= 0 && a < views, "swav_loss: assignment view ", a, " out of range [0, ", views, ")");
    for (int64_t v = 0; v < views; ++v) {
      if (v == a) continue;
      Tensor ce = neg(mean(sum(mul(codes[i], log_p[v]), {1})));
      total = total.defined() ? add(total, ce) : ce;
    }
  }
  return mul_scalar(total, 1.0 / (static_cast<double>(codes.size()) * (views - 1)));
}

Tensor swav_loss(const std::vector<Tensor>& scores, const SwavLossOptions& o) {
  std::vector<Tensor> codes;  // targets: computed without recording
  for (int a : o.assign_views) {
    FB_CHECK(a >= 0 && a < static_cast<int64_t>(scores.size()), "swav_loss: assignment view ", a,
             " out of range [0, ", scores.size(), ")");
    codes.push_back(kernels::sinkhorn(scores[a].detach(), o.sinkhorn_eps, o.sinkhorn_iters));
  }
  return swapped_prediction(scores, codes, o);
}

double assignment_entropy(const Tensor& codes) {
  auto p = ops::mean(codes.to(DType::f64), {0}).to_vector<double>();
  double total = 0, h = 0;
  for (double v : p) total += v;
  for (double v : p)
    if (v > 0) h -= v / total * std::log(v / total);
  return h;
}

Tensor info_nce(const Tensor& q, const Tensor& k, const Tensor& queue, double tau) {
  FB_CHECK(q.dim() == 2 && q.shape() == k.shape(), "info_nce: q ", shape_str(q.shape()), " and k ",
           shape_str(k.shape()), " must both be [N, D]");
  FB_CHECK(queue.dim() == 2 && queue.size(1) == q.size(1), "info_nce: queue ", shape_str(queue.shape()),
           " must be [M, ", q.size(1), "]");
  Tensor pos = sum(mul(q, k), {1}, true);                // [N, 1]
  Tensor neg_logits = matmul(q, transpose(queue, 0, 1));  // [N, M]
  // Positive first: column 0 is every row's target; nothing is excluded.
  Tensor positive = zeros({q.size(0)}, DType::i64).to(q.device());
  return contrastive_cross_entropy(cat({pos, neg_logits}, 1), positive, Tensor(), tau);
}

Tensor nt_xent(const Tensor& z1, const Tensor& z2, double tau) {
  FB_CHECK(z1.dim() == 2 && z1.shape() == z2.shape(), "nt_xent: views ", shape_str(z1.shape()), " and ",
           shape_str(z2.shape()), " must both be [N, D]");
  const int64_t n = z1.size(0);
  Tensor z = cat({z1, z2}, 0);                    // [2N, D]
  Tensor sim = matmul(z, transpose(z, 0, 1));     // [2N, 2N]
  // Row i's positive is its other view; its own column is excluded (a sample
  // is not its own negative).
  std::vector<int64_t> positive(2 * n), self(2 * n);
  for (int64_t i = 0; i < 2 * n; ++i) {
    positive[i] = (i + n) % (2 * n);
    self[i] = i;
  }
  return contrastive_cross_entropy(sim, from_vector(positive, {2 * n}).to(z.device()),
                                   from_vector(self, {2 * n}).to(z.device()), tau);
}

Tensor arcface_logits(const Tensor& embedding, const Tensor& weight, const Tensor& labels, double s, double m) {
  FB_CHECK(embedding.dim() == 2 && weight.dim() == 2 && embedding.size(1) == weight.size(1),
           "arcface: embedding ", shape_str(embedding.shape()), " and class weights ", shape_str(weight.shape()),
           " must be [N, D] and [C, D]");
  Tensor cos = clamp(matmul(l2_normalize(embedding), transpose(l2_normalize(weight), 0, 1)), -1 + 1e-7, 1 - 1e-7);
  Tensor sin = sqrt(add_scalar(neg(mul(cos, cos)), 1.0));
  // cos(theta + m) = cos cos m - sin sin m, applied to the target class only.
  Tensor target_cos = sub(mul_scalar(cos, std::cos(m)), mul_scalar(sin, std::sin(m)));
  Tensor onehot = ops::one_hot(labels, weight.size(0), cos.dtype());
  return mul_scalar(add(cos, mul(onehot, sub(target_cos, cos))), s);
}

}  // namespace fb::pretrain
