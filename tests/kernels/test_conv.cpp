// Convolution: CPU kernels vs the reference on many random geometries,
// backward kernels vs central finite differences (f64, both backends),
// hand-worked values and argument errors.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "kernel_test_util.h"

using namespace fb;
using namespace fb::kernel_test;
using fb::kernels::Conv2dParams;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;

namespace {

struct ConvCase {
  int64_t N, H, W, C, O, KH, KW;
  Conv2dParams p;
};

Conv2dParams params(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups) {
  Conv2dParams p;
  p.stride_h = sh;
  p.stride_w = sw;
  p.pad_h = ph;
  p.pad_w = pw;
  p.dilation_h = dh;
  p.dilation_w = dw;
  p.groups = groups;
  return p;
}

std::string describe(const ConvCase& c) {
  return detail::concat("N=", c.N, " H=", c.H, " W=", c.W, " C=", c.C, " O=", c.O, " k=", c.KH, "x", c.KW,
                        " s=", c.p.stride_h, "x", c.p.stride_w, " p=", c.p.pad_h, "x", c.p.pad_w, " d=",
                        c.p.dilation_h, "x", c.p.dilation_w, " g=", c.p.groups);
}

// A spread of geometries: odd sizes, tails, strides 1-3, padding 0/1/3,
// dilation 1/2, groups 1/2/depthwise, 1x1 and 7x7, non-square.
std::vector<ConvCase> conv_cases() {
  return {
      {2, 5, 5, 3, 4, 3, 3, params(1, 1, 1, 1, 1, 1, 1)},
      {1, 7, 9, 5, 7, 3, 3, params(2, 2, 1, 1, 1, 1, 1)},
      {3, 8, 8, 16, 32, 1, 1, params(1, 1, 0, 0, 1, 1, 1)},       // pointwise GEMM path
      {2, 9, 7, 6, 10, 1, 1, params(1, 1, 0, 0, 1, 1, 2)},        // grouped pointwise
      {2, 9, 9, 8, 12, 1, 1, params(2, 2, 0, 0, 1, 1, 1)},        // strided 1x1 (downsample)
      {1, 13, 11, 3, 8, 7, 7, params(2, 2, 3, 3, 1, 1, 1)},       // ResNet stem
      {2, 10, 10, 4, 6, 3, 3, params(1, 1, 2, 2, 2, 2, 1)},       // dilated
      {1, 11, 13, 6, 6, 3, 3, params(1, 1, 1, 1, 1, 1, 6)},       // depthwise
      {2, 8, 7, 4, 8, 3, 3, params(1, 1, 1, 1, 1, 1, 4)},         // depthwise x2 multiplier
      {2, 9, 10, 8, 6, 3, 5, params(3, 2, 3, 1, 1, 2, 2)},        // non-square everything
      {1, 1, 1, 7, 13, 1, 1, params(1, 1, 0, 0, 1, 1, 1)},        // 1x1 image
      {1, 3, 3, 2, 3, 3, 3, params(1, 1, 0, 0, 1, 1, 1)},         // single output pixel
      {4, 6, 15, 13, 17, 2, 3, params(3, 1, 0, 3, 1, 1, 1)},      // odd channels, stride 3
      {2, 14, 14, 33, 65, 3, 3, params(1, 1, 1, 1, 1, 1, 1)},     // channel tails past the GEMM tiles
      {1, 16, 16, 64, 64, 3, 3, params(2, 2, 1, 1, 1, 1, 1)},
      {2, 5, 12, 10, 4, 7, 1, params(1, 2, 3, 0, 1, 1, 2)},
  };
}

Tensor forward(CpuBackend be, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& p) {
  CpuBackendGuard guard(be);
  return kernels::conv2d_forward(x, w, b, p);
}
Tensor bwd_input(CpuBackend be, const Tensor& dy, const Tensor& w, const Shape& xs, const Conv2dParams& p) {
  CpuBackendGuard guard(be);
  return kernels::conv2d_backward_input(dy, w, xs, p);
}
Tensor bwd_weight(CpuBackend be, const Tensor& dy, const Tensor& x, const Shape& ws, const Conv2dParams& p) {
  CpuBackendGuard guard(be);
  return kernels::conv2d_backward_weight(dy, x, ws, p);
}
Tensor bwd_bias(CpuBackend be, const Tensor& dy) {
  CpuBackendGuard guard(be);
  return kernels::conv2d_backward_bias(dy);
}

}  // namespace

TEST_CASE("conv2d: cpu matches reference (forward and backward), f32 and f64") {
  uint64_t seed = 100;
  for (const ConvCase& c : conv_cases())
    for (DType dt : {DType::f32, DType::f64}) {
      INFO(describe(c), " ", dtype_name(dt));
      Generator gen(seed++);
      Tensor x = randn({c.N, c.H, c.W, c.C}, gen, dt);
      Tensor w = randn({c.O, c.C / c.p.groups, c.KH, c.KW}, gen, dt);
      Tensor b = randn({c.O}, gen, dt);
      const double tol = dt == DType::f32 ? 1e-5 : 1e-12;
      Tensor yr = forward(CpuBackend::Reference, x, w, b, c.p);
      Tensor yc = forward(CpuBackend::Cpu, x, w, b, c.p);
      CHECK(ops::rel_error(yc, yr) <= tol);
      CHECK(ops::rel_error(forward(CpuBackend::Cpu, x, w, Tensor(), c.p),
                           forward(CpuBackend::Reference, x, w, Tensor(), c.p)) <= tol);
      Tensor dy = randn(yr.shape(), gen, dt);
      CHECK(ops::rel_error(bwd_input(CpuBackend::Cpu, dy, w, x.shape(), c.p),
                           bwd_input(CpuBackend::Reference, dy, w, x.shape(), c.p)) <= tol);
      CHECK(ops::rel_error(bwd_weight(CpuBackend::Cpu, dy, x, w.shape(), c.p),
                           bwd_weight(CpuBackend::Reference, dy, x, w.shape(), c.p)) <= tol);
      CHECK(ops::rel_error(bwd_bias(CpuBackend::Cpu, dy), bwd_bias(CpuBackend::Reference, dy)) <= tol);
    }
}

TEST_CASE("conv2d: non-contiguous input gives the same result") {
  Generator gen(7);
  Tensor x = randn({2, 6, 6, 8}, gen, DType::f64);
  Tensor w = randn({4, 4, 3, 3}, gen, DType::f64);
  Tensor xs = x.slice(3, 0, 8, 2);  // every other channel: [2, 6, 6, 4], strided
  auto p = params(1, 1, 1, 1, 1, 1, 1);
  for (auto be : {CpuBackend::Reference, CpuBackend::Cpu})
    CHECK(ops::rel_error(forward(be, xs, w, Tensor(), p), forward(be, xs.contiguous(), w, Tensor(), p)) <= 1e-14);
}

TEST_CASE("conv2d: backward kernels match finite differences (f64)") {
  const std::vector<ConvCase> cases = {
      {2, 4, 5, 3, 2, 3, 3, params(1, 1, 1, 1, 1, 1, 1)},
      {1, 6, 5, 4, 4, 3, 2, params(2, 1, 1, 0, 1, 2, 2)},
      {1, 5, 5, 2, 3, 1, 1, params(1, 1, 0, 0, 1, 1, 1)},
      {2, 7, 6, 3, 3, 3, 3, params(3, 2, 1, 1, 1, 1, 3)},
  };
  uint64_t seed = 500;
  for (const ConvCase& c : cases)
    for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
      INFO(describe(c), " backend ", kernels::cpu_backend_name(be));
      Generator gen(seed++);
      Tensor x = randn({c.N, c.H, c.W, c.C}, gen, DType::f64);
      Tensor w = randn({c.O, c.C / c.p.groups, c.KH, c.KW}, gen, DType::f64);
      Tensor b = randn({c.O}, gen, DType::f64);
      Tensor y = forward(be, x, w, b, c.p);
      Tensor r = randn(y.shape(), gen, DType::f64);
      auto loss = [&] { return dot(forward(be, x, w, b, c.p), r); };
      CHECK(ops::rel_error(bwd_input(be, r, w, x.shape(), c.p), numeric_grad(x, loss)) <= 1e-7);
      CHECK(ops::rel_error(bwd_weight(be, r, x, w.shape(), c.p), numeric_grad(w, loss)) <= 1e-7);
      CHECK(ops::rel_error(bwd_bias(be, r), numeric_grad(b, loss)) <= 1e-7);
    }
}

TEST_CASE("conv2d: hand-worked 3x3 input, 2x2 kernel") {
  // x (one channel)      w           y = valid correlation
  //  1 2 3              1  0          1*1 + 5*-1 = -4   2 - 6 = -4
  //  4 5 6              0 -1          4 - 8 = -4        5 - 9 = -4
  //  7 8 9
  for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
    Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3, 1});
    Tensor w = from_vector<float>({1, 0, 0, -1}, {1, 1, 2, 2});
    Tensor y = forward(be, x, w, from_vector<float>({0.5f}, {1}), Conv2dParams{});
    CHECK(y.shape() == Shape{1, 2, 2, 1});
    CHECK(y.to_vector<float>() == std::vector<float>{-3.5f, -3.5f, -3.5f, -3.5f});
    // With padding 1 and stride 2 the outputs sit on the corners: each sees
    // one diagonal pair, or only the -1 tap / the +1 tap at the borders.
    auto p = params(2, 2, 1, 1, 1, 1, 1);
    Tensor y2 = forward(be, x, w, Tensor(), p);
    CHECK(y2.shape() == Shape{1, 2, 2, 1});
    CHECK(y2.to_vector<float>() == std::vector<float>{-1, -3, -7, 5 - 9});
    // Backward input of the valid conv with dy = 1: each x gets the sum of
    // the taps that touch it.
    Tensor dx = bwd_input(be, from_vector<float>({1, 1, 1, 1}, {1, 2, 2, 1}), w, x.shape(), Conv2dParams{});
    CHECK(dx.to_vector<float>() == std::vector<float>{1, 1, 0, 1, 0, -1, 0, -1, -1});
    // Backward weight with dy = 1: w-tap (i,j) sums the 2x2 block of x at (i,j).
    Tensor dw = bwd_weight(be, from_vector<float>({1, 1, 1, 1}, {1, 2, 2, 1}), x, w.shape(), Conv2dParams{});
    CHECK(dw.to_vector<float>() == std::vector<float>{12, 16, 24, 28});
  }
}

TEST_CASE("conv2d: argument errors name the op and the shapes") {
  Tensor x = zeros({2, 32, 32, 3}), w = zeros({64, 64, 3, 3});
  CHECK_THROWS_WITH_AS(
      kernels::conv2d_forward(x, w, Tensor(), Conv2dParams{}),
      "conv2d: input has 3 channels, weight expects 64 (input [2, 32, 32, 3], weight [64, 64, 3, 3], groups 1)",
      Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({32, 32, 3}), zeros({8, 3, 3, 3}), Tensor(), Conv2dParams{}),
                       doctest::Contains("conv2d: input must be 4-D NHWC, got [32, 32, 3]"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({1, 8, 8, 3}, DType::i32), zeros({8, 3, 3, 3}, DType::i32),
                                               Tensor(), Conv2dParams{}),
                       doctest::Contains("conv2d: unsupported dtype i32 for input [1, 8, 8, 3]"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({1, 8, 8, 3}), zeros({8, 3, 3, 3}, DType::f64), Tensor(),
                                               Conv2dParams{}),
                       doctest::Contains("conv2d: dtypes differ"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({1, 8, 8, 3}), zeros({8, 3, 3, 3}), zeros({4}), Conv2dParams{}),
                       doctest::Contains("conv2d: bias must be [8], got [4]"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({1, 2, 2, 3}), zeros({8, 3, 3, 3}), Tensor(), Conv2dParams{}),
                       doctest::Contains("larger than the padded input"), Error);
  auto g2 = params(1, 1, 0, 0, 1, 1, 2);
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(zeros({1, 8, 8, 3}), zeros({8, 3, 3, 3}), Tensor(), g2),
                       doctest::Contains("groups=2 must divide"), Error);
  CHECK_THROWS_WITH_AS(
      kernels::conv2d_backward_input(zeros({1, 5, 5, 8}), zeros({8, 3, 3, 3}), {1, 8, 8, 3}, Conv2dParams{}),
      "conv2d_backward_input: grad_output is [1, 5, 5, 8], expected [1, 6, 6, 8] (input [1, 8, 8, 3], weight [8, 3, 3, "
      "3])",
      Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_backward_weight(zeros({1, 6, 6, 8}), zeros({1, 8, 8, 4}), {8, 3, 3, 3},
                                                       Conv2dParams{}),
                       doctest::Contains("conv2d_backward_weight: input has 4 channels, weight expects 3"), Error);
  CHECK_THROWS_WITH_AS(kernels::conv2d_backward_bias(zeros({6, 8})),
                       doctest::Contains("conv2d_backward_bias: grad_output must be 4-D"), Error);
}
