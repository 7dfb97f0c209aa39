// ResNet-18 (width 1/8) and ResNet-50 (width 1/16) against PyTorch 1.13:
// forward in eval and train mode, the loss, every parameter gradient and the
// updated running statistics, in float64 (exact agreement expected) and
// float32. Fixtures: tests/golden/make_resnet_golden.py.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "kernels/backend.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/resnet.h"

using namespace fb;

namespace {

struct Golden {
  nn::NamedTensors state;
  std::map<std::string, Tensor> t;  // everything else, by name
};

Golden load(const std::string& file) {
  Golden g;
  for (auto& [n, v] : checkpoint::load_safetensors(std::string(FB_TEST_DATA_DIR) + "/golden/" + file)) {
    if (n.rfind("state.", 0) == 0)
      g.state.emplace_back(n.substr(6), v);
    else
      g.t[n] = v;
  }
  return g;
}

// The bound for a float32 result: the acceptance level, or 4x PyTorch's own
// float32 error on the same tensor where the network makes that larger
// (small batch-norm groups deep in the net amplify rounding).
double f32_bound(const Golden& g, const std::string& key, double acceptance) {
  return std::max(acceptance, 4 * g.t.at("torch_f32_err." + key).item());
}

void check_against_torch(const std::string& file, const std::string& arch, double width, kernels::CpuBackend backend,
                         DType dtype) {
  kernels::CpuBackendGuard guard(backend);
  Golden g = load(file);
  nn::ResNetConfig cfg;
  cfg.arch = arch;
  cfg.width = width;
  for (auto& [n, v] : g.state)
    if (n == "fc.weight") cfg.num_classes = v.size(0);
  auto net = nn::make_resnet(cfg);
  net->load_state_dict(g.state, true);
  net->to(dtype);
  Tensor x = g.t.at("input").to(dtype).permute({0, 2, 3, 1}).contiguous();
  const bool f64 = dtype == DType::f64;
  const char* be = kernels::cpu_backend_name(backend);
  const char* dt = dtype_name(dtype);
  // float64 must agree with PyTorch's float64 to rounding; float32 within its noise.
  auto bound = [&](const std::string& key, double acceptance) { return f64 ? 1e-10 : f32_bound(g, key, acceptance); };

  net->eval();
  {
    autograd::NoGradGuard ng;
    double e = ops::rel_error(net->forward(x), g.t.at("logits_eval"));
    std::printf("golden %s [%s %s] eval logits rel err %.2e\n", arch.c_str(), be, dt, e);
    CHECK(e <= bound("logits_eval", 1e-5));
  }

  net->train();
  Tensor logits = net->forward(x);
  Tensor loss = cross_entropy(logits, g.t.at("labels"));
  double el = ops::rel_error(logits, g.t.at("logits_train"));
  double eloss = ops::rel_error(loss.reshape({1}), g.t.at("loss"));
  std::printf("golden %s [%s %s] train logits rel err %.2e (bound %.1e), loss rel err %.2e\n", arch.c_str(), be, dt,
              el, bound("logits_train", 1e-5), eloss);
  CHECK(el <= bound("logits_train", 1e-5));
  CHECK(eloss <= bound("loss", 1e-5));
  autograd::backward(loss);

  double worst = 0;
  std::string worst_name;
  int n_params = 0, at_acceptance = 0;
  for (auto& entry : net->named_parameters()) {
    const std::string& n = entry.first;  // capturable by INFO, unlike a structured binding (clang 14)
    auto& p = entry.second;
    REQUIRE_MESSAGE(p.grad().defined(), "no gradient for ", n);
    double e = ops::rel_error(p.grad(), g.t.at("grad." + n));
    INFO("parameter ", n, " torch f32 err ", g.t.at("torch_f32_err.grad." + n).item());
    CHECK(e <= bound("grad." + n, 1e-4));
    at_acceptance += e <= (f64 ? 1e-10 : 1e-4);
    if (e > worst) worst = e, worst_name = n;
    ++n_params;
  }
  std::printf("golden %s [%s %s] %d parameter gradients: %d within %.0e, worst rel err %.2e (%s, torch f32 err %.2e)\n",
              arch.c_str(), be, dt, n_params, at_acceptance, f64 ? 1e-10 : 1e-4, worst, worst_name.c_str(),
              g.t.at("torch_f32_err.grad." + worst_name).item());
  double worst_stat = 0;
  for (auto& [n, b] : net->named_buffers()) {
    if (n.find("running") == std::string::npos) continue;
    worst_stat = std::max(worst_stat, ops::rel_error(b, g.t.at("after." + n)));
  }
  std::printf("golden %s [%s %s] running statistics after one train step, worst rel err %.2e\n", arch.c_str(), be, dt,
              worst_stat);
  CHECK(worst_stat <= (f64 ? 1e-10 : 1e-5));
  for (auto& [n, b] : net->named_buffers())
    if (n.find("num_batches_tracked") != std::string::npos) CHECK(b.item() == 8.0);  // 7 in the fixture + 1
}

}  // namespace

TEST_CASE("ResNet-18 matches PyTorch (forward, loss, gradients, running stats)") {
  for (auto dtype : {DType::f64, DType::f32})
    for (auto backend : {kernels::CpuBackend::Cpu, kernels::CpuBackend::Reference})
      check_against_torch("resnet18_w0125.safetensors", "resnet18", 0.125, backend, dtype);
}

TEST_CASE("ResNet-50 matches PyTorch (forward, loss, gradients, running stats)") {
  for (auto dtype : {DType::f64, DType::f32})
    for (auto backend : {kernels::CpuBackend::Cpu, kernels::CpuBackend::Reference})
      check_against_torch("resnet50_w00625.safetensors", "resnet50", 0.0625, backend, dtype);
}
