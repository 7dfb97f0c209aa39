// nn/distributed in one process: the single-process communicator, the
// backends' errors when not built, bucketed gradient averaging, synchronised
// batch norm (world size 1 equals batch norm; f64 gradcheck), the
// differentiable all-gather. Across ranks: mpi_test.cpp (mpirun -np 2),
// nccl_test.cpp (a GPU) and tests/scripts/pretrain_distributed.sh; the
// loader's sharding by batch is in tests/data/loader_sharding_test.cpp.
#include <doctest/doctest.h>

#include <cmath>

#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "nn/distributed/communicator.h"
#include "nn/distributed/functional.h"
#include "nn/distributed/gradient_reducer.h"
#include "nn/functional.h"
#include "nn/layers.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
namespace dist = fb::nn::dist;

namespace {
double max_rel(const Tensor& a, const Tensor& b) {
  auto x = a.to(DType::f64).to_vector<double>(), y = b.to(DType::f64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]) / (std::abs(y[i]) + 1e-8));
  return m;
}
}  // namespace

TEST_CASE("distributed: the single-process communicator is world 1 and its collectives keep values") {
  auto c = dist::make_communicator("none");
  CHECK(c->rank() == 0);
  CHECK(c->world_size() == 1);
  CHECK(c->backend() == "none");
  Tensor t = from_vector<float>({1, 2, 3}, {3});
  c->all_reduce(t, dist::ReduceOp::Average);
  c->broadcast(t, 0);
  CHECK(t.to_vector<float>() == std::vector<float>{1, 2, 3});
  Tensor g = c->all_gather(t);
  CHECK(g.shape() == Shape{3});
  CHECK(!g.same(t));
  CHECK(c->all_reduce_scalar(2.5) == 2.5);
  CHECK_THROWS_WITH_AS(c->broadcast(t, 1), doctest::Contains("root 1"), fb::Error);
  CHECK_THROWS_WITH_AS(dist::make_communicator("gloo"), doctest::Contains("unknown backend 'gloo'"), fb::Error);
  c->barrier();
}

TEST_CASE("distributed: a backend missing from the build is a clear error") {
  if (!dist::mpi_available())
    CHECK_THROWS_WITH_AS(dist::make_communicator("mpi"), doctest::Contains("needs MPI"), fb::Error);
  if (!dist::nccl_available())
    CHECK_THROWS_WITH_AS(dist::make_communicator("nccl"), doctest::Contains("needs NCCL"), fb::Error);
}

TEST_CASE("distributed: gradient averaging with world size 1 leaves gradients as they are") {
  auto c = dist::make_communicator("none");
  Tensor a = ones({4}), b = ones({2, 3});
  a.set_grad(full({4}, 3.0));
  b.set_grad(full({2, 3}, -1.0));
  dist::all_reduce_gradients(*c, {a, b, Tensor()}, 8);
  CHECK(a.grad().to_vector<float>() == std::vector<float>(4, 3.0f));
  CHECK(b.grad().to_vector<float>() == std::vector<float>(6, -1.0f));
}

TEST_CASE("distributed: sync batch norm in one process equals batch norm (forward, backward, running stats)") {
  auto c = dist::make_communicator("none");
  for (DType dt : {DType::f64, DType::f32}) {
    Generator gen(7);
    Tensor x0 = randn({4, 3, 3, 5}, gen).to(dt);
    Tensor w0 = randn({5}, gen).to(dt), b0 = randn({5}, gen).to(dt), r = randn({4, 3, 3, 5}, gen).to(dt);
    auto run = [&](bool sync) {
      Tensor x = x0.clone().set_requires_grad(true), w = w0.clone().set_requires_grad(true),
             b = b0.clone().set_requires_grad(true);
      Tensor rm = zeros({5}, dt), rv = ones({5}, dt);
      Tensor y = sync ? dist::sync_batch_norm(x, w, b, rm, rv, 0.1, 1e-5, *c)
                      : fb::batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
      autograd::backward(fb::sum(fb::mul(y, r)));
      return std::vector<Tensor>{y.detach(), x.grad(), w.grad(), b.grad(), rm, rv};
    };
    auto plain = run(false), synced = run(true);
    const double tol = dt == DType::f64 ? 1e-10 : 2e-5;
    for (size_t i = 0; i < plain.size(); ++i) {
      INFO("output " << i << " dtype " << dtype_name(dt));
      CHECK(max_rel(synced[i], plain[i]) < tol);
    }
  }
}

TEST_CASE("gradcheck: sync_batch_norm (world size 1) in f64") {
  auto c = dist::make_communicator("none");
  Generator gen(3);
  std::vector<Tensor> in{randn({6, 4}, gen, DType::f64).set_requires_grad(true),
                         randn({4}, gen, DType::f64).set_requires_grad(true),
                         randn({4}, gen, DType::f64).set_requires_grad(true)};
  auto r = autograd::gradcheck(
      [&](const std::vector<Tensor>& v) { return dist::sync_batch_norm(v[0], v[1], v[2], {}, {}, 0.1, 1e-5, *c); },
      in);
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("distributed: convert_sync_batchnorm reaches every BatchNorm of a model") {
  auto c = dist::make_communicator("none");
  auto seq = std::make_shared<nn::Sequential>();
  seq->add(std::make_shared<nn::Linear>(3, 4));
  seq->add(std::make_shared<nn::BatchNorm>(4));
  auto inner = std::make_shared<nn::Sequential>();
  inner->add(std::make_shared<nn::BatchNorm>(4));
  seq->add(inner);
  CHECK(dist::convert_sync_batchnorm(*seq, c) == 2);
  CHECK(dist::convert_sync_batchnorm(*seq, nullptr) == 2);
}

TEST_CASE("distributed: the differentiable all-gather with world size 1 passes gradients through") {
  auto c = dist::make_communicator("none");
  Tensor x = from_vector<float>({1, 2, 3, 4}, {2, 2}).set_requires_grad(true);
  Tensor y = dist::all_gather(x, *c);
  autograd::backward(fb::sum(fb::mul(y, y)));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 4, 6, 8});
}

TEST_CASE("distributed: the gradient reducer starts buckets as backward completes them, once per step") {
  // World size 1: the reduction keeps values; what is tested is when buckets start.
  auto c = dist::make_communicator("none");
  Generator gen(8);
  std::vector<Tensor> w;
  for (int k = 0; k < 4; ++k) w.push_back(randn({5, 5}, gen).set_requires_grad(true));
  const Tensor x = randn({2, 5}, gen);
  auto backward_through = [&](int layers) {
    Tensor h = x;
    for (int k = 0; k < layers; ++k) h = fb::tanh(fb::matmul(h, w[size_t(k)]));
    autograd::backward(fb::sum(h));
  };
  dist::GradientReducer reducer(*c, w, 25 * sizeof(float));  // one tensor per bucket
  CHECK(reducer.bucket_count() == 4);
  {
    auto watch = reducer.observe();
    backward_through(3);  // w3 unused
  }
  CHECK(reducer.started_during_backward() == 3);
  std::vector<std::vector<float>> before;
  for (int k = 0; k < 3; ++k) before.push_back(w[size_t(k)].grad().to_vector<float>());
  reducer.finish();
  for (int k = 0; k < 3; ++k) CHECK(w[size_t(k)].grad().to_vector<float>() == before[size_t(k)]);
  CHECK(!w[3].grad().defined());
  // Leaves that are not parameters are ignored; a second backward before finish() is refused.
  for (Tensor& p : w) p.impl().grad.reset();
  auto watch = reducer.observe();
  backward_through(2);
  CHECK_THROWS_WITH_AS(backward_through(2), doctest::Contains("became ready twice"), fb::Error);
}
