// Softmax, log-softmax, cross-entropy and pointwise losses: CPU kernel vs the
// reference on many shapes (large logits included), backward vs central
// finite differences (f64, both backends), hand-worked values, errors.
#include <doctest/doctest.h>

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
using fb::kernels::PointLoss;
using fb::kernels::Reduction;

namespace {

const CpuBackend kBackends[] = {CpuBackend::Reference, CpuBackend::Cpu};
const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};
const PointLoss kPointLosses[] = {PointLoss::Mse, PointLoss::L1, PointLoss::SmoothL1};
constexpr int64_t kIgnore = -100;

std::string red_name(Reduction r) { return r == Reduction::None ? "none" : r == Reduction::Mean ? "mean" : "sum"; }
std::string loss_name(PointLoss k) { return k == PointLoss::Mse ? "mse" : k == PointLoss::L1 ? "l1" : "smooth_l1"; }

Tensor rnd(const Shape& s, DType dt, Generator& gen, double scale = 1.0) {
  return ops::mul_scalar(randn(s, gen, DType::f64), scale).to(dt);
}

// Labels in [0, C), every `ignore_every`-th one (if > 0) set to kIgnore.
Tensor random_labels(int64_t N, int64_t C, Generator& gen, int64_t ignore_every = 0) {
  Tensor l = Tensor::empty({N}, DType::i64);
  int64_t* p = l.data<int64_t>();
  for (int64_t i = 0; i < N; ++i) p[i] = (ignore_every > 0 && i % ignore_every == 1) ? kIgnore : gen.randint(C);
  return l;
}

double tol_for(DType dt) { return dt == DType::f32 ? 1e-5 : 1e-12; }

}  // namespace

TEST_CASE("softmax: hand-worked [0, ln 2, ln 3] and large logits") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor x = from_vector<double>({0.0, std::log(2.0), std::log(3.0)}, {1, 3});
    std::vector<double> y = kernels::softmax_forward(x).to_vector<double>();
    std::vector<double> ly = kernels::log_softmax_forward(x).to_vector<double>();
    for (int j = 0; j < 3; ++j) {
      CHECK(y[j] == doctest::Approx((j + 1) / 6.0).epsilon(1e-15));
      CHECK(ly[j] == doctest::Approx(std::log((j + 1) / 6.0)).epsilon(1e-15));
    }
    // Without the max subtraction exp(1000) would overflow.
    for (DType dt : {DType::f32, DType::f64}) {
      Tensor big = from_vector<double>({1000.0, 1000.0, 0.0, -1000.0, 1e4, -1e4}, {2, 3}).to(dt);
      std::vector<double> s = kernels::softmax_forward(big).to_vector<double>();
      std::vector<double> expect = {0.5, 0.5, 0.0, 0.0, 1.0, 0.0};
      for (int j = 0; j < 6; ++j) CHECK(s[j] == doctest::Approx(expect[j]).epsilon(1e-7));
      std::vector<double> ls = kernels::log_softmax_forward(big).to_vector<double>();
      CHECK(ls[0] == doctest::Approx(-std::log(2.0)).epsilon(1e-7));
      CHECK(ls[2] == doctest::Approx(-1000.0 - std::log(2.0)).epsilon(1e-7));
      CHECK(ls[3] == doctest::Approx(-11000.0).epsilon(1e-7));
      CHECK(ls[5] == doctest::Approx(-2e4).epsilon(1e-7));
    }
  }
}

TEST_CASE("softmax: cpu matches reference") {
  const Shape shapes[] = {{1, 1}, {7}, {3, 7}, {13, 1000}, {1000, 13}, {2, 3, 4, 5}, {64, 257}, {5, 40000}};
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (double scale : {1.0, 30.0, 1000.0}) {
        Generator gen(seed++);
        INFO("x ", shape_str(s), " ", std::string(dtype_name(dt)), " scale ", scale);
        Tensor x = rnd(s, dt, gen, scale), dy = rnd(s, dt, gen);
        const double tol = tol_for(dt);
        Tensor y = with(CpuBackend::Reference, [&] { return kernels::softmax_forward(x); });
        Tensor ly = with(CpuBackend::Reference, [&] { return kernels::log_softmax_forward(x); });
        CHECK(ops::all_finite(ly));
        CHECK(near_enough(with(CpuBackend::Cpu, [&] { return kernels::softmax_forward(x); }), y, tol));
        CHECK(near_enough(with(CpuBackend::Cpu, [&] { return kernels::log_softmax_forward(x); }), ly, tol));
        for (auto be : kBackends) CHECK(ops::all_finite(with(be, [&] { return kernels::softmax_forward(x); })));
        CHECK(near_enough(with(CpuBackend::Cpu, [&] { return kernels::softmax_backward(dy, y); }),
                          with(CpuBackend::Reference, [&] { return kernels::softmax_backward(dy, y); }), tol));
        CHECK(near_enough(with(CpuBackend::Cpu, [&] { return kernels::log_softmax_backward(dy, ly); }),
                          with(CpuBackend::Reference, [&] { return kernels::log_softmax_backward(dy, ly); }), tol));
      }
}

TEST_CASE("softmax: backward matches finite differences (f64)") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    INFO(std::string(kernels::cpu_backend_name(be)));
    Generator gen(3);
    Tensor x = rnd({4, 6}, DType::f64, gen, 2.0), r = rnd({4, 6}, DType::f64, gen);
    auto Ls = [&] { return dot(kernels::softmax_forward(x), r); };
    auto Ll = [&] { return dot(kernels::log_softmax_forward(x), r); };
    CHECK(ops::rel_error(kernels::softmax_backward(r, kernels::softmax_forward(x)), numeric_grad(x, Ls)) <= 1e-6);
    CHECK(ops::rel_error(kernels::log_softmax_backward(r, kernels::log_softmax_forward(x)), numeric_grad(x, Ll)) <=
          1e-6);
  }
}

TEST_CASE("cross_entropy: hand-worked smoothing on 2 classes, ignore_index") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    // p = [1/4, 3/4], label 1, eps = 0.2:
    //   loss = 0.8 * ln(4/3) + 0.2 * (ln 4 + ln(4/3)) / 2 = 0.9 ln(4/3) + 0.1 ln 4
    //   dlogits = p - 0.8 * onehot - 0.2 / 2 = [0.15, -0.15]
    Tensor logits = from_vector<double>({0.0, std::log(3.0)}, {1, 2});
    Tensor labels = from_vector<int64_t>({1}, {1});
    const double expect = 0.9 * std::log(4.0 / 3.0) + 0.1 * std::log(4.0);
    Tensor loss = kernels::cross_entropy_forward(logits, labels, 0.2, kIgnore, Reduction::Mean);
    CHECK(loss.shape() == Shape{});
    CHECK(loss.item() == doctest::Approx(expect).epsilon(1e-15));
    Tensor d = kernels::cross_entropy_backward(scalar(1.0, DType::f64), logits, labels, 0.2, kIgnore,
                                               Reduction::Mean);
    std::vector<double> dv = d.to_vector<double>();
    CHECK(dv[0] == doctest::Approx(0.15).epsilon(1e-14));
    CHECK(dv[1] == doctest::Approx(-0.15).epsilon(1e-14));

    // Three samples, the middle one ignored: the mean is over the other two.
    Tensor l3 = from_vector<double>({0.0, std::log(3.0), 5.0, -5.0, 0.0, 0.0}, {3, 2});
    Tensor y3 = from_vector<int64_t>({1, kIgnore, 0}, {3});
    Tensor none = kernels::cross_entropy_forward(l3, y3, 0.0, kIgnore, Reduction::None);
    CHECK(none.shape() == Shape{3});
    std::vector<double> nv = none.to_vector<double>();
    CHECK(nv[0] == doctest::Approx(std::log(4.0 / 3.0)).epsilon(1e-15));
    CHECK(nv[1] == 0.0);
    CHECK(nv[2] == doctest::Approx(std::log(2.0)).epsilon(1e-15));
    CHECK(kernels::cross_entropy_forward(l3, y3, 0.0, kIgnore, Reduction::Mean).item() ==
          doctest::Approx((std::log(4.0 / 3.0) + std::log(2.0)) / 2).epsilon(1e-15));
    CHECK(kernels::cross_entropy_forward(l3, y3, 0.0, kIgnore, Reduction::Sum).item() ==
          doctest::Approx(std::log(4.0 / 3.0) + std::log(2.0)).epsilon(1e-15));
    Tensor d3 = kernels::cross_entropy_backward(scalar(1.0, DType::f64), l3, y3, 0.0, kIgnore, Reduction::Mean);
    std::vector<double> d3v = d3.to_vector<double>();
    CHECK(d3v[2] == 0.0);
    CHECK(d3v[3] == 0.0);
    CHECK(d3v[4] == doctest::Approx(-0.25).epsilon(1e-14));  // (0.5 - 1) / 2

    // Every sample ignored: the mean is 0/0 = NaN (as PyTorch), the sum 0.
    Tensor yall = from_vector<int64_t>({kIgnore, kIgnore, kIgnore}, {3});
    CHECK(std::isnan(kernels::cross_entropy_forward(l3, yall, 0.1, kIgnore, Reduction::Mean).item()));
    CHECK(kernels::cross_entropy_forward(l3, yall, 0.1, kIgnore, Reduction::Sum).item() == 0.0);
  }
}

TEST_CASE("cross_entropy: cpu matches reference") {
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (int64_t N : {1, 3, 17, 1000})
      for (int64_t C : {1, 2, 7, 13, 1000})
        for (double eps : {0.0, 0.1})
          for (Reduction r : kReductions) {
            if (N * C > 20000 && r != Reduction::Mean) continue;  // keep the big cases to one reduction
            Generator gen(seed++);
            INFO("N=", N, " C=", C, " eps=", eps, " ", red_name(r), " ", std::string(dtype_name(dt)));
            Tensor logits = rnd({N, C}, dt, gen, N == 17 ? 100.0 : 3.0);
            Tensor labels = random_labels(N, C, gen, N > 2 ? 3 : 0);
            Tensor dloss = r == Reduction::None ? rnd({N}, dt, gen) : rnd({}, dt, gen);
            const double tol = tol_for(dt);
            Tensor ref = with(CpuBackend::Reference,
                              [&] { return kernels::cross_entropy_forward(logits, labels, eps, kIgnore, r); });
            Tensor cpu =
                with(CpuBackend::Cpu, [&] { return kernels::cross_entropy_forward(logits, labels, eps, kIgnore, r); });
            CHECK(cpu.shape() == ref.shape());
            CHECK(near_enough(cpu, ref, tol));
            auto grad = [&](CpuBackend be) {
              return with(be, [&] {
                return kernels::cross_entropy_backward(dloss, logits, labels, eps, kIgnore, r);
              });
            };
            CHECK(near_enough(grad(CpuBackend::Cpu), grad(CpuBackend::Reference), tol));
          }
}

TEST_CASE("cross_entropy: backward matches finite differences (f64)") {
  for (auto be : kBackends)
    for (double eps : {0.0, 0.3})
      for (Reduction r : kReductions) {
        CpuBackendGuard guard(be);
        INFO(std::string(kernels::cpu_backend_name(be)), " eps=", eps, " ", red_name(r));
        Generator gen(17);
        Tensor logits = rnd({5, 4}, DType::f64, gen, 2.0);
        Tensor labels = random_labels(5, 4, gen, 3);  // sample 1 and 4 ignored
        Tensor w = r == Reduction::None ? rnd({5}, DType::f64, gen) : rnd({}, DType::f64, gen);
        auto L = [&] { return dot(kernels::cross_entropy_forward(logits, labels, eps, kIgnore, r), w); };
        Tensor d = kernels::cross_entropy_backward(w, logits, labels, eps, kIgnore, r);
        CHECK(ops::rel_error(d, numeric_grad(logits, L)) <= 1e-6);
      }
}

TEST_CASE("point losses: hand-worked values") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor pred = from_vector<double>({1.0, 2.0, -1.0, 0.25}, {2, 2});
    Tensor target = from_vector<double>({0.0, 4.0, -1.0, 0.0}, {2, 2});  // d = 1, -2, 0, 0.25
    auto fwd = [&](PointLoss k, Reduction r, double beta = 1.0) {
      return kernels::point_loss_forward(k, pred, target, beta, r);
    };
    CHECK(fwd(PointLoss::Mse, Reduction::Sum).item() == 1 + 4 + 0 + 0.0625);
    CHECK(fwd(PointLoss::Mse, Reduction::Mean).item() == (1 + 4 + 0 + 0.0625) / 4);
    CHECK(fwd(PointLoss::L1, Reduction::None).to_vector<double>() == std::vector<double>{1, 2, 0, 0.25});
    // beta = 1: |d| < 1 -> 0.5 d^2, else |d| - 0.5.
    CHECK(fwd(PointLoss::SmoothL1, Reduction::None).to_vector<double>() ==
          std::vector<double>{0.5, 1.5, 0.0, 0.03125});
    // beta = 0 is L1.
    CHECK(fwd(PointLoss::SmoothL1, Reduction::Sum, 0.0).item() == 3.25);
    Tensor one = scalar(1.0, DType::f64);
    CHECK(kernels::point_loss_backward(PointLoss::L1, one, pred, target, 1.0, Reduction::Sum).to_vector<double>() ==
          std::vector<double>{1, -1, 0, 1});  // sign(0) = 0
    CHECK(kernels::point_loss_backward(PointLoss::SmoothL1, one, pred, target, 1.0, Reduction::Mean)
              .to_vector<double>() == std::vector<double>{0.25, -0.25, 0, 0.0625});
    CHECK(kernels::point_loss_backward(PointLoss::Mse, one, pred, target, 1.0, Reduction::Sum).to_vector<double>() ==
          std::vector<double>{2, -4, 0, 0.5});
  }
}

TEST_CASE("point losses: cpu matches reference") {
  const Shape shapes[] = {{1}, {3}, {7, 13}, {1000}, {2, 5, 5, 3}, {100003}};
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (PointLoss k : kPointLosses)
        for (Reduction r : kReductions)
          for (double beta : {1.0, 0.3, 0.0}) {
            if (k != PointLoss::SmoothL1 && beta != 1.0) continue;
            Generator gen(seed++);
            INFO(loss_name(k), " ", shape_str(s), " ", red_name(r), " beta=", beta, " ",
                 std::string(dtype_name(dt)));
            Tensor pred = rnd(s, dt, gen), target = rnd(s, dt, gen);
            Tensor dloss = r == Reduction::None ? rnd(s, dt, gen) : rnd({}, dt, gen);
            auto fwd = [&](CpuBackend be) {
              return with(be, [&] { return kernels::point_loss_forward(k, pred, target, beta, r); });
            };
            auto bwd = [&](CpuBackend be) {
              return with(be, [&] { return kernels::point_loss_backward(k, dloss, pred, target, beta, r); });
            };
            CHECK(near_enough(fwd(CpuBackend::Cpu), fwd(CpuBackend::Reference), tol_for(dt)));
            CHECK(near_enough(bwd(CpuBackend::Cpu), bwd(CpuBackend::Reference), tol_for(dt)));
          }
}

TEST_CASE("point losses: backward matches finite differences (f64)") {
  for (auto be : kBackends)
    for (PointLoss k : kPointLosses)
      for (Reduction r : kReductions) {
        CpuBackendGuard guard(be);
        INFO(std::string(kernels::cpu_backend_name(be)), " ", loss_name(k), " ", red_name(r));
        const double beta = 0.5;
        // d = pred - target with |d| in [0.1, 0.4] or [0.6, 2]: away from 0 and from beta.
        Generator gen(23);
        Tensor target = rnd({3, 5}, DType::f64, gen);
        Tensor u = rand({3, 5}, gen, DType::f64);
        Tensor pred = Tensor::empty({3, 5}, DType::f64);
        for (int64_t i = 0; i < 15; ++i) {
          const double uu = u.data<double>()[i];
          const double mag = i % 2 ? 0.1 + 0.3 * uu : 0.6 + 1.4 * uu;
          pred.data<double>()[i] = target.data<double>()[i] + (i % 3 ? mag : -mag);
        }
        Tensor w = r == Reduction::None ? rnd({3, 5}, DType::f64, gen) : rnd({}, DType::f64, gen);
        auto L = [&] { return dot(kernels::point_loss_forward(k, pred, target, beta, r), w); };
        Tensor d = kernels::point_loss_backward(k, w, pred, target, beta, r);
        CHECK(ops::rel_error(d, numeric_grad(pred, L)) <= 1e-6);
      }
}

TEST_CASE("softmax and losses: errors name the op and the shapes") {
  Generator gen(1);
  Tensor logits = rnd({3, 5}, DType::f32, gen);
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(logits, from_vector<int64_t>({0, 7, 1}, {3}), 0.0, kIgnore,
                                         Reduction::Mean);
        }) == "cross_entropy: label 7 of sample 1 is out of range [0, 5) (logits [3, 5], labels [3], ignore_index -100)");
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(logits, from_vector<int64_t>({0, -1, 1}, {3}), 0.0, kIgnore,
                                         Reduction::Mean);
        }).find("cross_entropy: label -1 of sample 1 is out of range") == 0);
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(logits, from_vector<int64_t>({0, 1}, {2}), 0.0, kIgnore, Reduction::Mean);
        }) == "cross_entropy: logits has 3 samples but labels has shape [2] (logits [3, 5], labels [2])");
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(logits, from_vector<int32_t>({0, 1, 2}, {3}), 0.0, kIgnore,
                                         Reduction::Mean);
        }) == "cross_entropy: labels must be i64, got i32");
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(rnd({2, 3, 4}, DType::f32, gen), from_vector<int64_t>({0, 1}, {2}), 0.0,
                                         kIgnore, Reduction::Mean);
        }) == "cross_entropy: logits must be 2-D [N, C], got [2, 3, 4]");
  CHECK(error_of([&] {
          kernels::cross_entropy_forward(logits, from_vector<int64_t>({0, 1, 2}, {3}), 1.5, kIgnore,
                                         Reduction::Mean);
        }) == "cross_entropy: label_smoothing must be in [0, 1], got 1.5");
  CHECK(error_of([&] {
          kernels::cross_entropy_backward(rnd({2}, DType::f32, gen), logits, from_vector<int64_t>({0, 1, 2}, {3}),
                                          0.0, kIgnore, Reduction::None);
        }) == "cross_entropy_backward: with reduction none dloss must be [3], got [2]");
  CHECK(error_of([&] { kernels::softmax_forward(zeros({2, 2}, DType::i32)); }) ==
        "softmax: x has dtype i32, only f32 and f64 are supported");
  CHECK(error_of([&] { kernels::log_softmax_backward(rnd({2, 3}, DType::f32, gen), logits); }) ==
        "log_softmax_backward: dy [2, 3] and y [3, 5] differ in shape");
  CHECK(error_of([&] {
          kernels::point_loss_forward(PointLoss::Mse, logits, rnd({5, 3}, DType::f32, gen), 1.0, Reduction::Mean);
        }) == "mse_loss: pred [3, 5] and target [5, 3] differ in shape");
  CHECK(error_of([&] {
          kernels::point_loss_forward(PointLoss::SmoothL1, logits, logits, -1.0, Reduction::Mean);
        }) == "smooth_l1_loss: beta must be non-negative, got -1");
  CHECK(error_of([&] {
          kernels::point_loss_forward(PointLoss::L1, logits, logits.to(DType::f64), 1.0, Reduction::Mean);
        }) == "l1_loss: target has dtype f64 but pred has f32");
}
