#include "facebench/pretrain/health.h"

#include <cmath>
#include <map>
#include <vector>

#include "autograd/grad_mode.h"
#include "nn/functional.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace fb::pretrain {

// Each gradient's sum of squares is taken where the gradient lives; the sums
// are read back together: one transfer (one wait for a GPU) per step, not one
// per parameter. They are added in parameter order in double.
static double squared_norm(const nn::NamedTensors& params, bool in_f64) {
  std::vector<Tensor> sums;
  for (const auto& [name, p] : params) {
    if (!p.grad().defined()) continue;
    Tensor g = in_f64 ? p.grad().to(DType::f64) : p.grad();
    // The sum accumulates in double and rounds to g's dtype; widening that to
    // f64 is exact, so every parameter's sum keeps its value.
    sums.push_back(ops::sum(ops::mul(g, g)).reshape({1}).to(DType::f64));
  }
  double total = 0;
  if (sums.empty()) return total;
  for (double v : ops::cat(sums, 0).to_vector<double>()) total += v;
  return total;
}

double gradient_norm(const nn::NamedTensors& params) {
  double total = squared_norm(params, false);
  // Finite gradients whose squares overflow f32 (|g| > 1.8e19) still have a
  // finite norm: only then is the slower f64 pass worth it.
  if (!std::isfinite(total)) {
    bool all = true;
    for (const auto& [name, p] : params) all = all && (!p.grad().defined() || ops::all_finite(p.grad()));
    if (all) total = squared_norm(params, true);
  }
  return std::sqrt(total);
}

void check_finite_gradients(const nn::NamedTensors& params, int64_t step, const std::string& checkpoint) {
  std::string first;
  int64_t bad = 0;
  for (const auto& [name, p] : params) {
    const Tensor& g = p.grad();
    if (!g.defined() || ops::all_finite(g)) continue;
    if (bad++ == 0) first = name;
  }
  if (bad == 0) return;
  std::string others = bad > 1 ? " (and " + std::to_string(bad - 1) + " more parameters)" : "";
  FB_FAIL("pretrain: the gradient of '", first, "'", others, " holds NaN or inf at step ", step,
          "; the step was not applied. The last good checkpoint is ", checkpoint,
          " - lower the learning rate (or set grad_clip) and --resume");
}

double hard_assignment_entropy(const Tensor& scores) {
  FB_CHECK(scores.dim() == 2 && scores.size(0) > 0, "hard_assignment_entropy: scores must be [B, K], got ",
           shape_str(scores.shape()));
  auto picks = ops::argmax(scores.detach(), 1).to_vector<int64_t>();
  std::map<int64_t, int64_t> counts;
  for (int64_t k : picks) ++counts[k];
  double h = 0, n = static_cast<double>(picks.size());
  for (const auto& [k, c] : counts) h -= c / n * std::log(c / n);
  return h;
}

double mean_pairwise_cosine(const Tensor& embeddings) {
  FB_CHECK(embeddings.dim() == 2 && embeddings.size(0) >= 2, "mean_pairwise_cosine: embeddings must be [B >= 2, D], got ",
           shape_str(embeddings.shape()));
  autograd::NoGradGuard ng;
  // A small [B, D] copy to the host: the monitor is read there anyway.
  Tensor z = l2_normalize(embeddings.detach().to(Device::cpu()).to(DType::f64));
  const double b = static_cast<double>(z.size(0));
  // sum_{i,j} z_i.z_j = |sum_i z_i|^2; the diagonal contributes b.
  Tensor s = ops::sum(z, {0});
  double all = ops::sum(ops::mul(s, s)).item();
  return (all - b) / (b * (b - 1));
}

}  // namespace fb::pretrain
