#include <doctest/doctest.h>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "nn/functional.h"

using namespace fb;

namespace {
Tensor leaf(std::vector<double> v) {
  int64_t n = static_cast<int64_t>(v.size());
  return from_vector<double>(v, {n}).set_requires_grad(true);
}
}  // namespace

TEST_CASE("gradients accumulate over shared subexpressions (diamond graph)") {
  Tensor x = leaf({1, 2, 3});
  Tensor y = mul(x, x);              // x^2
  Tensor z = add(mul(y, x), y);      // x^3 + x^2
  autograd::backward(sum(z));        // d/dx = 3x^2 + 2x
  CHECK(x.grad().to_vector<double>() == std::vector<double>{5, 16, 33});
  // A second backward accumulates into .grad.
  autograd::backward(sum(mul(x, x)));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{7, 20, 39});
}

TEST_CASE("inputs that do not require grad get none") {
  Tensor x = leaf({1, 2});
  Tensor c = from_vector<double>({3, 4}, {2});
  autograd::backward(sum(mul(x, c)));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 4});
  CHECK(!c.grad().defined());
}

TEST_CASE("no-grad guard and detach cut the graph") {
  Tensor x = leaf({1, 2});
  {
    autograd::NoGradGuard ng;
    Tensor y = mul(x, x);
    CHECK(!y.requires_grad());
  }
  Tensor d = mul(x, x).detach();
  CHECK(!d.requires_grad());
  CHECK_THROWS_WITH_AS(autograd::backward(sum(d)), doctest::Contains("does not require grad"), fb::Error);
}

TEST_CASE("non-scalar roots need an explicit gradient") {
  Tensor x = leaf({1, 2, 3});
  Tensor y = mul_scalar(x, 2.0);
  CHECK_THROWS_WITH_AS(autograd::backward(y), doctest::Contains("non-scalar"), fb::Error);
  autograd::backward(y, from_vector<double>({1, 10, 100}, {3}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 20, 200});
}

TEST_CASE("modifying a tensor saved for backward is reported, not silently wrong") {
  Tensor x = leaf({1, 2});
  Tensor w = from_vector<double>({3, 4}, {2});
  Tensor y = sum(mul(x, w));
  fill_(w, 0.0);  // in-place write to a saved input
  CHECK_THROWS_WITH_AS(autograd::backward(y), doctest::Contains("modified in place"), fb::Error);
}

TEST_CASE("multi-use of views and unused outputs") {
  Tensor x = leaf({1, 2, 3, 4});
  Tensor a = slice(x, 0, 0, 2);
  Tensor b = slice(x, 0, 2, 4);
  autograd::backward(sum(mul(a, b)));  // d/dx = [x2, x3, x0, x1]
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 4, 1, 2});
}

TEST_CASE("deep chains do not overflow the stack") {
  Tensor x = leaf({1.0});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = add_scalar(y, 1e-4);
  autograd::backward(sum(y));
  CHECK(x.grad().item() == doctest::Approx(1.0));
}
