// CUDA layer norm, bilinear resampling, point losses and dropout masks
// against the CPU on random odd shapes, forward and backward, in f32 and f64:
// values against the f64 reference within 1e-5 (f32) or 1e-10 (f64); the
// dropout mask bit for bit; reductions the same bits when run twice. Ends
// with the four through autograd on the GPU against the same graph on the CPU.
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "autograd/engine.h"
#include "cuda_test_util.h"
#include "kernels/kernel_test_util.h"  // error_of
#include "nn/functional.h"

using namespace fb;
using fb::kernel_test::error_of;
using fbtest::f64;
using fbtest::gpu;
using fbtest::reference;
using fbtest::rel;
using kernels::PointLoss;
using kernels::Reduction;

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64};

// Relative tolerance of a result against the f64 reference.
double tol_of(DType dt) { return dt == DType::f32 ? 1e-5 : 1e-10; }

Tensor random(const Shape& s, DType dt, Generator& gen, double lo = -1.0, double hi = 1.0) {
  return uniform(s, lo, hi, gen, dt);
}

// A CUDA result of the expected dtype, equal to `want` within tol (relative;
// absolute where `want` is all zeros).
void expect_close(const Tensor& got, const Tensor& want, DType dt, double tol) {
  REQUIRE(got.defined());
  CHECK(got.device().is_cuda());
  CHECK(got.dtype() == dt);
  REQUIRE(got.shape() == want.shape());
  const double e = rel(got, want);
  CAPTURE(e);
  CHECK(e <= tol);
}

// The same bits (device results compared on the host).
bool identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && ops::max_abs_diff(f64(a), f64(b)) == 0.0;
}

}  // namespace

// ---------------------------------------------------------------- layer norm

TEST_CASE("cuda more ops: layer norm forward and backward equal the reference (tails, many rows, no affine)") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(21);
  struct Case {
    Shape shape;
    double shift;  // added to x: a large mean must not cost precision
  };
  // Row lengths below, at and above a warp and the 256-thread block, with
  // tails; one row; more rows (70000) than blocks (65536); a 1-D x.
  const std::vector<Case> cases = {{{7, 13}, 0},    {{3, 5, 33}, 0}, {{2, 1000}, 0}, {{1, 4097}, 0},
                                   {{300, 64}, 0},  {{70000, 3}, 0}, {{5}, 0},       {{6, 1000}, 100},
                                   {{4, 2, 257}, -30}};
  for (DType dt : kFloat)
    for (const Case& c : cases)
      for (bool affine : {true, false}) {
        CAPTURE(dtype_name(dt));
        CAPTURE(shape_str(c.shape));
        CAPTURE(affine);
        const int64_t D = c.shape.back();
        const Tensor x = ops::add_scalar(random(c.shape, dt, gen, -2, 3), c.shift);
        const Tensor g = affine ? random({D}, dt, gen, 0.5, 1.5) : Tensor();
        const Tensor b = affine ? random({D}, dt, gen) : Tensor();
        const Tensor dy = random(c.shape, dt, gen);
        auto on_gpu = [](const Tensor& t) { return t.defined() ? gpu(t) : Tensor(); };
        auto on_f64 = [](const Tensor& t) { return t.defined() ? f64(t) : Tensor(); };
        auto [y, mean, rstd] = kernels::layer_norm_forward(gpu(x), on_gpu(g), on_gpu(b), 1e-5);
        // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
        const auto r_fwd = reference([&] { return kernels::layer_norm_forward(f64(x), on_f64(g), on_f64(b), 1e-5); });
        expect_close(y, std::get<0>(r_fwd), dt, tol_of(dt));
        expect_close(mean, std::get<1>(r_fwd), dt, tol_of(dt));
        expect_close(rstd, std::get<2>(r_fwd), dt, tol_of(dt));
        // The backward from the GPU's own statistics, on both sides: this
        // compares the backward kernel alone.
        const Tensor m64 = f64(mean), r64 = f64(rstd);
        auto [dx, dg, db] = kernels::layer_norm_backward(gpu(dy), gpu(x), on_gpu(g), mean, rstd);
        const auto r_bwd =
            reference([&] { return kernels::layer_norm_backward(f64(dy), f64(x), on_f64(g), m64, r64); });
        expect_close(dx, std::get<0>(r_bwd), dt, tol_of(dt));
        expect_close(dg, std::get<1>(r_bwd), dt, tol_of(dt));
        expect_close(db, std::get<2>(r_bwd), dt, tol_of(dt));
        // The parameter gradients are sums over rows in a fixed order.
        auto [dx2, dg2, db2] = kernels::layer_norm_backward(gpu(dy), gpu(x), on_gpu(g), mean, rstd);
        CHECK(identical(dg2, dg));
        CHECK(identical(db2, db));
        CHECK(identical(dx2, dx));
      }
}

TEST_CASE("cuda more ops: layer norm of no rows, and operands on the wrong device") {
  FB_SKIP_WITHOUT_CUDA();
  for (DType dt : kFloat) {
    const Tensor x = zeros({0, 7}, dt, Device::cuda()), g = ones({7}, dt, Device::cuda());
    auto [y, mean, rstd] = kernels::layer_norm_forward(x, g, g, 1e-5);
    CHECK(y.shape() == Shape{0, 7});
    CHECK(mean.shape() == Shape{0});
    CHECK(rstd.shape() == Shape{0});
    auto [dx, dg, db] = kernels::layer_norm_backward(x, x, g, mean, rstd);
    CHECK(dx.shape() == Shape{0, 7});
    // No rows: the parameter gradients are zeros, as on the CPU.
    const auto cpu = kernels::layer_norm_backward(zeros({0, 7}, dt), zeros({0, 7}, dt), ones({7}, dt),
                                                  zeros({0}, dt), zeros({0}, dt));
    CHECK(identical(dg, std::get<1>(cpu)));
    CHECK(identical(db, std::get<2>(cpu)));
  }
  const Tensor x = ones({3, 4}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH_AS(kernels::layer_norm_forward(x, ones({4}), Tensor(), 1e-5), doctest::Contains("gamma is on cpu"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::layer_norm_forward(x, ones({5}, DType::f32, Device::cuda()), Tensor(), 1e-5),
                       doctest::Contains("x has 4 features but gamma has 5"), Error);
  CHECK_THROWS_WITH_AS(kernels::layer_norm_forward(ones({3, 4}, DType::i64, Device::cuda()), Tensor(), Tensor(), 1e-5),
                       doctest::Contains("only f32 and f64"), Error);
}

// ---------------------------------------------------------------- bilinear resampling

TEST_CASE("cuda more ops: bilinear upsampling forward and backward equal the reference (align_corners both ways)") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(22);
  struct Case {
    Shape x;
    int64_t oh, ow;
  };
  // Up, down, identity, mixed, to and from 1x1, channel tails, 2x (the
  // usual), a large downsampling, and both gather orders of the backward
  // (height first when H * OW <= OH * W).
  const std::vector<Case> cases = {{{2, 5, 7, 3}, 11, 13}, {{2, 5, 7, 3}, 3, 4},  {{2, 5, 7, 3}, 5, 7},
                                   {{2, 5, 7, 3}, 13, 2},  {{2, 5, 7, 3}, 1, 1},  {{1, 1, 1, 4}, 3, 5},
                                   {{3, 16, 9, 37}, 32, 18}, {{1, 40, 30, 2}, 7, 5}, {{2, 3, 17, 5}, 29, 4},
                                   {{1, 2, 2, 1}, 64, 1}};
  for (DType dt : kFloat)
    for (const Case& c : cases)
      for (bool ac : {false, true}) {
        CAPTURE(dtype_name(dt));
        CAPTURE(shape_str(c.x));
        CAPTURE(c.oh);
        CAPTURE(c.ow);
        CAPTURE(ac);
        const Tensor x = random(c.x, dt, gen);
        const int64_t oh = c.oh, ow = c.ow;  // capturable
        Tensor y = kernels::upsample_bilinear2d_forward(gpu(x), oh, ow, ac);
        expect_close(y, reference([&] { return kernels::upsample_bilinear2d_forward(f64(x), oh, ow, ac); }), dt,
                     tol_of(dt));
        const Tensor dy = random(y.shape(), dt, gen);
        Tensor dx = kernels::upsample_bilinear2d_backward(gpu(dy), x.shape(), ac);
        expect_close(dx, reference([&] { return kernels::upsample_bilinear2d_backward(f64(dy), x.shape(), ac); }),
                     dt, tol_of(dt));
        // A gather: no atomics, so a second run gives the same bits.
        CHECK(identical(kernels::upsample_bilinear2d_backward(gpu(dy), x.shape(), ac), dx));
      }
}

TEST_CASE("cuda more ops: bilinear backward sums each gradient once (adjoint identity) and checks its shapes") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(23);
  // <up(x), dy> = <x, up^T(dy)>: a tap counted twice or missed breaks it.
  for (bool ac : {false, true}) {
    const Tensor x = random({2, 6, 5, 3}, DType::f64, gen), dy = random({2, 17, 9, 3}, DType::f64, gen);
    const Tensor y = kernels::upsample_bilinear2d_forward(gpu(x), 17, 9, ac);
    const Tensor dx = kernels::upsample_bilinear2d_backward(gpu(dy), x.shape(), ac);
    const double lhs = kernel_test::dot(y.to(Device::cpu()), dy), rhs = kernel_test::dot(x, dx.to(Device::cpu()));
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-12));
  }
  const Tensor dy = ones({2, 4, 4, 3}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH_AS(kernels::upsample_bilinear2d_backward(dy, {2, 2, 2, 5}, false),
                       doctest::Contains("in batch or channels"), Error);
  CHECK_THROWS_WITH_AS(kernels::upsample_bilinear2d_forward(dy, 0, 3, false),
                       doctest::Contains("output size must be positive"), Error);
}

// ---------------------------------------------------------------- point losses

TEST_CASE("cuda more ops: MSE, L1 and smooth L1 forward and backward, every reduction, equal the reference") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(24);
  const std::vector<Shape> shapes = {Shape{}, Shape{1}, Shape{7, 13}, Shape{3, 5, 1001}, Shape{300001}};
  struct Kind {
    PointLoss kind;
    double beta;
  };
  const std::vector<Kind> kinds = {{PointLoss::Mse, 0.0},      {PointLoss::L1, 0.0},      {PointLoss::SmoothL1, 1.0},
                                   {PointLoss::SmoothL1, 0.3}, {PointLoss::SmoothL1, 0.0}};
  for (DType dt : kFloat)
    for (const Shape& s : shapes) {
      // Every fifth element has pred == target: sign(0) = 0 in the L1 gradients.
      std::vector<double> p = random(s, DType::f64, gen, -2, 2).to_vector<double>();
      std::vector<double> t = random(s, DType::f64, gen, -2, 2).to_vector<double>();
      for (size_t i = 0; i < p.size(); i += 5) t[i] = p[i];
      const Tensor pred = from_vector(p, s).to(dt), target = from_vector(t, s).to(dt);
      for (const Kind& k : kinds)
        for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
          CAPTURE(dtype_name(dt));
          CAPTURE(shape_str(s));
          CAPTURE(static_cast<int>(k.kind));
          CAPTURE(k.beta);
          CAPTURE(static_cast<int>(r));
          const PointLoss kind = k.kind;
          const double beta = k.beta;
          Tensor loss = kernels::point_loss_forward(kind, gpu(pred), gpu(target), beta, r);
          expect_close(loss,
                       reference([&] { return kernels::point_loss_forward(kind, f64(pred), f64(target), beta, r); }),
                       dt, tol_of(dt));
          if (r != Reduction::None)  // partial sums in a fixed order
            CHECK(identical(kernels::point_loss_forward(kind, gpu(pred), gpu(target), beta, r), loss));
          const Tensor dloss = r == Reduction::None ? random(s, dt, gen) : full({}, 0.7, dt);
          Tensor d = kernels::point_loss_backward(kind, gpu(dloss), gpu(pred), gpu(target), beta, r);
          expect_close(d,
                       reference([&] {
                         return kernels::point_loss_backward(kind, f64(dloss), f64(pred), f64(target), beta, r);
                       }),
                       dt, tol_of(dt));
        }
    }
}

TEST_CASE("cuda more ops: point losses of empty tensors and mismatched operands say what the CPU says") {
  FB_SKIP_WITHOUT_CUDA();
  for (DType dt : kFloat) {
    const Tensor e = zeros({0, 5}, dt);
    for (PointLoss k : {PointLoss::Mse, PointLoss::L1, PointLoss::SmoothL1}) {
      CAPTURE(static_cast<int>(k));
      const Tensor none = kernels::point_loss_forward(k, gpu(e), gpu(e), 1.0, Reduction::None);
      CHECK(none.shape() == Shape{0, 5});
      CHECK(kernels::point_loss_forward(k, gpu(e), gpu(e), 1.0, Reduction::Sum).item() == 0.0);
      // 0 / 0: NaN, as on the CPU.
      CHECK(std::isnan(kernels::point_loss_forward(k, gpu(e), gpu(e), 1.0, Reduction::Mean).item()));
      CHECK(std::isnan(kernels::point_loss_forward(k, e, e, 1.0, Reduction::Mean).item()));
      CHECK(kernels::point_loss_backward(k, gpu(full({}, 1.0, dt)), gpu(e), gpu(e), 1.0, Reduction::Mean).shape() ==
            Shape{0, 5});
    }
  }
  const Tensor a = ones({3, 4}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH_AS(kernels::point_loss_forward(PointLoss::Mse, a, ones({4, 3}, DType::f32, Device::cuda()), 0.0,
                                                   Reduction::Mean),
                       doctest::Contains("differ in shape"), Error);
  CHECK_THROWS_WITH_AS(kernels::point_loss_forward(PointLoss::L1, a, ones({3, 4}), 0.0, Reduction::Mean),
                       doctest::Contains("target is on cpu"), Error);
  CHECK_THROWS_WITH_AS(kernels::point_loss_forward(PointLoss::SmoothL1, a, a, -1.0, Reduction::Mean),
                       doctest::Contains("beta must be non-negative"), Error);
  CHECK_THROWS_WITH_AS(kernels::point_loss_backward(PointLoss::Mse, a, a, a, 0.0, Reduction::Sum),
                       doctest::Contains("dloss must have one element"), Error);
}

// ---------------------------------------------------------------- dropout

TEST_CASE("cuda more ops: the dropout mask drawn on the GPU equals the CPU's bit for bit") {
  FB_SKIP_WITHOUT_CUDA();
  struct Draw {
    uint64_t seed, offset;
  };
  // Offsets whose counters cross 2^32 (the counter's high word) and seeds
  // with both key words set.
  const std::vector<Draw> draws = {{0, 0}, {42, 12345}, {0xDEADBEEFCAFEull, (1ull << 32) - 3},
                                   {0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFF00000007ull}};
  const std::vector<Shape> shapes = {Shape{0}, Shape{1}, Shape{3}, Shape{4}, Shape{5}, Shape{7, 13}, Shape{2, 3, 5, 7},
                                     Shape{1000003}};
  for (DType dt : kFloat)
    for (const Draw& d : draws)
      for (const Shape& s : shapes)
        for (double p : {0.0, 0.1, 0.5, 0.9}) {
          CAPTURE(dtype_name(dt));
          CAPTURE(d.seed);
          CAPTURE(d.offset);
          CAPTURE(shape_str(s));
          CAPTURE(p);
          const Tensor m = kernels::dropout_mask(s, p, d.seed, d.offset, dt, Device::cuda());
          CHECK(m.device().is_cuda());
          CHECK(m.dtype() == dt);
          REQUIRE(m.shape() == s);
          const Tensor want = kernels::dropout_mask(s, p, d.seed, d.offset, dt);
          CHECK(ops::max_abs_diff(m.to(Device::cpu()), want) == 0.0);
          const Tensor ref = reference([&] { return kernels::dropout_mask(s, p, d.seed, d.offset, dt); });
          CHECK(ops::max_abs_diff(m.to(Device::cpu()), ref) == 0.0);
        }
  CHECK(error_of([] { kernels::dropout_mask({4}, 1.0, 0, 0, DType::f32, Device::cuda()); }) ==
        error_of([] { kernels::dropout_mask({4}, 1.0, 0, 0, DType::f32); }));
  CHECK(error_of([] { kernels::dropout_mask({2, 3}, 0.5, 0, 0, DType::i64, Device::cuda()); }) ==
        error_of([] { kernels::dropout_mask({2, 3}, 0.5, 0, 0, DType::i64); }));
}

// ---------------------------------------------------------------- through autograd

TEST_CASE("cuda more ops: layer norm, upsampling, dropout and point losses through autograd equal the CPU graph") {
  FB_SKIP_WITHOUT_CUDA();
  for (DType dt : kFloat) {
    CAPTURE(dtype_name(dt));
    Generator gen(25);
    const Tensor x = random({2, 5, 6, 7}, dt, gen), gamma = random({7}, dt, gen, 0.5, 1.5),
                 beta = random({7}, dt, gen), target = random({2, 9, 11, 7}, dt, gen);
    struct Result {
      double loss;
      Tensor dx, dgamma, dbeta;
    };
    auto run = [&](Device dev) {
      // Fresh leaves on either device (to() may return the CPU tensor itself).
      Tensor xd = x.clone().to(dev), gd = gamma.clone().to(dev), bd = beta.clone().to(dev);
      xd.set_requires_grad(true);
      gd.set_requires_grad(true);
      bd.set_requires_grad(true);
      Generator drop(77);  // the same counters on both devices
      Tensor h = layer_norm(xd, gd, bd, 1e-5);
      h = upsample_bilinear2d(h, 9, 11, true);
      h = dropout(h, 0.3, true, drop);
      Tensor loss = add(smooth_l1_loss(h, target.to(dev), 0.5, Reduction::Mean),
                        add(mse_loss(h, target.to(dev), Reduction::Sum), l1_loss(h, target.to(dev))));
      CHECK(loss.device() == dev);
      autograd::backward(loss);
      return Result{loss.item(), xd.grad(), gd.grad(), bd.grad()};
    };
    const Result c = run(Device::cpu()), g = run(Device::cuda());
    const double tol = tol_of(dt);
    CHECK(std::fabs(g.loss - c.loss) <= tol * std::fabs(c.loss));
    for (const auto& [got, want] :
         {std::pair{g.dx, c.dx}, std::pair{g.dgamma, c.dgamma}, std::pair{g.dbeta, c.dbeta}}) {
      REQUIRE(got.defined());
      CHECK(got.device().is_cuda());
      CHECK(ops::rel_error(f64(got), f64(want)) <= tol);
    }
  }
}
