// The NCCL backend on GPUs: run with FB_TEST_NCCL=1 (scripts/gpu-check.sh
// does, with world size 1 on one GPU; under `mpirun -np N` on N GPUs the same
// cases check N ranks). Without that variable these cases return at once;
// with it but without NCCL in the build they fail with the build's message.
#include <doctest/doctest.h>

#include <cstdlib>

#include "nn/distributed/communicator.h"
#include "tensor/ops.h"

using namespace fb;
namespace dist = fb::nn::dist;

namespace {
dist::Communicator* nccl() {
  if (!std::getenv("FB_TEST_NCCL")) return nullptr;
  static dist::CommunicatorPtr c = dist::make_communicator("nccl");
  struct Finalize {  // destroyed before MPI's exit check: a normal exit finalizes MPI
    ~Finalize() { dist::finalize(); }
  };
  static Finalize fin;
  (void)fin;
  return c.get();
}
}  // namespace

TEST_CASE("nccl: all-reduce, broadcast, all-gather and gradient buckets on the rank's GPU") {
  auto* c = nccl();
  if (!c) return;
  const int n = c->world_size(), r = c->rank();
  const Device dev = c->device();
  REQUIRE(dev.is_cuda());
  Tensor f = full({1000}, r + 1.0, DType::f32, dev);
  c->all_reduce(f);
  CHECK(f.to(Device::cpu()).to_vector<float>() == std::vector<float>(1000, float(n * (n + 1) / 2)));
  Tensor d = full({7}, r + 1.0, DType::f64, dev);
  c->all_reduce(d, dist::ReduceOp::Average);
  CHECK(d.to(Device::cpu()).to_vector<double>() == std::vector<double>(7, (n + 1) / 2.0));
  Tensor b = full({5}, r == 0 ? 3.0 : -1.0, DType::f32, dev);
  c->broadcast(b, 0);
  CHECK(b.to(Device::cpu()).to_vector<float>() == std::vector<float>(5, 3.0f));
  Tensor g = c->all_gather(full({2, 3}, double(r), DType::f32, dev));
  REQUIRE(g.shape() == Shape{2 * n, 3});
  auto gv = g.to(Device::cpu()).to_vector<float>();
  for (int k = 0; k < n; ++k) CHECK(gv[size_t(6 * k)] == float(k));
  CHECK(c->all_reduce_scalar(1.0) == double(n));
  std::vector<Tensor> params;
  for (int64_t k = 1; k <= 4; ++k) {
    Tensor p = zeros({k, 2}, DType::f32, dev);
    p.set_grad(full({k, 2}, (r + 1.0) * k, DType::f32, dev));
    params.push_back(p);
  }
  dist::all_reduce_gradients(*c, params, 24);
  for (int64_t k = 1; k <= 4; ++k)
    CHECK(params[size_t(k - 1)].grad().to(Device::cpu()).to_vector<float>() ==
          std::vector<float>(size_t(2 * k), float(k * (n + 1) / 2.0)));
  c->barrier();
  CHECK_THROWS_WITH_AS(c->all_reduce(full({2}, 1.0)), doctest::Contains("this rank's device"), fb::Error);
}
