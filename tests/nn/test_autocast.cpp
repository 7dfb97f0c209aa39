// Mixed precision (nn/autocast.h) on the CPU, where bf16 products are the f32
// kernels on exactly widened operands, rounded once: every result below can
// be predicted bit for bit from the f32 kernels.
#include <doctest/doctest.h>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "nn/autocast.h"
#include "nn/functional.h"
#include "nn/optim.h"
#include "nn/resnet.h"
#include "tensor/random.h"

using namespace fb;

namespace {
// The value t takes once rounded to bf16, back in f32.
Tensor round_bf16(const Tensor& t) { return t.to(DType::bf16).to(DType::f32); }

Tensor leaf(const Shape& s, Generator& gen) {
  Tensor t = randn(s, gen);
  t.set_requires_grad(true);
  return t;
}
}  // namespace

TEST_CASE("autocast: products of f32 operands run in bf16 and return f32, rounded once") {
  Generator gen(11);
  const Tensor x = randn({3, 9, 7, 6}, gen), w = randn({5, 6, 3, 3}, gen), b = randn({5}, gen);
  const Tensor a = randn({13, 17}, gen), m = randn({17, 5}, gen), lw = randn({5, 17}, gen);
  kernels::Conv2dParams p;
  p.stride_h = p.stride_w = 2;
  p.pad_h = p.pad_w = 1;

  Tensor conv_f32 = conv2d(x, w, b, p), mm_f32 = matmul(a, m), lin_f32 = linear(a, lw, b);
  Tensor conv_bf, mm_bf, lin_bf;
  {
    AutocastGuard g(DType::bf16);
    CHECK(autocast_dtype() == DType::bf16);
    conv_bf = conv2d(x, w, b, p);
    mm_bf = matmul(a, m);
    lin_bf = linear(a, lw, b);
  }
  CHECK(autocast_dtype() == DType::f32);
  for (const Tensor& t : {conv_bf, mm_bf, lin_bf}) CHECK(t.dtype() == DType::f32);

  // Exactly the f32 kernel on rounded operands, its result rounded, plus the f32 bias.
  const Tensor conv_want = ops::add(round_bf16(kernels::conv2d_forward(round_bf16(x), round_bf16(w), Tensor(), p)), b);
  const Tensor mm_want = round_bf16(kernels::matmul(round_bf16(a), round_bf16(m)));
  const Tensor lin_want = ops::add(round_bf16(kernels::matmul(round_bf16(a), round_bf16(lw), false, true)), b);
  CHECK(ops::max_abs_diff(conv_bf, conv_want) == 0.0);
  CHECK(ops::max_abs_diff(mm_bf, mm_want) == 0.0);
  CHECK(ops::max_abs_diff(lin_bf, lin_want) == 0.0);
  // bf16 keeps 8 significant bits: close to f32, but not equal to it.
  for (auto [bf, f] : {std::pair{conv_bf, conv_f32}, {mm_bf, mm_f32}, {lin_bf, lin_f32}}) {
    const double e = ops::rel_error(bf, f);
    CHECK(e > 1e-4);
    CHECK(e < 2e-2);
  }
}

TEST_CASE("autocast: gradients pass through the casts and reach f32 leaves") {
  Generator gen(12);
  Tensor x = leaf({2, 8, 8, 4}, gen), w = leaf({6, 4, 3, 3}, gen), b = leaf({6}, gen);
  kernels::Conv2dParams p;
  p.pad_h = p.pad_w = 1;
  Tensor y;
  {
    AutocastGuard g(DType::bf16);
    y = conv2d(x, w, b, p);
  }
  const Tensor dy = randn(y.shape(), gen);
  autograd::backward(sum(mul(y, dy)));  // d loss / d y = dy
  for (const Tensor& t : {x, w, b}) {
    REQUIRE(t.grad().defined());
    CHECK(t.grad().dtype() == DType::f32);
  }
  // The backward products see dy rounded to bf16 and the saved bf16 operands.
  const Tensor dy_bf = round_bf16(dy);
  CHECK(ops::max_abs_diff(w.grad(), round_bf16(kernels::conv2d_backward_weight(dy_bf, round_bf16(x), w.shape(), p))) ==
        0.0);
  CHECK(ops::max_abs_diff(x.grad(), round_bf16(kernels::conv2d_backward_input(dy_bf, round_bf16(w), x.shape(), p))) ==
        0.0);
  CHECK(ops::max_abs_diff(b.grad(), ops::sum_to(dy, b.shape())) == 0.0);  // the bias add stays f32
}

TEST_CASE("autocast: a small ResNet trains in bf16 with f32 master weights") {
  nn::manual_seed(5);
  nn::ResNetConfig cfg;
  cfg.width = 0.125;
  cfg.small_input = true;
  cfg.num_classes = 4;
  auto net = nn::make_resnet(cfg);
  Generator gen(6);
  const Tensor x = randn({8, 16, 16, 3}, gen);
  Tensor labels = Tensor::empty({8}, DType::i64);
  for (int64_t i = 0; i < 8; ++i) labels.data<int64_t>()[i] = i % 4;

  double loss_f32 = 0;
  {
    autograd::NoGradGuard ng;
    loss_f32 = cross_entropy(net->forward(x), labels).item();
  }
  nn::SGD opt(net->parameters(), 0.05, nn::SGDOptions{0.9, 0, 0, false});
  std::vector<double> losses;
  for (int step = 0; step < 12; ++step) {
    AutocastGuard g(DType::bf16);
    Tensor loss = cross_entropy(net->forward(x), labels);
    losses.push_back(loss.item());
    opt.zero_grad();
    autograd::backward(loss);
    for (const auto& [name, t] : net->named_parameters()) {
      INFO(name);
      REQUIRE(t.grad().defined());
      CHECK(t.grad().dtype() == DType::f32);
      CHECK(ops::all_finite(t.grad()));
    }
    opt.step();
  }
  for (const auto& [name, t] : net->named_parameters()) CHECK(t.dtype() == DType::f32);
  // The first bf16 loss is the f32 loss up to bf16 rounding; the fixed batch is then fitted.
  CHECK(std::abs(losses.front() - loss_f32) < 2e-2 * std::abs(loss_f32));
  CHECK(losses.back() < 0.5 * losses.front());
}

TEST_CASE("autocast: only f32 (off) and bf16 are compute dtypes; the guard restores") {
  CHECK_THROWS_WITH_AS(set_autocast_dtype(DType::f64), doctest::Contains("must be f32 (off) or bf16"), Error);
  {
    AutocastGuard outer(DType::bf16);
    {
      AutocastGuard inner(DType::f32);
      CHECK(autocast_dtype() == DType::f32);
    }
    CHECK(autocast_dtype() == DType::bf16);
  }
  CHECK(autocast_dtype() == DType::f32);
}

TEST_CASE("bf16 matrix products on the CPU refuse mixed dtypes with a clear error") {
  Generator gen(3);
  const Tensor a = randn({4, 5}, gen), b = randn({5, 3}, gen).to(DType::bf16);
  CHECK_THROWS_WITH_AS(kernels::matmul(a, b), doctest::Contains("dtypes differ"), Error);
  const Tensor x = randn({1, 5, 5, 2}, gen).to(DType::bf16), w = randn({3, 2, 3, 3}, gen);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(x, w, Tensor(), {}), doctest::Contains("dtype"), Error);
}
