// ResNet-18 and ResNet-50 (width 1/8) against PyTorch 1.13: forward in eval
// and train mode, the loss, every parameter gradient and the updated running
// statistics. Fixtures: tests/golden/make_resnet_golden.py.
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

void check_against_torch(const std::string& file, const std::string& arch, kernels::CpuBackend backend) {
  kernels::CpuBackendGuard guard(backend);
  Golden g = load(file);
  nn::ResNetConfig cfg;
  cfg.arch = arch;
  cfg.width = 0.125;
  for (auto& [n, v] : g.state)
    if (n == "fc.weight") cfg.num_classes = v.size(0);
  auto net = nn::make_resnet(cfg);
  net->load_state_dict(g.state, true);
  Tensor x = g.t.at("input").permute({0, 2, 3, 1}).contiguous();
  const char* be = kernels::cpu_backend_name(backend);

  net->eval();
  {
    autograd::NoGradGuard ng;
    double e = ops::rel_error(net->forward(x), g.t.at("logits_eval"));
    std::printf("golden %s [%s] eval logits rel err %.2e\n", arch.c_str(), be, e);
    CHECK(e <= 1e-5);
  }

  net->train();
  Tensor logits = net->forward(x);
  Tensor loss = cross_entropy(logits, g.t.at("labels"));
  double el = ops::rel_error(logits, g.t.at("logits_train"));
  double eloss = ops::rel_error(loss.reshape({1}), g.t.at("loss"));
  std::printf("golden %s [%s] train logits rel err %.2e, loss rel err %.2e\n", arch.c_str(), be, el, eloss);
  CHECK(el <= 1e-5);
  CHECK(eloss <= 1e-5);
  autograd::backward(loss);

  double worst = 0;
  std::string worst_name;
  int n_params = 0;
  for (auto& [n, p] : net->named_parameters()) {
    REQUIRE_MESSAGE(p.grad().defined(), "no gradient for ", n);
    double e = ops::rel_error(p.grad(), g.t.at("grad." + n));
    INFO("parameter ", n);
    CHECK(e <= 1e-4);
    if (e > worst) worst = e, worst_name = n;
    ++n_params;
  }
  std::printf("golden %s [%s] %d parameter gradients, worst rel err %.2e (%s)\n", arch.c_str(), be, n_params, worst,
              worst_name.c_str());
  double worst_stat = 0;
  for (auto& [n, b] : net->named_buffers()) {
    if (n.find("running") == std::string::npos) continue;
    worst_stat = std::max(worst_stat, ops::rel_error(b, g.t.at("after." + n)));
  }
  std::printf("golden %s [%s] running statistics after one train step, worst rel err %.2e\n", arch.c_str(), be,
              worst_stat);
  CHECK(worst_stat <= 1e-5);
  for (auto& [n, b] : net->named_buffers())
    if (n.find("num_batches_tracked") != std::string::npos) CHECK(b.item() == 8.0);  // 7 in the fixture + 1
}

}  // namespace

TEST_CASE("ResNet-18 matches PyTorch (forward, loss, gradients, running stats)") {
  check_against_torch("resnet18_w0125.safetensors", "resnet18", kernels::CpuBackend::Cpu);
  check_against_torch("resnet18_w0125.safetensors", "resnet18", kernels::CpuBackend::Reference);
}

TEST_CASE("ResNet-50 matches PyTorch (forward, loss, gradients, running stats)") {
  check_against_torch("resnet50_w0125.safetensors", "resnet50", kernels::CpuBackend::Cpu);
  check_against_torch("resnet50_w0125.safetensors", "resnet50", kernels::CpuBackend::Reference);
}
