// Pre-training objectives: Sinkhorn and the SwAV loss against PyTorch
// (tests/golden/make_swav_golden.py, float64), f64 gradchecks of every loss.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>

#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "facebench/pretrain/losses.h"
#include "kernels/backend.h"
#include "kernels/contrastive.h"
#include "nn/checkpoint/safetensors.h"

using namespace fb;

namespace {
std::map<std::string, Tensor> swav_golden() {
  std::map<std::string, Tensor> m;
  for (auto& [n, t] : checkpoint::load_safetensors(std::string(FB_TEST_DATA_DIR) + "/golden/swav_reference.safetensors"))
    m[n] = t;
  return m;
}
constexpr int64_t kBatch = 6, kViews = 5;
std::vector<Tensor> split_views(const Tensor& scores) {
  std::vector<Tensor> v;
  for (int64_t i = 0; i < kViews; ++i) v.push_back(slice(scores, 0, i * kBatch, (i + 1) * kBatch));
  return v;
}
}  // namespace

TEST_CASE("sinkhorn equals SwAV's reference implementation (PyTorch, f64), both backends") {
  auto g = swav_golden();
  for (auto be : {kernels::CpuBackend::Cpu, kernels::CpuBackend::Reference}) {
    kernels::CpuBackendGuard guard(be);
    Tensor q = kernels::sinkhorn(g.at("scores").slice(0, 0, kBatch), 0.05, 3);
    CHECK(ops::max_abs_diff(q, g.at("codes_view0")) < 1e-12);
    // Rows are distributions over prototypes.
    for (double s : ops::sum(q, {1}).to_vector<double>()) CHECK(s == doctest::Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("sinkhorn: CPU equals reference in f32 on random shapes; equipartition with many iterations") {
  Generator gen(5);
  for (auto [b, k] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {7, 3}, {64, 300}, {257, 33}}) {
    Tensor s = ops::mul_scalar(randn({b, k}, gen), 0.3);
    Tensor fast = kernels::sinkhorn(s, 0.05, 3);
    kernels::CpuBackendGuard guard(kernels::CpuBackend::Reference);
    Tensor ref = kernels::sinkhorn(s, 0.05, 3);
    CHECK(ops::rel_error(fast, ref) < 1e-5);
  }
  // Converged: every prototype receives B/K of the mass.
  Tensor s = ops::mul_scalar(randn({40, 8}, gen), 0.2);
  Tensor q = kernels::sinkhorn(s.to(DType::f64), 0.1, 200);
  for (double c : ops::sum(q, {0}).to_vector<double>()) CHECK(c == doctest::Approx(5.0).epsilon(1e-6));
  CHECK_THROWS_WITH_AS(kernels::sinkhorn(zeros({3}), 0.05, 3), doctest::Contains("sinkhorn: scores"), fb::Error);
}

TEST_CASE("SwAV loss and its gradient equal SwAV's reference implementation (PyTorch, f64)") {
  auto g = swav_golden();
  Tensor scores = g.at("scores").clone().set_requires_grad(true);
  Tensor loss = pretrain::swav_loss(split_views(scores));
  CHECK(loss.item() == doctest::Approx(g.at("loss").item()).epsilon(1e-13));
  autograd::backward(loss);
  CHECK(ops::max_abs_diff(scores.grad(), g.at("grad_scores")) < 1e-13);
}

TEST_CASE("assignment entropy detects collapse") {
  CHECK(pretrain::assignment_entropy(full({4, 8}, 1.0 / 8, DType::f64)) == doctest::Approx(std::log(8.0)));
  Tensor collapsed = zeros({4, 8}, DType::f64);
  fill_(collapsed.slice(1, 2, 3), 1.0);
  CHECK(pretrain::assignment_entropy(collapsed) == doctest::Approx(0.0));
}

TEST_CASE("gradcheck f64: SwAV, InfoNCE, NT-Xent, ArcFace") {
  Generator gen(11);
  auto unit = [&](int64_t n, int64_t d) {
    Tensor t = randn({n, d}, gen, DType::f64);
    return ops::div(t, ops::sqrt(ops::sum(ops::mul(t, t), {1}, true))).set_requires_grad(true);
  };
  struct Case {
    const char* name;
    std::vector<Tensor> inputs;
    std::function<Tensor(const std::vector<Tensor>&)> f;
  };
  std::vector<Case> cases;
  // The codes are a stop-gradient target, so the check holds them fixed.
  Tensor codes0 = kernels::sinkhorn(randn({4, 5}, gen, DType::f64), 0.05, 3);
  Tensor codes1 = kernels::sinkhorn(randn({4, 5}, gen, DType::f64), 0.05, 3);
  cases.push_back({"swapped_prediction (SwAV, fixed codes)",
                   {ops::mul_scalar(randn({3 * 4, 5}, gen, DType::f64), 0.5).set_requires_grad(true)},
                   [codes0, codes1](const std::vector<Tensor>& x) {
                     std::vector<Tensor> v;
                     for (int i = 0; i < 3; ++i) v.push_back(slice(x[0], 0, i * 4, (i + 1) * 4));
                     return pretrain::swapped_prediction(v, {codes0, codes1});
                   }});
  cases.push_back({"info_nce", {unit(4, 6), unit(4, 6).detach(), unit(7, 6)},
                   [](const std::vector<Tensor>& x) { return pretrain::info_nce(x[0], x[1], x[2], 0.2); }});
  cases.push_back({"nt_xent", {unit(3, 5), unit(3, 5)},
                   [](const std::vector<Tensor>& x) { return pretrain::nt_xent(x[0], x[1], 0.5); }});
  Tensor labels = from_vector<int64_t>({2, 0, 3}, {3});
  cases.push_back({"arcface_logits", {randn({3, 5}, gen, DType::f64).set_requires_grad(true),
                                      randn({4, 5}, gen, DType::f64).set_requires_grad(true)},
                   [labels](const std::vector<Tensor>& x) {
                     return pretrain::arcface_logits(x[0], x[1], labels, 8.0, 0.5);
                   }});
  for (auto& c : cases) {
    auto r = autograd::gradcheck(c.f, c.inputs);
    INFO(std::string(c.name), "\n", r.report);
    CHECK(r.ok);
    MESSAGE("gradcheck f64 ", std::string(c.name), ": ", r.checked, " elements, max abs err ", r.max_abs_error);
  }
}

namespace {
// The unfused formulations the fused contrastive op replaced: generic ops and
// cross_entropy, the self-similarity masked with a large negative constant.
Tensor info_nce_unfused(const Tensor& q, const Tensor& k, const Tensor& queue, double tau) {
  Tensor pos = sum(mul(q, k), {1}, true);
  Tensor logits = mul_scalar(cat({pos, matmul(q, transpose(queue, 0, 1))}, 1), 1.0 / tau);
  return cross_entropy(logits, zeros({q.size(0)}, DType::i64));
}
Tensor nt_xent_unfused(const Tensor& z1, const Tensor& z2, double tau) {
  const int64_t n = z1.size(0);
  Tensor z = cat({z1, z2}, 0);
  Tensor sim = mul_scalar(matmul(z, transpose(z, 0, 1)), 1.0 / tau);
  Tensor self_mask = zeros({2 * n, 2 * n}, z.dtype());
  for (int64_t i = 0; i < 2 * n; ++i) fill_(self_mask.select(0, i).slice(0, i, i + 1), -1e9);
  std::vector<int64_t> target(2 * n);
  for (int64_t i = 0; i < 2 * n; ++i) target[i] = (i + n) % (2 * n);
  return cross_entropy(add(sim, self_mask), from_vector<int64_t>(target, {2 * n}));
}
}  // namespace

TEST_CASE("InfoNCE and NT-Xent (fused) equal their unfused formulation: values and gradients, f64 and f32") {
  Generator gen(21);
  for (DType dt : {DType::f64, DType::f32}) {
    const double tol = dt == DType::f64 ? 1e-12 : 2e-6;
    auto unit = [&](int64_t n, int64_t d) {
      Tensor t = randn({n, d}, gen, DType::f64);
      return ops::div(t, ops::sqrt(ops::sum(ops::mul(t, t), {1}, true))).to(dt);
    };
    // Value and gradients wrt the inputs that take one, fused vs unfused.
    auto compare = [&](const char* name, std::vector<Tensor> inputs, size_t n_grad,
                       const std::function<Tensor(const std::vector<Tensor>&)>& fused,
                       const std::function<Tensor(const std::vector<Tensor>&)>& unfused) {
      INFO(name, " ", std::string(dtype_name(dt)));
      std::vector<Tensor> grads[2];
      double values[2];
      for (int v = 0; v < 2; ++v) {
        std::vector<Tensor> x;
        for (size_t i = 0; i < inputs.size(); ++i) x.push_back(inputs[i].clone().set_requires_grad(i < n_grad));
        Tensor loss = v == 0 ? fused(x) : unfused(x);
        autograd::backward(loss);
        values[v] = loss.item();
        for (size_t i = 0; i < n_grad; ++i) grads[v].push_back(x[i].grad());
      }
      CHECK(values[0] == doctest::Approx(values[1]).epsilon(tol));
      for (size_t i = 0; i < n_grad; ++i) CHECK(ops::rel_error(grads[0][i], grads[1][i]) < tol * 10);
    };
    compare("info_nce", {unit(9, 16), unit(9, 16), unit(301, 16)}, 1,
            [](auto& x) { return pretrain::info_nce(x[0], x[1], x[2], 0.07); },
            [](auto& x) { return info_nce_unfused(x[0], x[1], x[2], 0.07); });
    compare("nt_xent", {unit(13, 16), unit(13, 16)}, 2, [](auto& x) { return pretrain::nt_xent(x[0], x[1], 0.1); },
            [](auto& x) { return nt_xent_unfused(x[0], x[1], 0.1); });
  }
}

TEST_CASE("ArcFace adds the margin to the target class only") {
  Tensor e = from_vector<double>({1, 0}, {1, 2});
  Tensor w = from_vector<double>({1, 1, 0, 1}, {2, 2});  // class 0 at 45 degrees, class 1 at 90
  Tensor logits = pretrain::arcface_logits(e, w, from_vector<int64_t>({0}, {1}), 10.0, 0.5);
  auto v = logits.to_vector<double>();
  CHECK(v[0] == doctest::Approx(10 * std::cos(M_PI / 4 + 0.5)).epsilon(1e-6));
  CHECK(v[1] == doctest::Approx(0.0).epsilon(1e-6));
}
