// The MPI backend across ranks: run as `mpirun -np 2 test_distributed
// --test-case='mpi:*'` with FB_TEST_MPI=1 (a ctest does); without that
// variable these cases return at once. Collectives, bucketed gradient
// averaging, and synchronised batch norm / the differentiable all-gather
// against one process computing on the whole batch.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "autograd/engine.h"
#include "nn/distributed/communicator.h"
#include "nn/distributed/functional.h"
#include "nn/distributed/gradient_reducer.h"
#include "nn/functional.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
namespace dist = fb::nn::dist;

namespace {
dist::Communicator* mpi() {
  if (!std::getenv("FB_TEST_MPI")) return nullptr;
  static dist::CommunicatorPtr c = dist::make_communicator("mpi");
  // Built after MPI started, so destroyed before MPI's exit check runs: a
  // normal exit finalizes MPI instead of aborting the job.
  struct Finalize {
    ~Finalize() { dist::finalize(); }
  };
  static Finalize fin;
  (void)fin;
  return c.get();
}
double max_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to(DType::f64).to_vector<double>(), y = b.to(DType::f64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}
}  // namespace

TEST_CASE("mpi: all-reduce, broadcast, all-gather and barrier across ranks") {
  auto* c = mpi();
  if (!c) return;
  const int n = c->world_size(), r = c->rank();
  REQUIRE(n >= 2);
  Tensor f = full({5}, r + 1.0);
  c->all_reduce(f);
  CHECK(f.to_vector<float>() == std::vector<float>(5, float(n * (n + 1) / 2)));
  Tensor d = full({2, 3}, r + 1.0, DType::f64);
  c->all_reduce(d, dist::ReduceOp::Average);
  CHECK(d.to_vector<double>() == std::vector<double>(6, (n + 1) / 2.0));
  Tensor i = full({3}, r, DType::i64);
  c->all_reduce(i);
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>(3, n * (n - 1) / 2));
  CHECK_THROWS_WITH_AS(c->all_reduce(i, dist::ReduceOp::Average), doctest::Contains("floating point only"), fb::Error);
  // A non-contiguous view is reduced in place.
  Tensor m = full({3, 4}, r + 1.0);
  Tensor col = m.slice(1, 1, 2);
  c->all_reduce(col);
  auto mv = m.to_vector<float>();
  CHECK(mv[1] == float(n * (n + 1) / 2));
  CHECK(mv[0] == float(r + 1));
  Tensor b = full({4}, r == 1 ? 7.0 : -1.0);
  c->broadcast(b, 1);
  CHECK(b.to_vector<float>() == std::vector<float>(4, 7.0f));
  Tensor g = c->all_gather(full({2, 2}, double(r)));
  REQUIRE(g.shape() == Shape{2 * n, 2});
  for (int k = 0; k < n; ++k) CHECK(g.select(0, 2 * k).to_vector<float>() == std::vector<float>(2, float(k)));
  CHECK(c->all_reduce_scalar(r) == n * (n - 1) / 2.0);
  c->barrier();
}

TEST_CASE("mpi: bucketed gradient averaging equals the per-tensor average") {
  auto* c = mpi();
  if (!c) return;
  const int n = c->world_size(), r = c->rank();
  std::vector<Tensor> params;
  for (int64_t k = 1; k <= 6; ++k) {
    Tensor p = zeros({k, 3});
    p.set_grad(full({k, 3}, (r + 1.0) * k));
    params.push_back(p);
  }
  params.push_back(zeros({2}));  // no gradient: skipped
  dist::all_reduce_gradients(*c, params, 40);  // several buckets of <= 10 floats, one tensor per bucket for big ones
  for (int64_t k = 1; k <= 6; ++k)
    CHECK(params[size_t(k - 1)].grad().to_vector<float>() == std::vector<float>(size_t(k * 3), float(k * (n + 1) / 2.0)));
  CHECK(!params.back().grad().defined());
}

TEST_CASE("mpi: gradients reduced while backward runs equal the bucketed average after it") {
  auto* c = mpi();
  if (!c) return;
  const int r = c->rank();
  // A chain of four 6x6 layers and one unused: the same weights, each rank its own input.
  Generator gen(5);
  std::vector<Tensor> w0;
  for (int k = 0; k < 5; ++k) w0.push_back(randn({6, 6}, gen));
  Generator mine(100 + r);
  const Tensor x = randn({3, 6}, mine);
  auto forward_backward = [&](const std::vector<Tensor>& w) {
    Tensor h = x;
    for (int k = 0; k < 4; ++k) h = fb::tanh(fb::matmul(h, w[size_t(k)]));
    autograd::backward(fb::sum(fb::mul(h, h)));
  };
  // The reference: backward, then the bucketed average.
  std::vector<Tensor> after;
  for (const Tensor& t : w0) after.push_back(t.clone().set_requires_grad(true));
  forward_backward(after);
  dist::all_reduce_gradients(*c, after, 1 << 20);
  REQUIRE(!after[4].grad().defined());
  std::vector<Tensor> w;
  for (const Tensor& t : w0) w.push_back(t.clone().set_requires_grad(true));
  // Two layers per bucket, in reverse: [w4 (unused), w3], [w2, w1], [w0].
  dist::GradientReducer reducer(*c, w, 2 * 36 * sizeof(float));
  REQUIRE(reducer.bucket_count() == 3);
  for (int step = 0; step < 2; ++step) {  // one reducer, step after step
    for (Tensor& p : w) p.impl().grad.reset();
    {
      auto watch = reducer.observe();
      forward_backward(w);
    }
    // [w2, w1] and [w0] started inside backward; [w4, w3] waits for finish() (w4 gets no gradient).
    CHECK(reducer.started_during_backward() == 2);
    reducer.finish();
    for (int k = 0; k < 4; ++k)
      CHECK(w[size_t(k)].grad().to_vector<float>() == after[size_t(k)].grad().to_vector<float>());
    CHECK(!w[4].grad().defined());
  }
}

TEST_CASE("mpi: sync batch norm over ranks equals batch norm on the whole batch") {
  auto* c = mpi();
  if (!c) return;
  const int n = c->world_size(), r = c->rank();
  const int64_t rows = 3, ch = 4;
  for (DType dt : {DType::f64, DType::f32}) {
    Generator gen(21);  // the same whole batch on every rank
    Tensor x = randn({rows * n, 2, 2, ch}, gen).to(dt), cot = randn({rows * n, 2, 2, ch}, gen).to(dt);
    Tensor w0 = randn({ch}, gen).to(dt), b0 = randn({ch}, gen).to(dt);
    // One process, whole batch.
    Tensor xw = x.clone().set_requires_grad(true), ww = w0.clone().set_requires_grad(true),
           bw = b0.clone().set_requires_grad(true), rmw = zeros({ch}, dt), rvw = ones({ch}, dt);
    Tensor yw = batch_norm(xw, ww, bw, rmw, rvw, true, 0.1, 1e-5);
    autograd::backward(fb::sum(fb::mul(yw, cot)));
    // This rank's rows, synchronised.
    Tensor xr = x.slice(0, r * rows, (r + 1) * rows).clone().set_requires_grad(true),
           wr = w0.clone().set_requires_grad(true), br = b0.clone().set_requires_grad(true), rmr = zeros({ch}, dt),
           rvr = ones({ch}, dt);
    Tensor yr = dist::sync_batch_norm(xr, wr, br, rmr, rvr, 0.1, 1e-5, *c);
    autograd::backward(fb::sum(fb::mul(yr, cot.slice(0, r * rows, (r + 1) * rows))));
    const double tol = dt == DType::f64 ? 1e-12 : 1e-5;
    INFO("dtype " << dtype_name(dt));
    CHECK(max_diff(yr, yw.detach().slice(0, r * rows, (r + 1) * rows)) < tol);
    CHECK(max_diff(xr.grad(), xw.grad().slice(0, r * rows, (r + 1) * rows)) < tol);
    Tensor dg = wr.grad().clone(), db = br.grad().clone();
    c->all_reduce(dg);
    c->all_reduce(db);
    CHECK(max_diff(dg, ww.grad()) < tol);
    CHECK(max_diff(db, bw.grad()) < tol);
    CHECK(max_diff(rmr, rmw) < tol);
    CHECK(max_diff(rvr, rvw) < tol);
  }
}

TEST_CASE("mpi: the differentiable all-gather gives each rank the gradient of its rows") {
  auto* c = mpi();
  if (!c) return;
  const int n = c->world_size(), r = c->rank();
  Generator gen(5);
  Tensor whole = randn({2 * n, 3}, gen, DType::f64);
  // L = sum(gather(x)^3): every rank computes the same L; the average of the
  // ranks' gradients of their own rows is dL/dx = 3 x^2, so each rank holds n times its rows' share.
  Tensor x = whole.slice(0, 2 * r, 2 * r + 2).clone().set_requires_grad(true);
  Tensor g = dist::all_gather(x, *c);
  autograd::backward(fb::sum(fb::mul(fb::mul(g, g), g)));
  Tensor expect = ops::mul_scalar(ops::mul(ops::mul(x.detach(), x.detach()), full({}, 3.0, DType::f64)), n);
  CHECK(max_diff(x.grad(), expect) < 1e-12);
}
