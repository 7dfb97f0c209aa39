// Optimizers against PyTorch trajectories (tests/golden/make_optim_golden.py),
// LARS against its formula, and the schedules against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>

#include "nn/checkpoint/safetensors.h"
#include "nn/optim.h"
#include "tensor/ops.h"

using namespace fb;

namespace {
std::map<std::string, Tensor> golden() {
  std::map<std::string, Tensor> m;
  for (auto& [n, t] : checkpoint::load_safetensors(std::string(FB_TEST_DATA_DIR) + "/golden/optim_trajectories.safetensors"))
    m[n] = t;
  return m;
}

void follow(const std::string& name, const std::function<std::unique_ptr<nn::Optimizer>(std::vector<Tensor>)>& make) {
  auto g = golden();
  std::vector<Tensor> params;
  for (int i = 0; i < 3; ++i) params.push_back(g.at("init." + std::to_string(i)).clone().set_requires_grad(true));
  auto opt = make(params);
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 3; ++i) params[i].set_grad(g.at("grad." + std::to_string(k) + "." + std::to_string(i)).clone());
    opt->step();
    for (int i = 0; i < 3; ++i) {
      INFO(name, " step ", k, " param ", i);
      CHECK(ops::max_abs_diff(params[i], g.at(name + "." + std::to_string(k) + "." + std::to_string(i))) < 1e-13);
    }
  }
}
}  // namespace

TEST_CASE("SGD variants follow PyTorch exactly (f64)") {
  follow("sgd", [](auto p) { return std::make_unique<nn::SGD>(p, 0.1); });
  follow("sgd_momentum_wd", [](auto p) { return std::make_unique<nn::SGD>(p, 0.05, nn::SGDOptions{0.9, 0.1, 0.01, false}); });
  follow("sgd_nesterov", [](auto p) { return std::make_unique<nn::SGD>(p, 0.05, nn::SGDOptions{0.8, 0.0, 1e-3, true}); });
}

TEST_CASE("AdamW follows PyTorch exactly (f64)") {
  follow("adamw", [](auto p) { return std::make_unique<nn::AdamW>(p, 0.01, nn::AdamWOptions{0.9, 0.99, 1e-6, 0.05}); });
}

TEST_CASE("LARS scales each step by the trust ratio and skips excluded parameters") {
  Tensor w = from_vector<double>({3, 4}, {2}).set_requires_grad(true);  // ||w|| = 5
  Tensor b = from_vector<double>({1, -1}, {2}).set_requires_grad(true);
  w.set_grad(from_vector<double>({0.6, 0.8}, {2}));  // ||g|| = 1
  b.set_grad(from_vector<double>({0.5, 0.5}, {2}));
  nn::LARS opt({w, b}, {false, true}, 0.1, nn::LARSOptions{0.9, 0.01, 0.02, 0.0});
  opt.step();
  // trust = 0.02 * 5 / (1 + 0.01 * 5) = 0.0952381; d = (g + 0.01 w) * trust; w -= lr * d
  double trust = 0.02 * 5 / (1 + 0.01 * 5);
  auto wv = w.to_vector<double>();
  CHECK(wv[0] == doctest::Approx(3 - 0.1 * (0.6 + 0.03) * trust).epsilon(1e-14));
  CHECK(wv[1] == doctest::Approx(4 - 0.1 * (0.8 + 0.04) * trust).epsilon(1e-14));
  // Excluded: plain momentum SGD without weight decay.
  CHECK(b.to_vector<double>() == std::vector<double>{1 - 0.05, -1 - 0.05});
  // Second step: momentum accumulates the scaled update.
  w.set_grad(from_vector<double>({0.6, 0.8}, {2}));
  b.set_grad(from_vector<double>({0.5, 0.5}, {2}));
  opt.step();
  CHECK(b.to_vector<double>()[0] == doctest::Approx(0.95 - 0.1 * (0.9 * 0.5 + 0.5)).epsilon(1e-14));
}

TEST_CASE("optimizer state round-trips (resume gives the same trajectory)") {
  auto g = golden();
  auto run = [&](bool resume) {
    std::vector<Tensor> params;
    for (int i = 0; i < 3; ++i) params.push_back(g.at("init." + std::to_string(i)).clone().set_requires_grad(true));
    auto opt = std::make_unique<nn::AdamW>(params, 0.01, nn::AdamWOptions{0.9, 0.99, 1e-6, 0.05});
    for (int k = 0; k < 4; ++k) {
      if (resume && k == 2) {  // rebuild the optimizer from its saved state mid-run
        auto state = opt->state();
        for (auto& [n, t] : state) t = t.clone();
        opt = std::make_unique<nn::AdamW>(params, 0.01, nn::AdamWOptions{0.9, 0.99, 1e-6, 0.05});
        opt->load_state(state);
      }
      for (int i = 0; i < 3; ++i) params[i].set_grad(g.at("grad." + std::to_string(k) + "." + std::to_string(i)).clone());
      opt->step();
    }
    return params;
  };
  auto a = run(false), b = run(true);
  for (int i = 0; i < 3; ++i) CHECK(ops::max_abs_diff(a[i], b[i]) == 0.0);
}

TEST_CASE("schedules") {
  // Warm-up from 0.1 to 1.0 over 10 steps, cosine to 0.01 at step 110.
  CHECK(nn::cosine_with_warmup(0, 110, 10, 1.0, 0.1, 0.01) == doctest::Approx(0.1));
  CHECK(nn::cosine_with_warmup(5, 110, 10, 1.0, 0.1, 0.01) == doctest::Approx(0.55));
  CHECK(nn::cosine_with_warmup(10, 110, 10, 1.0, 0.1, 0.01) == doctest::Approx(1.0));
  CHECK(nn::cosine_with_warmup(60, 110, 10, 1.0, 0.1, 0.01) == doctest::Approx(0.505));
  CHECK(nn::cosine_with_warmup(110, 110, 10, 1.0, 0.1, 0.01) == doctest::Approx(0.01));
  CHECK(nn::step_decay(25, 10, 0.1, 1.0) == doctest::Approx(0.01));
  CHECK_THROWS_AS(nn::step_decay(1, 0, 0.1, 1.0), fb::Error);
}
