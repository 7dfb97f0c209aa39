// The fused contrastive cross-entropy (kernels/contrastive.h): a hand-worked
// value, the fast CPU kernel against the reference on random odd shapes in
// both masking modes (MoCo: positive column, nothing excluded; NT-Xent:
// excluded diagonal), large similarities, M = 1; the backward against central
// finite differences (f64, both backends); errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/backend.h"
#include "kernels/contrastive.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
using namespace fb::kernel_test;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;

namespace {

const CpuBackend kBackends[] = {CpuBackend::Reference, CpuBackend::Cpu};

Tensor rnd(const Shape& s, DType dt, Generator& gen, double scale = 1.0) {
  return ops::mul_scalar(randn(s, gen, DType::f64), scale).to(dt);
}

Tensor indices(const std::vector<int64_t>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }

// The masking modes under test, as (positive, excluded) for an [N, M] matrix.
enum class Mode { MocoFirstColumn, NtXentDiagonal, RandomWithSomeExcluded };
const Mode kModes[] = {Mode::MocoFirstColumn, Mode::NtXentDiagonal, Mode::RandomWithSomeExcluded};
std::string mode_name(Mode m) {
  return m == Mode::MocoFirstColumn ? "positive 0" : m == Mode::NtXentDiagonal ? "nt-xent" : "random";
}

// NtXentDiagonal needs a square matrix with an even side (callers pass one).
std::pair<Tensor, Tensor> targets(Mode mode, int64_t N, int64_t M, Generator& gen) {
  std::vector<int64_t> pos(N, 0), exc(N, -1);
  switch (mode) {
    case Mode::MocoFirstColumn:
      return {indices(pos), Tensor()};
    case Mode::NtXentDiagonal:
      for (int64_t i = 0; i < N; ++i) {
        pos[i] = (i + N / 2) % N;
        exc[i] = i;
      }
      break;
    case Mode::RandomWithSomeExcluded:
      for (int64_t i = 0; i < N; ++i) {
        pos[i] = gen.randint(M);
        if (M > 1 && i % 3 != 0) exc[i] = (pos[i] + 1 + gen.randint(M - 1)) % M;  // never the positive
      }
      break;
  }
  return {indices(pos), indices(exc)};
}

// The loss written out from its definition, in f64.
double loss_by_definition(const Tensor& sim, const Tensor& pos, const Tensor& exc, double tau) {
  const int64_t N = sim.size(0), M = sim.size(1);
  auto s = sim.to_vector<double>();
  auto p = pos.to_vector<int64_t>();
  std::vector<int64_t> e = exc.defined() ? exc.to_vector<int64_t>() : std::vector<int64_t>(N, -1);
  double total = 0;
  for (int64_t i = 0; i < N; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < M; ++j)
      if (j != e[i]) sum += std::exp(s[i * M + j] / tau);
    total += std::log(sum) - s[i * M + p[i]] / tau;
  }
  return total / N;
}

}  // namespace

TEST_CASE("contrastive cross-entropy: hand-worked rows; the excluded column takes no part") {
  // Row 0: z = [ln 1, ln 2, ln 5] with tau 1, positive 1, nothing excluded:
  //   loss = log(1 + 2 + 5) - ln 2 = ln 4.
  // Row 1: z = [ln 3, 100, ln 1], positive 0, column 1 excluded: log(3 + 1) - ln 3.
  Tensor sim = from_vector<double>({0.0, std::log(2.0), std::log(5.0), std::log(3.0), 100.0, 0.0}, {2, 3});
  Tensor pos = indices({1, 0}), exc = indices({-1, 1});
  for (auto be : kBackends) {
    CpuBackendGuard guard(be);
    Tensor loss, row_max, row_log_sum;
    std::tie(loss, row_max, row_log_sum) = kernels::contrastive_cross_entropy_forward(sim, pos, exc, 1.0);
    const double expected = 0.5 * (std::log(4.0) + std::log(4.0) - std::log(3.0));
    CHECK(loss.item() == doctest::Approx(expected).epsilon(1e-14));
    CHECK(row_max.to_vector<double>()[1] == doctest::Approx(std::log(3.0)).epsilon(1e-14));  // not 100
    // dsim = (softmax - onehot) / (N tau): row 0 [1/8, 2/8 - 1, 5/8] / 2, row 1 [3/4 - 1, 0, 1/4] / 2.
    Tensor d = kernels::contrastive_cross_entropy_backward(scalar(1.0, DType::f64), sim, pos, exc, 1.0, row_max,
                                                           row_log_sum);
    const std::vector<double> want{1.0 / 16, -3.0 / 8, 5.0 / 16, -1.0 / 8, 0.0, 1.0 / 8};
    auto got = d.to_vector<double>();
    for (size_t k = 0; k < want.size(); ++k) CHECK(got[k] == doctest::Approx(want[k]).epsilon(1e-13));
    CHECK(got[4] == 0.0);
  }
}

TEST_CASE("contrastive cross-entropy: cpu matches reference (f32 and f64, odd shapes, large values, M = 1)") {
  struct Shape2 {
    int64_t N, M;
  };
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (Mode mode : kModes)
      for (const Shape2& nm : std::vector<Shape2>{{1, 1}, {3, 1}, {1, 7}, {5, 33}, {17, 1}, {37, 1001}, {2, 2},
                                                  {6, 6}, {130, 130}, {64, 4097}})
        for (double scale : {1.0, 300.0}) {  // unit-norm-like similarities, then huge logits
          const int64_t N = nm.N, M = nm.M;
          if (mode == Mode::NtXentDiagonal && (N != M || N % 2)) continue;
          Generator gen(seed++);
          const double tau = mode == Mode::MocoFirstColumn ? 0.07 : 0.5;
          INFO("N=", N, " M=", M, " ", mode_name(mode), " scale=", scale, " ", std::string(dtype_name(dt)));
          Tensor sim = rnd({N, M}, dt, gen, scale);
          Tensor pos, exc;  // named tensors, not a structured binding: clang 14 cannot capture bindings in lambdas
          std::tie(pos, exc) = targets(mode, N, M, gen);
          const double tol = dt == DType::f32 ? 1e-5 : 1e-12;
          auto forward = [&](CpuBackend be) {
            return with(be, [&] { return kernels::contrastive_cross_entropy_forward(sim, pos, exc, tau); });
          };
          Tensor loss, row_max, row_log_sum;
          std::tie(loss, row_max, row_log_sum) = forward(CpuBackend::Cpu);
          Tensor ref_loss, ref_max, ref_log_sum;
          std::tie(ref_loss, ref_max, ref_log_sum) = forward(CpuBackend::Reference);
          CHECK(std::isfinite(loss.item()));
          CHECK(loss.item() == doctest::Approx(ref_loss.item()).epsilon(tol));
          if (dt == DType::f64 && scale == 1.0)  // the plain definition overflows for huge logits
            CHECK(ref_loss.item() == doctest::Approx(loss_by_definition(sim, pos, exc, tau)));
          CHECK(near_enough(row_max, ref_max, tol));
          CHECK(near_enough(row_log_sum, ref_log_sum, tol));
          Tensor dloss = rnd({}, dt, gen);
          Tensor d = with(CpuBackend::Cpu, [&] {
            return kernels::contrastive_cross_entropy_backward(dloss, sim, pos, exc, tau, row_max, row_log_sum);
          });
          Tensor ref_d = with(CpuBackend::Reference, [&] {
            return kernels::contrastive_cross_entropy_backward(dloss, sim, pos, exc, tau, ref_max, ref_log_sum);
          });
          CHECK(near_enough(d, ref_d, tol));
          // Every row's gradient sums to 0 (softmax minus a one-hot).
          for (double s : ops::sum(d.to(DType::f64), {1}).to_vector<double>()) CHECK(std::fabs(s) < 1e-4);
        }
}

TEST_CASE("contrastive cross-entropy: backward matches finite differences (f64, both backends)") {
  uint64_t seed = 100;
  for (auto be : kBackends)
    for (Mode mode : kModes)
      for (const auto& nm : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 5}, {4, 4}, {7, 2}, {6, 6}}) {
        const int64_t N = nm.first, M = nm.second;
        if (mode == Mode::NtXentDiagonal && (N != M || N % 2)) continue;
        CpuBackendGuard guard(be);
        INFO(std::string(kernels::cpu_backend_name(be)), " N=", N, " M=", M, " ", mode_name(mode));
        Generator gen(seed++);
        Tensor sim = rnd({N, M}, DType::f64, gen, 0.8);
        Tensor pos, exc;  // named tensors, not a structured binding: clang 14 cannot capture bindings in lambdas
        std::tie(pos, exc) = targets(mode, N, M, gen);
        const double tau = 0.3, w = 1.7;
        auto L = [&] {
          return w * std::get<0>(kernels::contrastive_cross_entropy_forward(sim, pos, exc, tau)).item();
        };
        Tensor loss, row_max, row_log_sum;
        std::tie(loss, row_max, row_log_sum) = kernels::contrastive_cross_entropy_forward(sim, pos, exc, tau);
        Tensor d = kernels::contrastive_cross_entropy_backward(scalar(w, DType::f64), sim, pos, exc, tau, row_max,
                                                               row_log_sum);
        CHECK(near_enough(d, numeric_grad(sim, L), 1e-7));
      }
}

TEST_CASE("contrastive cross-entropy: errors name the op, the row and the shapes") {
  Generator gen(3);
  Tensor sim = rnd({3, 5}, DType::f32, gen);
  auto fwd = [&](const Tensor& s, const Tensor& pos, const Tensor& exc, double tau) {
    return error_of([&] { kernels::contrastive_cross_entropy_forward(s, pos, exc, tau); });
  };
  CHECK(fwd(sim, indices({0, 5, 1}), Tensor(), 0.1) ==
        "contrastive_cross_entropy: positive column 5 of row 1 is out of range [0, 5) (sim [3, 5])");
  CHECK(fwd(sim, indices({0, 1, 2}), indices({-1, 1, 4}), 0.1) ==
        "contrastive_cross_entropy: row 1 excludes its own positive column 1");
  CHECK(fwd(sim, indices({0, 1, 2}), indices({-2, 0, 0}), 0.1) ==
        "contrastive_cross_entropy: excluded column -2 of row 0 is out of range [-1, 5) (sim [3, 5])");
  CHECK(fwd(sim, indices({0, 1}), Tensor(), 0.1) ==
        "contrastive_cross_entropy: positive must be an i64 tensor of shape [3] (one column per row of sim [3, 5]), "
        "got i64 [2]");
  CHECK(fwd(sim, from_vector<int32_t>({0, 1, 2}, {3}), Tensor(), 0.1).find("got i32 [3]") != std::string::npos);
  CHECK(fwd(sim, indices({0, 1, 2}), Tensor(), 0.0) ==
        "contrastive_cross_entropy: tau must be positive and finite, got 0");
  CHECK(fwd(zeros({0, 4}), indices({}), Tensor(), 0.1) ==
        "contrastive_cross_entropy: sim must be a non-empty 2-D [N, M] tensor, got [0, 4]");
  CHECK(fwd(zeros({3, 5}, DType::i32), indices({0, 1, 2}), Tensor(), 0.1) ==
        "contrastive_cross_entropy: dtype i32 is not supported (f32 or f64)");
  Tensor loss, row_max, row_log_sum;
  std::tie(loss, row_max, row_log_sum) =
      kernels::contrastive_cross_entropy_forward(sim, indices({0, 1, 2}), Tensor(), 0.1);
  CHECK(error_of([&] {
          kernels::contrastive_cross_entropy_backward(scalar(1.0, DType::f64), sim, indices({0, 1, 2}), Tensor(), 0.1,
                                                      row_max, row_log_sum);
        }) == "contrastive_cross_entropy_backward: dloss must be f32 [] on cpu, got f64 [] on cpu");
  CHECK(error_of([&] {
          kernels::contrastive_cross_entropy_backward(loss, sim, indices({0, 1, 2}), Tensor(), 0.1,
                                                      row_max.slice(0, 0, 2), row_log_sum);
        }) == "contrastive_cross_entropy_backward: row_max must be f32 [3] on cpu, got f32 [2] on cpu");
}
