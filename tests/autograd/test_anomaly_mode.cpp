// Anomaly mode names the op that produced the first NaN or infinity, in the
// forward pass and in backward, and stays silent when it is off.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "autograd/anomaly_mode.h"
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "nn/functional.h"

using namespace fb;

namespace {
Tensor leaf(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return from_vector<double>(v, {n}).set_requires_grad(true);
}
}  // namespace

TEST_CASE("anomaly mode: log of a negative number is reported as a nan made by 'log'") {
  autograd::AnomalyModeGuard on;
  Tensor x = leaf({1.0, -2.0, 3.0});
  Tensor y = mul_scalar(x, 2.0);  // finite: passes
  CHECK_THROWS_WITH_AS(log(y),
                       doctest::Contains("op 'log' produced nan in its output 0 (shape [3], element 1) from finite inputs"),
                       fb::Error);
}

TEST_CASE("anomaly mode: 0/0 is reported as a nan made by 'div', 1/0 as an inf") {
  autograd::AnomalyModeGuard on;
  Tensor a = leaf({0.0, 1.0});
  Tensor b = from_vector<double>({0.0, 2.0}, {2});
  CHECK_THROWS_WITH_AS(div(a, b), doctest::Contains("op 'div' produced nan in its output 0"), fb::Error);
  Tensor c = from_vector<double>({1.0, 0.0}, {2});
  CHECK_THROWS_WITH_AS(div(a, c), doctest::Contains("op 'div' produced inf in its output 0 (shape [2], element 1)"),
                       fb::Error);
}

TEST_CASE("anomaly mode: a gradient that becomes infinite in backward names the op whose backward made it") {
  // sqrt(0) = 0 is finite, but its derivative 1 / (2 sqrt(0)) is not.
  Tensor x = leaf({4.0, 0.0});
  Tensor loss = sum(sqrt(mul_scalar(x, 1.0)));
  {
    autograd::AnomalyModeGuard on;
    CHECK_THROWS_WITH_AS(autograd::backward(loss),
                         doctest::Contains("backward of op 'sqrt' produced inf in the gradient of its input 0 (shape [2], "
                                           "element 1) from a finite incoming gradient"),
                         fb::Error);
  }
  // Off, the same graph runs through and leaves the non-finite gradient in place (PyTorch's behaviour).
  autograd::AnomalyModeGuard off(false);
  Tensor x2 = leaf({4.0, 0.0});
  autograd::backward(sum(sqrt(mul_scalar(x2, 1.0))));
  auto g = x2.grad().to_vector<double>();
  CHECK(g[0] == doctest::Approx(0.25));
  CHECK(std::isinf(g[1]));
}

TEST_CASE("anomaly mode: the first bad op is named, not the ones the nan flows through") {
  autograd::AnomalyModeGuard on;
  Tensor x = leaf({-1.0});
  // exp(log(-1)): 'log' makes the nan; 'exp' would only pass it on.
  CHECK_THROWS_WITH_AS(exp(log(x)), doctest::Contains("op 'log'"), fb::Error);
  // A nan that enters from outside the graph is reported at the first op that sees it, and said to come from outside.
  Tensor bad = from_vector<double>({std::numeric_limits<double>::quiet_NaN()}, {1});
  CHECK_THROWS_WITH_AS(add(x, bad), doctest::Contains("op 'add' produced nan in its output 0 (shape [1], element 0) from "
                                                     "inputs that already held nan or inf"),
                       fb::Error);
}

TEST_CASE("anomaly mode: the guard restores the previous state and checks also run without a graph") {
  const bool before = autograd::anomaly_mode_enabled();
  {
    autograd::AnomalyModeGuard on;
    CHECK(autograd::anomaly_mode_enabled());
    {
      autograd::AnomalyModeGuard off(false);
      CHECK_FALSE(autograd::anomaly_mode_enabled());
      CHECK_NOTHROW(log(from_vector<double>({-1.0}, {1})));  // off: nan, silently, as without the mode
    }
    CHECK(autograd::anomaly_mode_enabled());
    autograd::NoGradGuard no_grad;
    CHECK_THROWS_WITH_AS(log(from_vector<float>({-1.0f}, {1})), doctest::Contains("op 'log'"), fb::Error);
  }
  CHECK(autograd::anomaly_mode_enabled() == before);
}

TEST_CASE("anomaly mode: finite training steps are unaffected") {
  autograd::AnomalyModeGuard on;
  Tensor w = leaf({0.5, -0.25});
  Tensor x = from_vector<double>({1.0, 2.0}, {2});
  Tensor loss = sum(mul(log(add_scalar(exp(mul(w, x)), 1.0)), x));  // softplus, finite everywhere
  CHECK_NOTHROW(autograd::backward(loss));
  CHECK(ops::all_finite(w.grad()));
}

// ctest runs this case a second time with FB_ANOMALY=1 (tests/CMakeLists.txt); without it the case only checks
// that the mode is off by default.
TEST_CASE("anomaly mode: the FB_ANOMALY environment variable turns it on for the process") {
  const char* env = std::getenv("FB_ANOMALY");
  if (!env || std::string(env) == "0") {
    CHECK_FALSE(autograd::anomaly_mode_enabled());
    return;
  }
  CHECK(autograd::anomaly_mode_enabled());
  CHECK_THROWS_WITH_AS(sqrt(leaf({-1.0})), doctest::Contains("op 'sqrt' produced nan"), fb::Error);
}
