// Batch norm and layer norm: CPU kernel vs the reference on many shapes,
// backward vs central finite differences (f64, both backends), hand-worked
// values, thread-count independence and argument errors.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <string>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "kernel_test_util.h"

using namespace fb;
using namespace fb::kernel_test;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;

namespace {

const CpuBackend kBackends[] = {CpuBackend::Reference, CpuBackend::Cpu};

// randn * scale + shift: a non-zero mean exercises the centring.
Tensor rnd(const Shape& s, DType dt, Generator& gen, double scale = 1.0, double shift = 0.0) {
  return ops::add_scalar(ops::mul_scalar(randn(s, gen, DType::f64), scale), shift).to(dt);
}

double tol_for(DType dt) { return dt == DType::f32 ? 1e-5 : 1e-12; }

Shape channel_shape(const Shape& s) { return {s.back()}; }

}  // namespace

TEST_CASE("batch_norm: hand-worked [1, 2, 3, 4]") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor x = from_vector<double>({1, 2, 3, 4}, {4, 1});
    const double eps = 1e-5;
    auto [y, mean, invstd] = kernels::batch_norm_forward_train(x, Tensor(), Tensor(), eps);
    const double is = 1.0 / std::sqrt(1.25 + eps);  // biased variance of 1..4 is 1.25
    CHECK(mean.item() == doctest::Approx(2.5).epsilon(1e-15));
    CHECK(invstd.item() == doctest::Approx(is).epsilon(1e-14));
    std::vector<double> yv = y.to_vector<double>();
    for (int i = 0; i < 4; ++i) CHECK(yv[i] == doctest::Approx((i + 1 - 2.5) * is).epsilon(1e-14));
    // gamma = 2, beta = -1.
    Tensor g = from_vector<double>({2.0}, {1}), b = from_vector<double>({-1.0}, {1});
    auto [y2, m2, s2] = kernels::batch_norm_forward_train(x, g, b, eps);
    CHECK(y2.to_vector<double>()[3] == doctest::Approx(2 * 1.5 * is - 1).epsilon(1e-14));
    // Eval mode with running stats (mean 1, var 4): y = (x - 1) / 2 when eps = 0.
    Tensor ye = kernels::batch_norm_forward_eval(x, Tensor(), Tensor(), from_vector<double>({1.0}, {1}),
                                                 from_vector<double>({4.0}, {1}), 0.0);
    CHECK(ye.to_vector<double>() == std::vector<double>{0.0, 0.5, 1.0, 1.5});
  }
}

TEST_CASE("batch_norm: cpu matches reference (forward train/eval, backward)") {
  const Shape shapes[] = {{1, 1},   {2, 3},       {7, 13},      {1, 5},      {4, 1},    {8, 7, 7, 64},
                          {3, 5, 5, 3}, {1000, 7}, {13, 1000}, {2, 9, 11, 17}, {4097, 3}, {33, 129}};
  uint64_t seed = 10;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (bool affine : {true, false}) {
        Generator gen(seed++);
        INFO("x ", shape_str(s), " ", std::string(dtype_name(dt)), " affine=", affine);
        Tensor x = rnd(s, dt, gen, 2.0, 3.0);
        Tensor g = affine ? rnd(channel_shape(s), dt, gen, 0.5, 1.0) : Tensor();
        Tensor b = affine ? rnd(channel_shape(s), dt, gen) : Tensor();
        Tensor dy = rnd(s, dt, gen);
        Tensor rm = rnd(channel_shape(s), dt, gen), rv = ops::add_scalar(rand(channel_shape(s), gen, dt), 0.5);
        const double eps = 1e-5, tol = tol_for(dt);

        auto run = [&](CpuBackend be) {
          CpuBackendGuard guard(be);
          auto [y, mean, invstd] = kernels::batch_norm_forward_train(x, g, b, eps);
          Tensor ye = kernels::batch_norm_forward_eval(x, g, b, rm, rv, eps);
          auto [dx, dg, db] = kernels::batch_norm_backward(dy, x, g, mean, invstd);
          return std::vector<Tensor>{y, mean, invstd, ye, dx, dg, db};
        };
        std::vector<Tensor> ref = run(CpuBackend::Reference), cpu = run(CpuBackend::Cpu);
        const char* names[] = {"y", "mean", "invstd", "y_eval", "dx", "dgamma", "dbeta"};
        for (size_t k = 0; k < ref.size(); ++k) {
          INFO(std::string(names[k]));
          CHECK(cpu[k].shape() == ref[k].shape());
          CHECK(near_enough(cpu[k], ref[k], tol));
        }
      }
}

TEST_CASE("batch_norm_relu: the fused CPU pass equals batch norm, add and ReLU composed") {
  const Shape shapes[] = {{1, 1}, {7, 13}, {8, 7, 7, 64}, {2, 9, 11, 17}, {4097, 3}, {33, 129}};
  uint64_t seed = 300;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (bool with_residual : {false, true}) {
        Generator gen(seed++);
        INFO("x ", shape_str(s), " ", std::string(dtype_name(dt)), " residual=", with_residual);
        // Centred near 0 so that the ReLU closes for about half the values.
        Tensor x = rnd(s, dt, gen, 2.0, 0.5), g = rnd(channel_shape(s), dt, gen, 0.5, 1.0);
        Tensor b = rnd(channel_shape(s), dt, gen), dy = rnd(s, dt, gen);
        Tensor res = with_residual ? rnd(s, dt, gen) : Tensor();
        auto run = [&](CpuBackend be) {  // the reference backend composes the separate kernels
          CpuBackendGuard guard(be);
          auto [y, mean, invstd] = kernels::batch_norm_relu_forward_train(x, g, b, 1e-5, res);
          auto [dx, dg, db, dz] = kernels::batch_norm_relu_backward(dy, y, x, g, mean, invstd, with_residual);
          std::vector<Tensor> out{y, mean, invstd, dx, dg, db};
          if (with_residual) out.push_back(dz);
          return out;
        };
        const std::vector<Tensor> ref = run(CpuBackend::Reference), cpu = run(CpuBackend::Cpu);
        REQUIRE(ref.size() == cpu.size());
        for (size_t k = 0; k < ref.size(); ++k) {
          INFO("output ", k);
          CHECK(cpu[k].shape() == ref[k].shape());
          CHECK(near_enough(cpu[k], ref[k], tol_for(dt)));
        }
        // On more than a handful of values the ReLU really closes somewhere.
        if (x.numel() >= 64) {
          const Tensor closed = ops::eq(cpu[0], zeros(s, dt));
          CHECK(ops::sum(closed.to(DType::f64)).item() > 0);
        }
      }
}

TEST_CASE("batch_norm_relu_forward_eval: the fused CPU pass equals batch norm, add and ReLU composed") {
  const Shape shapes[] = {{1, 1}, {7, 13}, {8, 7, 7, 64}, {2, 9, 11, 17}, {4097, 3}, {33, 129}};
  uint64_t seed = 400;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (bool with_residual : {false, true}) {
        Generator gen(seed++);
        INFO("x ", shape_str(s), " ", std::string(dtype_name(dt)), " residual=", with_residual);
        Tensor x = rnd(s, dt, gen, 2.0, 0.5), g = rnd(channel_shape(s), dt, gen, 0.5, 1.0);
        Tensor b = rnd(channel_shape(s), dt, gen), rm = rnd(channel_shape(s), dt, gen, 1.0, 0.5);
        Tensor rv = rnd(channel_shape(s), dt, gen, 0.2, 1.0);  // variances near 1, positive
        Tensor res = with_residual ? rnd(s, dt, gen) : Tensor();
        auto run = [&](CpuBackend be) {  // the reference backend composes the separate kernels
          CpuBackendGuard guard(be);
          return kernels::batch_norm_relu_forward_eval(x, g, b, rm, rv, 1e-5, res);
        };
        const Tensor ref = run(CpuBackend::Reference), cpu = run(CpuBackend::Cpu);
        CHECK(cpu.shape() == ref.shape());
        CHECK(near_enough(cpu, ref, tol_for(dt)));
        if (x.numel() >= 64) {  // the ReLU closes somewhere, and not everywhere
          const double closed = ops::sum(ops::eq(cpu, zeros(s, dt)).to(DType::f64)).item();
          CHECK(closed > 0);
          CHECK(closed < double(x.numel()));
        }
      }
  Generator gen(9);
  Tensor x = rnd({4, 8}, DType::f32, gen), c = rnd({8}, DType::f32, gen);
  CHECK_THROWS_WITH_AS(kernels::batch_norm_relu_forward_eval(x, c, c, c, c, 1e-5, rnd({4, 7}, DType::f32, gen)),
                       doctest::Contains("residual"), Error);
}

TEST_CASE("batch_norm: non-contiguous input is handled") {
  Generator gen(3);
  Tensor base = rnd({6, 5, 4}, DType::f64, gen);
  Tensor x = base.transpose(0, 1);  // [5, 6, 4], strided
  REQUIRE(!x.is_contiguous());
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    auto [y1, m1, s1] = kernels::batch_norm_forward_train(x, Tensor(), Tensor(), 1e-5);
    auto [y2, m2, s2] = kernels::batch_norm_forward_train(x.contiguous(), Tensor(), Tensor(), 1e-5);
    CHECK(ops::max_abs_diff(y1, y2) == 0.0);
  }
}

TEST_CASE("batch_norm: backward matches finite differences (f64)") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    for (const Shape& s : {Shape{5, 3}, Shape{2, 3, 2, 4}, Shape{1, 2}}) {
      INFO(std::string(kernels::cpu_backend_name(be)), " x ", shape_str(s));
      Generator gen(42);
      Tensor x = rnd(s, DType::f64, gen, 1.5, 0.7), g = rnd(channel_shape(s), DType::f64, gen, 0.5, 1.0),
             b = rnd(channel_shape(s), DType::f64, gen), r = rnd(s, DType::f64, gen);
      const double eps = 1e-3;
      auto L = [&] { return dot(std::get<0>(kernels::batch_norm_forward_train(x, g, b, eps)), r); };
      auto [y, mean, invstd] = kernels::batch_norm_forward_train(x, g, b, eps);
      auto [dx, dg, db] = kernels::batch_norm_backward(r, x, g, mean, invstd);
      if (s[0] * (s.size() == 4 ? s[1] * s[2] : 1) > 1)
        CHECK(ops::rel_error(dx, numeric_grad(x, L)) <= 1e-6);
      else
        CHECK(ops::max_abs_diff(dx, numeric_grad(x, L)) <= 1e-7);  // one row: dx is zero
      CHECK(ops::rel_error(dg, numeric_grad(g, L)) <= 1e-6);
      CHECK(ops::rel_error(db, numeric_grad(b, L)) <= 1e-6);
    }
  }
}

TEST_CASE("batch_norm: cpu result does not depend on the thread count") {
  Generator gen(5);
  Tensor x = rnd({4099, 37}, DType::f32, gen, 3.0, -2.0), dy = rnd({4099, 37}, DType::f32, gen);
  CpuBackendGuard guard(CpuBackend::Cpu);
  const int saved = omp_get_max_threads();
  std::vector<std::vector<float>> results;
  for (int nt : {1, 2, 3}) {
    omp_set_num_threads(nt);
    auto [y, mean, invstd] = kernels::batch_norm_forward_train(x, Tensor(), Tensor(), 1e-5);
    auto [dx, dg, db] = kernels::batch_norm_backward(dy, x, Tensor(), mean, invstd);
    std::vector<float> all = y.to_vector<float>();
    for (const Tensor& t : {mean, invstd, dx, dg, db}) {
      std::vector<float> v = t.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    results.push_back(all);
  }
  omp_set_num_threads(saved);
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST_CASE("layer_norm: hand-worked row and cpu vs reference") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor x = from_vector<double>({1, 2, 3, 4, 10, 10, 10, 10}, {2, 4});
    auto [y, mean, rstd] = kernels::layer_norm_forward(x, Tensor(), Tensor(), 0.0);
    CHECK(mean.shape() == Shape{2});
    CHECK(mean.to_vector<double>() == std::vector<double>{2.5, 10.0});
    const double is = 1.0 / std::sqrt(1.25);
    std::vector<double> yv = y.to_vector<double>();
    for (int i = 0; i < 4; ++i) CHECK(yv[i] == doctest::Approx((i + 1 - 2.5) * is).epsilon(1e-14));
  }
  const Shape shapes[] = {{1, 1}, {3, 7}, {13, 1}, {2, 5, 13}, {1000, 3}, {5, 1000}, {2, 3, 4, 64}, {257, 33}};
  uint64_t seed = 100;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (bool affine : {true, false}) {
        Generator gen(seed++);
        INFO("x ", shape_str(s), " ", std::string(dtype_name(dt)), " affine=", affine);
        Tensor x = rnd(s, dt, gen, 2.0, -1.0), dy = rnd(s, dt, gen);
        Tensor g = affine ? rnd(channel_shape(s), dt, gen, 0.5, 1.0) : Tensor();
        Tensor b = affine ? rnd(channel_shape(s), dt, gen) : Tensor();
        auto run = [&](CpuBackend be) {
          CpuBackendGuard guard(be);
          auto [y, mean, rstd] = kernels::layer_norm_forward(x, g, b, 1e-5);
          auto [dx, dg, db] = kernels::layer_norm_backward(dy, x, g, mean, rstd);
          return std::vector<Tensor>{y, mean, rstd, dx, dg, db};
        };
        std::vector<Tensor> ref = run(CpuBackend::Reference), cpu = run(CpuBackend::Cpu);
        const char* names[] = {"y", "mean", "rstd", "dx", "dgamma", "dbeta"};
        for (size_t k = 0; k < ref.size(); ++k) {
          INFO(std::string(names[k]));
          CHECK(cpu[k].shape() == ref[k].shape());
          CHECK(near_enough(cpu[k], ref[k], tol_for(dt)));
        }
      }
}

TEST_CASE("layer_norm: backward matches finite differences (f64)") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    for (const Shape& s : {Shape{4, 5}, Shape{2, 3, 6}, Shape{1, 2}}) {
      INFO(std::string(kernels::cpu_backend_name(be)), " x ", shape_str(s));
      Generator gen(7);
      Tensor x = rnd(s, DType::f64, gen, 1.5, 0.3), g = rnd(channel_shape(s), DType::f64, gen, 0.5, 1.0),
             b = rnd(channel_shape(s), DType::f64, gen), r = rnd(s, DType::f64, gen);
      const double eps = 1e-3;
      auto L = [&] { return dot(std::get<0>(kernels::layer_norm_forward(x, g, b, eps)), r); };
      auto [y, mean, rstd] = kernels::layer_norm_forward(x, g, b, eps);
      auto [dx, dg, db] = kernels::layer_norm_backward(r, x, g, mean, rstd);
      CHECK(ops::rel_error(dx, numeric_grad(x, L)) <= 1e-6);
      CHECK(ops::rel_error(dg, numeric_grad(g, L)) <= 1e-6);
      CHECK(ops::rel_error(db, numeric_grad(b, L)) <= 1e-6);
    }
  }
}

TEST_CASE("norm: errors name the op and the shapes") {
  Generator gen(1);
  Tensor x = rnd({8, 7, 7, 64}, DType::f32, gen);
  Tensor g32 = rnd({32}, DType::f32, gen), g64 = rnd({64}, DType::f32, gen);
  CHECK(error_of([&] { kernels::batch_norm_forward_train(x, g32, Tensor(), 1e-5); }) ==
        "batch_norm: x has 64 channels but gamma has 32 (x [8, 7, 7, 64], gamma [32])");
  CHECK(error_of([&] { kernels::batch_norm_forward_eval(x, g64, g64, g64, g32, 1e-5); }) ==
        "batch_norm: x has 64 channels but running_var has 32 (x [8, 7, 7, 64], running_var [32])");
  std::string e = error_of([&] { kernels::batch_norm_forward_train(x, g64.to(DType::f64), Tensor(), 1e-5); });
  CHECK(e.find("batch_norm: gamma has dtype f64 but x has f32") == 0);
  e = error_of([&] { kernels::batch_norm_forward_train(zeros({4, 3}, DType::i64), Tensor(), Tensor(), 1e-5); });
  CHECK(e.find("batch_norm: x has dtype i64") == 0);
  e = error_of([&] { kernels::batch_norm_forward_train(rnd({5}, DType::f32, gen), Tensor(), Tensor(), 1e-5); });
  CHECK(e.find("batch_norm: x must have at least 2 dims") == 0);
  e = error_of([&] { kernels::batch_norm_forward_train(zeros({0, 3}), Tensor(), Tensor(), 1e-5); });
  CHECK(e.find("[0, 3]") != std::string::npos);
  // A tuple, not a structured binding: clang's C++17 lambdas cannot capture bindings.
  const auto stats = kernels::batch_norm_forward_train(x, g64, Tensor(), 1e-5);
  e = error_of([&] {
    kernels::batch_norm_backward(rnd({8, 7, 7, 32}, DType::f32, gen), x, g64, std::get<1>(stats), std::get<2>(stats));
  });
  CHECK(e == "batch_norm_backward: dy [8, 7, 7, 32] and x [8, 7, 7, 64] differ in shape");
  e = error_of([&] { kernels::layer_norm_forward(rnd({3, 10}, DType::f32, gen), g32, Tensor(), 1e-5); });
  CHECK(e == "layer_norm: x has 10 features but gamma has 32 (x [3, 10], gamma [32])");
  e = error_of([&] {
    Tensor xl = rnd({3, 10}, DType::f32, gen);
    kernels::layer_norm_backward(xl, xl, Tensor(), rnd({2}, DType::f32, gen), rnd({3}, DType::f32, gen));
  });
  CHECK(e.find("layer_norm_backward: x has 3 rows but mean has 2") == 0);
}
