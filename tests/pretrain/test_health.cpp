// Run health: a NaN/inf gradient stops pre-training before the optimizer
// step, with a message naming the parameter and the step, and the last good
// checkpoint stays loadable; the collapse monitors read what they claim.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "facebench/pretrain/checkpoint.h"
#include "facebench/pretrain/health.h"
#include "facebench/pretrain/trainer.h"
#include "tensor/ops.h"
#include "tiny_run.h"

#include <nlohmann/json.hpp>

using namespace fb;
namespace fs = std::filesystem;

namespace {
// A parameter with the given gradient values.
Tensor param_with_grad(const std::vector<double>& grad) {
  Tensor p = zeros({static_cast<int64_t>(grad.size())}, DType::f64);
  p.set_grad(from_vector<double>(grad, {static_cast<int64_t>(grad.size())}));
  return p;
}

using fbtest::tiny_run;

std::string scratch_dir(const std::string& name) { return fbtest::scratch_dir("health_" + name); }
}  // namespace

TEST_CASE("gradient_norm is the global L2 norm and NaN when a gradient is") {
  nn::NamedTensors ps{{"a", param_with_grad({3, 0})}, {"b", param_with_grad({4})}};
  CHECK(pretrain::gradient_norm(ps) == doctest::Approx(5.0));
  ps.emplace_back("c", param_with_grad({1, std::numeric_limits<double>::quiet_NaN()}));
  CHECK(std::isnan(pretrain::gradient_norm(ps)));
}

TEST_CASE("check_finite_gradients names the first bad parameter, the count of others and the step") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  nn::NamedTensors ok{{"fine", param_with_grad({1, 2})}};
  CHECK_NOTHROW(pretrain::check_finite_gradients(ok, 3, "ckpt"));
  nn::NamedTensors bad{{"fine", param_with_grad({1, 2})},
                       {"head.0.weight", param_with_grad({0, inf})},
                       {"prototypes.weight", param_with_grad({nan})}};
  std::string msg;
  try {
    pretrain::check_finite_gradients(bad, 17, "run/checkpoint.safetensors");
  } catch (const std::exception& e) {
    msg = e.what();
  }
  CHECK(msg.find("'head.0.weight'") != std::string::npos);
  CHECK(msg.find("1 more parameter") != std::string::npos);
  CHECK(msg.find("step 17") != std::string::npos);
  CHECK(msg.find("run/checkpoint.safetensors") != std::string::npos);
}

TEST_CASE("a NaN gradient stops the run before the step and keeps the last good checkpoint") {
  for (const std::string method : {"supervised", "swav"}) {
    CAPTURE(method);
    const std::string dir = scratch_dir(method);
    pretrain::RunOptions o;
    o.progress = false;
    const int64_t bad_step = 3;
    std::string victim;
    o.after_backward = [&](int64_t step, const nn::NamedTensors& params) {
      if (step != bad_step) return;
      // Poison one element of one gradient, as an overflow in a backward kernel would.
      const auto& [name, p] = params[params.size() / 2];
      victim = name;
      Tensor g = p.grad().reshape({p.grad().numel()});  // a view: gradients are contiguous
      fill_(g.slice(0, 0, 1), std::numeric_limits<double>::quiet_NaN());
    };
    std::string msg;
    try {
      pretrain::run_pretraining(tiny_run(method), dir, o);
    } catch (const std::exception& e) {
      msg = e.what();
    }
    REQUIRE_FALSE(victim.empty());
    CHECK(msg.find("'" + victim + "'") != std::string::npos);
    // Steps are named 1-based, as in log.jsonl: the 0-based step 3 is the fourth.
    CHECK(msg.find("step " + std::to_string(bad_step + 1)) != std::string::npos);
    // The last checkpoint is the one written after the last good step, and
    // its weights are finite; no backbone was exported.
    pretrain::TrainingState s = pretrain::load_checkpoint(dir);
    CHECK(s.step == bad_step);
    for (const auto& entry : s.model) CHECK_MESSAGE(ops::all_finite(entry.second), entry.first);
    CHECK_FALSE(fs::exists(fs::path(dir) / "backbone.safetensors"));
    fs::remove_all(dir);
  }
}

TEST_CASE("collapse monitors: hard assignment entropy and mean pairwise cosine") {
  // Four samples on four different prototypes, then all on one.
  Tensor spread = from_vector<double>({1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, {4, 4});
  CHECK(pretrain::hard_assignment_entropy(spread) == doctest::Approx(std::log(4.0)));
  Tensor collapsed = from_vector<double>({0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 1, 0}, {4, 4});
  CHECK(pretrain::hard_assignment_entropy(collapsed) == doctest::Approx(0.0));
  // Identical directions (any length) have similarity 1; orthogonal ones 0.
  Tensor same = from_vector<double>({1, 1, 2, 2, 3, 3}, {3, 2});
  CHECK(pretrain::mean_pairwise_cosine(same) == doctest::Approx(1.0));
  Tensor ortho = from_vector<double>({1, 0, 0, 0, 2, 0, 0, 0, 5}, {3, 3});
  CHECK(pretrain::mean_pairwise_cosine(ortho) == doctest::Approx(0.0));
  // {e1, -e1}: one pair with cosine -1.
  Tensor opposite = from_vector<double>({1, 0, -3, 0}, {2, 2});
  CHECK(pretrain::mean_pairwise_cosine(opposite) == doctest::Approx(-1.0));
}

TEST_CASE("the learning-rate schedule scales with base_lr: warm-up start and final rate are fractions of the peak") {
  for (const std::string opt : {"lars", "adamw"}) {
    CAPTURE(opt);
    pretrain::Config c = tiny_run("supervised");
    c.optimizer = opt;
    c.base_lr = opt == "adamw" ? 2e-3 : 0.6;
    c.ref_batch = 16;  // batch 8: peak = base_lr / 2
    c.epochs = 3;
    const std::string dir = scratch_dir("schedule_" + opt);
    pretrain::RunOptions o;
    o.progress = false;
    pretrain::run_pretraining(c, dir, o);
    std::vector<double> lr;
    std::ifstream log(dir + "/log.jsonl");
    for (std::string line; std::getline(log, line);) lr.push_back(nlohmann::json::parse(line).at("lr").get<double>());
    const double peak = c.base_lr / 2;
    REQUIRE(lr.size() == 12);  // 32 images / batch 8 = 4 steps per epoch
    CHECK(lr.front() == doctest::Approx(c.warmup_start_fraction * peak));
    CHECK(*std::max_element(lr.begin(), lr.end()) == doctest::Approx(peak));
    CHECK(lr.back() >= c.final_lr_fraction * peak);
    CHECK(lr.back() < 0.05 * peak);
    fs::remove_all(dir);
  }
}

TEST_CASE("LARS adapts batch-norm parameters only with lars_adapt_all") {
  // One step from the same start: SimCLR's LARS steps a batch-norm weight by
  // lr * g; with lars_adapt_all by lr * 1e-3 * ||w|| / ||g|| * g, as a conv
  // weight (no weight decay here, so the step is exactly that).
  for (const bool adapt_all : {false, true}) {
    CAPTURE(adapt_all);
    pretrain::Config c = tiny_run("supervised");
    c.optimizer = "lars";
    c.lars_adapt_all = adapt_all;
    c.weight_decay = 0;
    c.max_steps = 1;
    const std::string dir = scratch_dir(adapt_all ? "lars_all" : "lars_excluded");
    const std::string name = "backbone.bn1.weight";
    Tensor before, grad;
    pretrain::RunOptions o;
    o.progress = false;
    o.after_backward = [&](int64_t, const nn::NamedTensors& params) {
      for (const auto& [n, p] : params)
        if (n == name) {
          before = p.detach().to(DType::f64).contiguous().clone();
          grad = p.grad().to(DType::f64).contiguous().clone();
        }
    };
    pretrain::run_pretraining(c, dir, o);
    REQUIRE(before.defined());
    std::ifstream log(dir + "/log.jsonl");
    std::string line;
    REQUIRE(std::getline(log, line));
    const double lr = nlohmann::json::parse(line).at("lr").get<double>();
    Tensor after;
    for (const auto& [n, t] : pretrain::load_checkpoint(dir).model)
      if (n == name) after = t.to(DType::f64);
    REQUIRE(after.defined());
    const auto w0 = before.to_vector<double>(), g = grad.to_vector<double>(), w1 = after.to_vector<double>();
    double wn = 0, gn = 0;
    for (size_t i = 0; i < w0.size(); ++i) wn += w0[i] * w0[i], gn += g[i] * g[i];
    wn = std::sqrt(wn), gn = std::sqrt(gn);
    REQUIRE(gn > 0);
    const double scale = adapt_all ? 1e-3 * wn / (gn + 1e-8) : 1.0;
    for (size_t i = 0; i < w0.size(); ++i) CHECK(w1[i] == doctest::Approx(w0[i] - lr * scale * g[i]).epsilon(1e-5));
    fs::remove_all(dir);
  }
}
