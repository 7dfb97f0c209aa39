// Pooling and bilinear resampling: CPU vs reference on random geometries,
// backward kernels vs central finite differences (f64, both backends),
// hand-worked values (incl. PyTorch's ceil-mode and padding rules) and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "kernel_test_util.h"

using namespace fb;
using namespace fb::kernel_test;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;
using fb::kernels::Pool2dParams;

namespace {

Pool2dParams pool(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, bool ceil_mode = false,
                  bool count_include_pad = true) {
  Pool2dParams p;
  p.kernel_h = kh;
  p.kernel_w = kw;
  p.stride_h = sh;
  p.stride_w = sw;
  p.pad_h = ph;
  p.pad_w = pw;
  p.ceil_mode = ceil_mode;
  p.count_include_pad = count_include_pad;
  return p;
}

// One pooling op as forward(x) and backward(dy, x), run under a backend.
struct PoolOp {
  std::string name;
  std::function<Tensor(const Tensor&)> forward;
  std::function<Tensor(const Tensor&, const Tensor&)> backward;
};

std::vector<PoolOp> pool_ops(const Shape& xs) {
  std::vector<PoolOp> ops;
  auto add_max = [&](Pool2dParams p, const std::string& what) {
    ops.push_back({"max_pool2d " + what,
                   [p](const Tensor& x) { return std::get<0>(kernels::max_pool2d_forward(x, p)); },
                   [p](const Tensor& dy, const Tensor& x) {
                     auto idx = std::get<1>(kernels::max_pool2d_forward(x, p));
                     return kernels::max_pool2d_backward(dy, idx, x.shape());
                   }});
  };
  auto add_avg = [&](Pool2dParams p, const std::string& what) {
    ops.push_back({"avg_pool2d " + what, [p](const Tensor& x) { return kernels::avg_pool2d_forward(x, p); },
                   [p](const Tensor& dy, const Tensor& x) { return kernels::avg_pool2d_backward(dy, x.shape(), p); }});
  };
  add_max(pool(2, 2, 2, 2, 0, 0), "2x2/2");
  add_max(pool(3, 3, 2, 2, 1, 1), "3x3/2 pad 1");
  add_max(pool(3, 3, 2, 2, 1, 1, true), "3x3/2 pad 1 ceil");
  add_max(pool(3, 2, 3, 1, 1, 0, true), "3x2/3x1 pad 1x0 ceil");
  add_max(pool(1, 1, 2, 3, 0, 0), "1x1/2x3");
  add_avg(pool(2, 2, 2, 2, 0, 0), "2x2/2");
  add_avg(pool(3, 3, 2, 2, 1, 1), "3x3/2 pad 1 include pad");
  add_avg(pool(3, 3, 2, 2, 1, 1, false, false), "3x3/2 pad 1 exclude pad");
  add_avg(pool(3, 3, 2, 2, 1, 1, true, true), "3x3/2 pad 1 ceil include pad");
  add_avg(pool(4, 3, 3, 2, 2, 1, true, false), "4x3/3x2 pad 2x1 ceil exclude pad");
  for (auto [oh, ow] : {std::pair<int64_t, int64_t>{1, 1}, {3, 2}, {xs[1] + 2, xs[2] - 1 > 0 ? xs[2] - 1 : 1}})
    ops.push_back({"adaptive_avg_pool2d " + std::to_string(oh) + "x" + std::to_string(ow),
                   [oh = oh, ow = ow](const Tensor& x) { return kernels::adaptive_avg_pool2d_forward(x, oh, ow); },
                   [](const Tensor& dy, const Tensor& x) {
                     return kernels::adaptive_avg_pool2d_backward(dy, x.shape());
                   }});
  for (bool ac : {false, true})
    for (auto [oh, ow] : {std::pair<int64_t, int64_t>{2 * xs[1] + 1, 2 * xs[2]}, {xs[1] - 1 > 0 ? xs[1] - 1 : 1, 3},
                          {1, 1}})
      ops.push_back({"upsample_bilinear2d " + std::to_string(oh) + "x" + std::to_string(ow) +
                         (ac ? " align_corners" : ""),
                     [oh = oh, ow = ow, ac](const Tensor& x) {
                       return kernels::upsample_bilinear2d_forward(x, oh, ow, ac);
                     },
                     [ac](const Tensor& dy, const Tensor& x) {
                       return kernels::upsample_bilinear2d_backward(dy, x.shape(), ac);
                     }});
  return ops;
}

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

}  // namespace

TEST_CASE("pooling: cpu matches reference, f32 and f64") {
  const std::vector<Shape> shapes = {{2, 7, 9, 3}, {1, 13, 6, 17}, {3, 8, 8, 1}, {1, 5, 5, 33}, {2, 16, 11, 8}};
  uint64_t seed = 900;
  for (const Shape& xs : shapes)
    for (const PoolOp& op : pool_ops(xs))
      for (DType dt : {DType::f32, DType::f64}) {
        INFO(op.name, " x ", shape_str(xs), " ", dtype_name(dt));
        Generator gen(seed++);
        Tensor x = randn(xs, gen, dt);
        Tensor yr = with(CpuBackend::Reference, [&] { return op.forward(x); });
        Tensor yc = with(CpuBackend::Cpu, [&] { return op.forward(x); });
        const double tol = dt == DType::f32 ? 1e-5 : 1e-12;
        REQUIRE(yc.shape() == yr.shape());
        CHECK(ops::rel_error(yc, yr) <= tol);
        Tensor dy = randn(yr.shape(), gen, dt);
        Tensor dxr = with(CpuBackend::Reference, [&] { return op.backward(dy, x); });
        Tensor dxc = with(CpuBackend::Cpu, [&] { return op.backward(dy, x); });
        CHECK(ops::rel_error(dxc, dxr) <= tol);
      }
}

TEST_CASE("pooling: max pool indices agree between backends") {
  Generator gen(3);
  Tensor x = randn({2, 9, 7, 5}, gen, DType::f32);
  auto p = pool(3, 3, 2, 2, 1, 1, true);
  auto [yr, ir] = with(CpuBackend::Reference, [&] { return kernels::max_pool2d_forward(x, p); });
  auto [yc, ic] = with(CpuBackend::Cpu, [&] { return kernels::max_pool2d_forward(x, p); });
  CHECK(ir.to_vector<int64_t>() == ic.to_vector<int64_t>());
  CHECK(yr.to_vector<float>() == yc.to_vector<float>());
}

TEST_CASE("pooling: max pool ties and NaNs: the first maximum wins, the first NaN wins, on both backends") {
  // Values on a coarse grid give ties within windows; NaNs are scattered, some two to a window.
  Generator gen(17);
  Tensor x = randn({2, 9, 8, 19}, gen, DType::f32);
  std::vector<float> v = x.to_vector<float>();
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = std::round(v[i] * 2.0f) / 2.0f;
    if (i % 37 == 5 || i % 53 == 11) v[i] = std::numeric_limits<float>::quiet_NaN();
  }
  x = from_vector<float>(v, x.shape());
  auto p = pool(3, 3, 2, 2, 1, 1, true);
  auto [yr, ir] = with(CpuBackend::Reference, [&] { return kernels::max_pool2d_forward(x, p); });
  auto [yc, ic] = with(CpuBackend::Cpu, [&] { return kernels::max_pool2d_forward(x, p); });
  CHECK(ir.to_vector<int64_t>() == ic.to_vector<int64_t>());
  const std::vector<float> a = yr.to_vector<float>(), b = yc.to_vector<float>();
  REQUIRE(a.size() == b.size());
  int64_t nans = 0, mismatches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    nans += std::isnan(a[i]);
    mismatches += std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && a[i] != b[i]);
  }
  CHECK(nans > 0);
  CHECK(mismatches == 0);
}

TEST_CASE("pooling: backward kernels match finite differences (f64)") {
  const Shape xs{2, 5, 6, 3};
  uint64_t seed = 1300;
  for (const PoolOp& op : pool_ops(xs))
    for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
      INFO(op.name, " backend ", kernels::cpu_backend_name(be));
      CpuBackendGuard guard(be);
      Generator gen(seed++);
      Tensor x = randn(xs, gen, DType::f64);
      Tensor r = randn(op.forward(x).shape(), gen, DType::f64);
      Tensor analytic = op.backward(r, x);
      Tensor numeric = numeric_grad(x, [&] { return dot(op.forward(x), r); });
      CHECK(ops::rel_error(analytic, numeric) <= 1e-7);
    }
}

TEST_CASE("pooling: hand-worked values") {
  for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
    CpuBackendGuard guard(be);
    // 2x2 max pool over a 4x4 plane.
    Tensor x = from_vector<float>({1, 2, 5, 3, 4, 0, 1, 6, 7, 8, 2, 2, 0, 9, 3, 1}, {1, 4, 4, 1});
    auto [y, idx] = kernels::max_pool2d_forward(x, pool(2, 2, 2, 2, 0, 0));
    CHECK(values(y) == std::vector<float>{4, 6, 9, 3});
    CHECK(idx.to_vector<int64_t>() == std::vector<int64_t>{4, 7, 13, 14});
    Tensor dx = kernels::max_pool2d_backward(from_vector<float>({1, 2, 3, 4}, {1, 2, 2, 1}), idx, x.shape());
    CHECK(values(dx) == std::vector<float>{0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 4, 0});

    // 3x3 plane 1..9: avg pool 3x3 stride 1 pad 1; the corner sees 1,2,4,5.
    Tensor x9 = from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3, 1});
    Tensor inc = kernels::avg_pool2d_forward(x9, pool(3, 3, 1, 1, 1, 1, false, true));
    Tensor exc = kernels::avg_pool2d_forward(x9, pool(3, 3, 1, 1, 1, 1, false, false));
    CHECK(inc.to_vector<float>()[0] == doctest::Approx(12.0 / 9));
    CHECK(exc.to_vector<float>()[0] == doctest::Approx(3.0));
    CHECK(inc.to_vector<float>()[4] == doctest::Approx(5.0));
    // Ceil mode 2x2/2 on 3x3: the last window holds one element and divides by 1.
    Tensor c = kernels::avg_pool2d_forward(x9, pool(2, 2, 2, 2, 0, 0, true));
    CHECK(c.shape() == Shape{1, 2, 2, 1});
    CHECK(values(c) == std::vector<float>{3, 4.5f, 7.5f, 9});
    auto [cm, cmi] = kernels::max_pool2d_forward(x9, pool(2, 2, 2, 2, 0, 0, true));
    CHECK(values(cm) == std::vector<float>{5, 6, 8, 9});
    CHECK(cmi.to_vector<int64_t>() == std::vector<int64_t>{4, 5, 7, 8});
    // Max pool padding is -inf: an all-negative plane never yields 0.
    Tensor neg = from_vector<float>({-5, -4, -3, -2}, {1, 2, 2, 1});
    auto [pm, pmi] = kernels::max_pool2d_forward(neg, pool(2, 2, 1, 1, 1, 1));
    CHECK(values(pm) == std::vector<float>{-5, -4, -4, -3, -2, -2, -3, -2, -2});
    CHECK(pmi.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1, 2, 3, 3, 2, 3, 3});

    // Adaptive 5 -> 3: bins [0,2), [1,4), [3,5); backward spreads 2/2, 3/3, 4/2.
    Tensor row = from_vector<float>({1, 2, 3, 4, 5}, {1, 1, 5, 1});
    Tensor a = kernels::adaptive_avg_pool2d_forward(row, 1, 3);
    CHECK(values(a) == std::vector<float>{1.5f, 3, 4.5f});
    Tensor da = kernels::adaptive_avg_pool2d_backward(from_vector<float>({2, 3, 4}, {1, 1, 3, 1}), row.shape());
    CHECK(values(da) == std::vector<float>{1, 1 + 1, 1, 1 + 2, 2});

    // Bilinear 2 -> 4 along W.
    Tensor two = from_vector<float>({2, 6}, {1, 1, 2, 1});
    Tensor ua = kernels::upsample_bilinear2d_forward(two, 1, 4, true);
    auto uav = values(ua);
    CHECK(uav[0] == doctest::Approx(2));
    CHECK(uav[1] == doctest::Approx(10.0 / 3));
    CHECK(uav[2] == doctest::Approx(14.0 / 3));
    CHECK(uav[3] == doctest::Approx(6));
    Tensor un = kernels::upsample_bilinear2d_forward(two, 1, 4, false);
    CHECK(values(un) == std::vector<float>{2, 3, 5, 6});
  }
}

TEST_CASE("pooling: PyTorch's ceil-mode output sizes") {
  auto out = [](int64_t in, Pool2dParams p) { return kernels::pool_geometry({1, in, in, 1}, p, "max_pool2d").OH; };
  CHECK(out(5, pool(2, 2, 2, 2, 0, 0, false)) == 2);
  CHECK(out(5, pool(2, 2, 2, 2, 0, 0, true)) == 3);
  // The last window would start in the right padding: dropped.
  CHECK(out(5, pool(3, 3, 3, 3, 1, 1, true)) == 2);
  CHECK(out(4, pool(2, 2, 2, 2, 1, 1, true)) == 3);
  CHECK(out(112, pool(3, 3, 2, 2, 1, 1, false)) == 56);  // ResNet stem
}

TEST_CASE("pooling: argument errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_forward(zeros({8, 8, 3}), pool(2, 2, 2, 2, 0, 0)),
                       "max_pool2d: input must be 4-D NHWC, got [8, 8, 3]", Error);
  CHECK_THROWS_WITH_AS(kernels::avg_pool2d_forward(zeros({1, 8, 8, 3}, DType::i64), pool(2, 2, 2, 2, 0, 0)),
                       doctest::Contains("avg_pool2d: unsupported dtype i64 for input [1, 8, 8, 3]"), Error);
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_forward(zeros({1, 8, 8, 3}), pool(2, 2, 2, 2, 2, 2)),
                       doctest::Contains("max_pool2d: padding 2x2 must be between 0 and half the kernel 2x2"), Error);
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_forward(zeros({1, 1, 1, 3}), pool(3, 3, 1, 1, 0, 0)),
                       doctest::Contains("max_pool2d: output would be"), Error);
  CHECK_THROWS_WITH_AS(
      kernels::avg_pool2d_backward(zeros({1, 3, 3, 2}), {1, 8, 8, 2}, pool(2, 2, 2, 2, 0, 0)),
      "avg_pool2d_backward: grad_output is [1, 3, 3, 2], expected [1, 4, 4, 2] for input [1, 8, 8, 2]", Error);
  CHECK_THROWS_WITH_AS(kernels::adaptive_avg_pool2d_backward(zeros({1, 2, 2, 5}), {1, 8, 8, 3}),
                       doctest::Contains("adaptive_avg_pool2d_backward: grad_output [1, 2, 2, 5] does not match input "
                                         "[1, 8, 8, 3]"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::upsample_bilinear2d_forward(zeros({1, 4, 4, 1}), 0, 3, false),
                       doctest::Contains("upsample_bilinear2d: output size must be positive, got 0x3"), Error);
  Tensor bad_idx = full({1, 1, 1, 1}, 99, DType::i64);
  CHECK_THROWS_WITH_AS(kernels::max_pool2d_backward(zeros({1, 1, 1, 1}), bad_idx, {1, 2, 2, 1}),
                       doctest::Contains("max_pool2d_backward: index 99 outside"), Error);
}
