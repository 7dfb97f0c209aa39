// Activations and the dropout mask: CPU kernel vs the reference, backward vs
// central finite differences (f64, both backends), hand-worked values, mask
// statistics and reproducibility, argument errors.
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
using fb::kernels::Activation;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;

namespace {

const CpuBackend kBackends[] = {CpuBackend::Reference, CpuBackend::Cpu};
const Activation kActivations[] = {Activation::Relu, Activation::Gelu, Activation::Sigmoid, Activation::Tanh};

std::string act_name(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Gelu: return "gelu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}

Tensor rnd(const Shape& s, DType dt, Generator& gen, double scale = 1.0) {
  return ops::mul_scalar(randn(s, gen, DType::f64), scale).to(dt);
}

// Random values with |x| >= margin: away from ReLU's kink at 0.
Tensor away_from_zero(const Shape& s, Generator& gen, double margin) {
  Tensor u = randn(s, gen, DType::f64);
  double* p = u.data<double>();
  for (int64_t i = 0; i < u.numel(); ++i) p[i] = p[i] < 0 ? p[i] - margin : p[i] + margin;
  return u;
}

Tensor act_with(CpuBackend be, Activation a, const Tensor& x) {
  CpuBackendGuard guard(be);
  return kernels::activation_forward(a, x);
}

Tensor act_grad_with(CpuBackend be, Activation a, const Tensor& dy, const Tensor& x) {
  CpuBackendGuard guard(be);
  return kernels::activation_backward(a, dy, x);
}

Tensor mask_with(CpuBackend be, const Shape& s, double p, uint64_t seed, uint64_t offset, DType dt = DType::f32) {
  CpuBackendGuard guard(be);
  return kernels::dropout_mask(s, p, seed, offset, dt);
}

}  // namespace

TEST_CASE("activation: hand-worked values") {
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor x = from_vector<double>({-1.0, 0.0, 2.0, NAN}, {4});
    std::vector<double> r = kernels::activation_forward(Activation::Relu, x).to_vector<double>();
    CHECK(r[0] == 0.0);
    CHECK(r[1] == 0.0);
    CHECK(r[2] == 2.0);
    CHECK(std::isnan(r[3]));  // NaN propagates, as in PyTorch
    // relu' is 0 at 0 (PyTorch's convention) and 1 for x > 0.
    std::vector<double> dr = kernels::activation_backward(Activation::Relu, ones({4}, DType::f64), x)
                                 .to_vector<double>();
    CHECK(dr[0] == 0.0);
    CHECK(dr[1] == 0.0);
    CHECK(dr[2] == 1.0);

    Tensor l3 = from_vector<double>({std::log(3.0), 0.0}, {2});
    std::vector<double> s = kernels::activation_forward(Activation::Sigmoid, l3).to_vector<double>();
    CHECK(s[0] == doctest::Approx(0.75).epsilon(1e-15));  // 1 / (1 + 1/3)
    CHECK(s[1] == 0.5);
    std::vector<double> t = kernels::activation_forward(Activation::Tanh, l3).to_vector<double>();
    CHECK(t[0] == doctest::Approx(0.8).epsilon(1e-15));  // (9 - 1) / (9 + 1)
    std::vector<double> ds = kernels::activation_backward(Activation::Sigmoid, ones({2}, DType::f64), l3)
                                 .to_vector<double>();
    CHECK(ds[0] == doctest::Approx(0.1875).epsilon(1e-14));  // 0.75 * 0.25
    std::vector<double> dt = kernels::activation_backward(Activation::Tanh, ones({2}, DType::f64), l3)
                                 .to_vector<double>();
    CHECK(dt[0] == doctest::Approx(0.36).epsilon(1e-14));  // 1 - 0.8^2

    // Exact GELU: gelu(1) = Phi(1) = 0.841344746068543, gelu(-1) = -(1 - Phi(1)); gelu'(0) = 1/2.
    Tensor g = from_vector<double>({1.0, -1.0, 0.0}, {3});
    std::vector<double> gv = kernels::activation_forward(Activation::Gelu, g).to_vector<double>();
    CHECK(gv[0] == doctest::Approx(0.8413447460685429).epsilon(1e-14));
    CHECK(gv[1] == doctest::Approx(-0.15865525393145707).epsilon(1e-13));
    CHECK(gv[2] == 0.0);
    std::vector<double> dg = kernels::activation_backward(Activation::Gelu, ones({3}, DType::f64), g)
                                 .to_vector<double>();
    CHECK(dg[2] == 0.5);
    // gelu'(1) = Phi(1) + phi(1) = 0.841344746068543 + 0.241970724519143.
    CHECK(dg[0] == doctest::Approx(1.0833154705876864).epsilon(1e-14));
  }
}

TEST_CASE("activation: cpu matches reference") {
  const Shape shapes[] = {{1}, {3}, {7}, {13}, {1000}, {17, 33}, {2, 5, 5, 7}, {3, 100003}};
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (const Shape& s : shapes)
      for (Activation a : kActivations) {
        Generator gen(seed++);
        INFO(act_name(a), " x ", shape_str(s), " ", std::string(dtype_name(dt)));
        Tensor x = rnd(s, dt, gen, 3.0), dy = rnd(s, dt, gen);
        const double tol = dt == DType::f32 ? 1e-5 : 1e-12;
        CHECK(ops::rel_error(act_with(CpuBackend::Cpu, a, x), act_with(CpuBackend::Reference, a, x)) <= tol);
        CHECK(ops::rel_error(act_grad_with(CpuBackend::Cpu, a, dy, x),
                             act_grad_with(CpuBackend::Reference, a, dy, x)) <= tol);
      }
}

TEST_CASE("activation: extreme inputs stay finite and saturate") {
  for (auto be : kBackends)
    for (DType dt : {DType::f32, DType::f64}) {
      Tensor x = from_vector<double>({-1000.0, -80.0, 80.0, 1000.0}, {4}).to(dt);
      std::vector<double> s = act_with(be, Activation::Sigmoid, x).to_vector<double>();
      CHECK(s[0] == 0.0);
      CHECK(s[3] == 1.0);
      std::vector<double> t = act_with(be, Activation::Tanh, x).to_vector<double>();
      CHECK(t[0] == -1.0);
      CHECK(t[3] == 1.0);
      std::vector<double> g = act_with(be, Activation::Gelu, x).to_vector<double>();
      CHECK(g[0] == 0.0);
      CHECK(g[3] == 1000.0);
      for (Activation a : kActivations)
        CHECK(ops::all_finite(act_grad_with(be, a, ones({4}, dt), x)));
    }
}

TEST_CASE("activation: backward matches finite differences (f64)") {
  for (auto be : kBackends)
    for (Activation a : kActivations) {
      CpuBackendGuard guard(be);
      INFO(std::string(kernels::cpu_backend_name(be)), " ", act_name(a));
      Generator gen(11);
      Tensor x = away_from_zero({3, 7}, gen, 0.05), r = rnd({3, 7}, DType::f64, gen);
      auto L = [&] { return dot(kernels::activation_forward(a, x), r); };
      Tensor dx = kernels::activation_backward(a, r, x);
      CHECK(ops::rel_error(dx, numeric_grad(x, L)) <= 1e-6);
    }
}

TEST_CASE("activation: non-contiguous input and errors") {
  Generator gen(2);
  Tensor base = rnd({6, 4}, DType::f32, gen);
  Tensor x = base.transpose(0, 1);
  REQUIRE(!x.is_contiguous());
  CHECK(ops::max_abs_diff(kernels::activation_forward(Activation::Gelu, x),
                          kernels::activation_forward(Activation::Gelu, x.contiguous())) == 0.0);
  CHECK(error_of([] { kernels::activation_forward(Activation::Relu, zeros({2, 3}, DType::i64)); }) ==
        "relu: x has dtype i64, only f32 and f64 are supported");
  CHECK(error_of([&] { kernels::activation_backward(Activation::Tanh, zeros({3, 6}), base); }) ==
        "tanh_backward: dy [3, 6] and x [6, 4] differ in shape");
  CHECK(error_of([&] { kernels::activation_backward(Activation::Sigmoid, base.to(DType::f64), base); }) ==
        "sigmoid_backward: dy has dtype f64 but x has f32");
}

TEST_CASE("dropout: mask statistics, values and reproducibility") {
  const int64_t n = 200000;
  for (double p : {0.1, 0.3, 0.5, 0.9}) {
    INFO("p = ", p);
    Tensor m = mask_with(CpuBackend::Cpu, {n}, p, 1234, 0);
    const float keep = static_cast<float>(1.0 / (1.0 - p));
    const float* v = m.data<float>();
    int64_t zeros_count = 0, bad = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (v[i] == 0.0f)
        ++zeros_count;
      else if (v[i] != keep)
        ++bad;
    }
    CHECK(bad == 0);
    // Binomial std of the fraction is sqrt(p(1-p)/n) <= 0.0012; allow 5 sigma.
    CHECK(std::fabs(static_cast<double>(zeros_count) / n - p) < 0.006);
    // The mean of the mask is about 1: dropout keeps the expectation.
    CHECK(ops::mean(m).item() == doctest::Approx(1.0).epsilon(0.03));
  }
  // p = 0 keeps everything, scale 1.
  Tensor all = mask_with(CpuBackend::Cpu, {5, 7}, 0.0, 9, 3, DType::f64);
  CHECK(ops::max_abs_diff(all, ones({5, 7}, DType::f64)) == 0.0);

  Tensor a = mask_with(CpuBackend::Cpu, {1001}, 0.5, 77, 10);
  Tensor b = mask_with(CpuBackend::Cpu, {1001}, 0.5, 77, 10);
  Tensor c = mask_with(CpuBackend::Cpu, {1001}, 0.5, 77, 11);
  Tensor d = mask_with(CpuBackend::Cpu, {1001}, 0.5, 78, 10);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  CHECK(a.to_vector<float>() != c.to_vector<float>());
  CHECK(a.to_vector<float>() != d.to_vector<float>());
  // Element i uses counter offset + i/4: advancing the offset by one counter
  // shifts the mask by four elements.
  std::vector<float> av = a.to_vector<float>(), cv = c.to_vector<float>();
  CHECK(std::vector<float>(av.begin() + 4, av.end()) == std::vector<float>(cv.begin(), cv.end() - 4));
  // The reference and the parallel CPU version agree bit for bit, f32 and f64.
  for (DType dt : {DType::f32, DType::f64})
    CHECK(ops::max_abs_diff(mask_with(CpuBackend::Cpu, {3, 333}, 0.25, 5, 2, dt),
                            mask_with(CpuBackend::Reference, {3, 333}, 0.25, 5, 2, dt)) == 0.0);
}

TEST_CASE("dropout: mask does not depend on the thread count") {
  const int saved = omp_get_max_threads();
  std::vector<std::vector<float>> masks;
  for (int nt : {1, 2, 3}) {
    omp_set_num_threads(nt);
    masks.push_back(mask_with(CpuBackend::Cpu, {7, 65537}, 0.4, 99, 123).to_vector<float>());
  }
  omp_set_num_threads(saved);
  CHECK(masks[0] == masks[1]);
  CHECK(masks[0] == masks[2]);
}

TEST_CASE("dropout: errors") {
  CHECK(error_of([] { kernels::dropout_mask({4}, 1.0, 0, 0, DType::f32); }) ==
        "dropout: p must be in [0, 1), got 1");
  CHECK(error_of([] { kernels::dropout_mask({4}, -0.1, 0, 0, DType::f32); }) ==
        "dropout: p must be in [0, 1), got -0.1");
  CHECK(error_of([] { kernels::dropout_mask({2, 3}, 0.5, 0, 0, DType::i64); }) ==
        "dropout: dtype i64 is not supported, only f32 and f64 (shape [2, 3])");
}
