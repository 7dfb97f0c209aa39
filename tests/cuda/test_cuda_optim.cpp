// Optimizer steps on CUDA parameters (kernels/cuda/optim.cu) against the
// same optimizer on the CPU: after several steps from the same parameters
// and gradients, parameters and state buffers agree to float rounding
// (relative error 1e-6), for every rule and option set, on parameters of odd
// sizes and one of more than 2^20 elements; the state round-trips through
// the host.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "nn/optim.h"

using namespace fb;
using fbtest::gpu;
using fbtest::rel;

namespace {

constexpr double kTol = 1e-6;
constexpr int kSteps = 4;

// Odd sizes, a scalar-like one and one above 2^20 elements.
const std::vector<Shape> kShapes{{7}, {3, 5, 11}, {1}, {64, 3, 3, 3}, {(1 << 20) + 3}, {129}};

using MakeOptimizer = std::function<std::unique_ptr<nn::Optimizer>(std::vector<Tensor>)>;

struct Run {
  std::vector<Tensor> params;
  std::unique_ptr<nn::Optimizer> opt;
};

// Parameters from a fixed seed on `device`, optimised for `steps` steps with
// gradients from a fixed seed (parameter 5 gets no gradient at step 1).
Run run(const MakeOptimizer& make, Device device, int steps) {
  Generator gen(7);
  Run r;
  for (const Shape& s : kShapes) r.params.push_back(fbtest::rnd(s, gen).to(device).set_requires_grad(true));
  r.opt = make(r.params);
  Generator grad_gen(8);
  for (int k = 0; k < steps; ++k) {
    r.opt->zero_grad();
    for (size_t i = 0; i < r.params.size(); ++i) {
      Tensor g = fbtest::rnd(kShapes[i], grad_gen, -0.1, 0.1);
      if (!(i == 5 && k == 1)) r.params[i].set_grad(g.to(device));
    }
    r.opt->step();
  }
  return r;
}

void check_equal(const Run& cuda, const Run& cpu) {
  for (size_t i = 0; i < cpu.params.size(); ++i) {
    CAPTURE(i);
    CHECK(rel(cuda.params[i], cpu.params[i]) <= kTol);
  }
  const nn::NamedTensors sc = cuda.opt->state(), sh = cpu.opt->state();
  REQUIRE(sc.size() == sh.size());
  for (size_t k = 0; k < sh.size(); ++k) {
    CAPTURE(sh[k].first);
    CHECK(sc[k].first == sh[k].first);
    CHECK(sc[k].second.device().is_cpu());
    CHECK(ops::rel_error(sc[k].second.to(DType::f64), sh[k].second.to(DType::f64)) <= kTol);
  }
}

struct Case {
  std::string name;
  MakeOptimizer make;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  auto sgd = [](nn::SGDOptions o) {
    return [o](std::vector<Tensor> p) { return std::make_unique<nn::SGD>(std::move(p), 0.1, o); };
  };
  c.push_back({"SGD plain", sgd({0.0, 0.0, 0.0, false})});
  c.push_back({"SGD momentum, dampening, weight decay", sgd({0.9, 0.1, 1e-2, false})});
  c.push_back({"SGD nesterov, weight decay", sgd({0.9, 0.0, 5e-3, true})});
  c.push_back({"AdamW", [](std::vector<Tensor> p) {
                 return std::make_unique<nn::AdamW>(std::move(p), 1e-2, nn::AdamWOptions{0.9, 0.99, 1e-6, 0.05});
               }});
  c.push_back({"LARS with excluded parameters", [](std::vector<Tensor> p) {
                 std::vector<bool> excluded{true, false, true, false, false, true};
                 return std::make_unique<nn::LARS>(std::move(p), excluded, 0.5, nn::LARSOptions{0.9, 1e-4, 1e-3, 1e-8});
               }});
  c.push_back({"LARS adapting every parameter", [](std::vector<Tensor> p) {
                 std::vector<bool> excluded(p.size(), false);
                 return std::make_unique<nn::LARS>(std::move(p), excluded, 0.5, nn::LARSOptions{0.9, 1e-6, 1e-3, 1e-8});
               }});
  return c;
}

}  // namespace

TEST_CASE("cuda optim: SGD, AdamW and LARS steps on the GPU equal the CPU's (params and buffers)") {
  FB_SKIP_WITHOUT_CUDA();
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    Run cuda = run(c.make, Device::cuda(), kSteps), cpu = run(c.make, Device::cpu(), kSteps);
    for (const Tensor& p : cuda.params) CHECK(p.device().is_cuda());
    check_equal(cuda, cpu);
  }
}

TEST_CASE("cuda optim: state saved mid-run and loaded into a new optimizer resumes the same trajectory") {
  FB_SKIP_WITHOUT_CUDA();
  for (const Case& c : cases()) {
    CAPTURE(c.name);
    // Two steps, then the state through the host into a fresh optimizer, then two more.
    Run resumed = run(c.make, Device::cuda(), 2);
    nn::NamedTensors state = resumed.opt->state();
    resumed.opt = c.make(resumed.params);
    resumed.opt->load_state(state);
    Run straight = run(c.make, Device::cuda(), 2);
    for (Run* r : {&resumed, &straight}) {
      Generator g(99);
      for (int k = 0; k < 2; ++k) {
        r->opt->zero_grad();
        for (size_t i = 0; i < r->params.size(); ++i)
          r->params[i].set_grad(fbtest::rnd(kShapes[i], g, -0.1, 0.1).to(Device::cuda()));
        r->opt->step();
      }
    }
    for (size_t i = 0; i < kShapes.size(); ++i) CHECK(rel(resumed.params[i], straight.params[i]) == 0.0);
    CHECK(resumed.opt->steps() == straight.opt->steps());
  }
}

TEST_CASE("cuda optim: zero_grad clears CUDA gradients; buffers are created on the parameter's device") {
  FB_SKIP_WITHOUT_CUDA();
  Tensor p = gpu(full({5}, 1.0)).set_requires_grad(true);
  nn::SGD opt({p}, 0.1, {0.9, 0.0, 0.0, false});
  p.set_grad(gpu(full({5}, 2.0)));
  opt.step();
  // First momentum step: b = g, w = 1 - 0.1 * 2.
  for (double v : p.to_vector<double>()) CHECK(v == doctest::Approx(0.8).epsilon(1e-7));
  opt.zero_grad();
  CHECK(!p.grad().defined());
  const nn::NamedTensors s = opt.state();
  REQUIRE(s.size() == 2);
  CHECK(s[1].first == "0.momentum_buffer");
  for (double v : s[1].second.to_vector<double>()) CHECK(v == 2.0);
}
