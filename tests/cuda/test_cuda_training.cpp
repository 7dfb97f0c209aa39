// Whole training steps on the GPU against the same steps on the CPU: a small
// ResNet moved with Module::to(Device), forward, cross-entropy, backward
// through autograd and an SGD update, with the own kernels and with
// cuBLAS/cuDNN, in f32 and under bf16 autocast.
#include "cuda_test_util.h"

#include <string>

#include "autograd/engine.h"
#include "nn/autocast.h"
#include "nn/functional.h"
#include "nn/optim.h"
#include "nn/resnet.h"

using namespace fb;
using fbtest::gpu;

namespace {

std::shared_ptr<nn::ResNet> small_resnet() {
  nn::manual_seed(21);
  nn::ResNetConfig cfg;
  cfg.width = 0.25;
  cfg.small_input = true;
  cfg.num_classes = 10;
  return nn::make_resnet(cfg);
}

struct StepResult {
  double loss = 0;
  nn::NamedTensors grads, params, buffers;  // on the CPU
};

// One SGD step (momentum, weight decay) of `net` on (x, labels), wherever they live.
StepResult train_step(nn::ResNet& net, const Tensor& x, const Tensor& labels, DType compute) {
  nn::SGD opt(net.parameters(), 0.1, nn::SGDOptions{0.9, 0, 1e-4, false});
  net.train();
  StepResult r;
  {
    AutocastGuard autocast(compute);
    Tensor loss = cross_entropy(net.forward(x), labels);
    r.loss = loss.item();
    opt.zero_grad();
    autograd::backward(loss);
  }
  for (const auto& [n, p] : net.named_parameters()) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().device() == p.device());
    r.grads.emplace_back(n, p.grad().to(Device::cpu()));
  }
  opt.step();
  for (const auto& [n, p] : net.named_parameters()) r.params.emplace_back(n, p.to(Device::cpu()));
  for (const auto& [n, b] : net.named_buffers()) r.buffers.emplace_back(n, b.to(Device::cpu()));
  return r;
}

void compare(const StepResult& gpu_r, const StepResult& cpu_r, double loss_tol, double grad_tol, double param_tol) {
  CHECK(std::abs(gpu_r.loss - cpu_r.loss) <= loss_tol * std::abs(cpu_r.loss));
  REQUIRE(gpu_r.grads.size() == cpu_r.grads.size());
  for (size_t i = 0; i < cpu_r.grads.size(); ++i) {
    INFO("gradient of ", cpu_r.grads[i].first);
    CHECK(ops::rel_error(gpu_r.grads[i].second.to(DType::f64), cpu_r.grads[i].second.to(DType::f64)) <= grad_tol);
  }
  for (size_t i = 0; i < cpu_r.params.size(); ++i) {
    INFO("parameter ", cpu_r.params[i].first);
    CHECK(ops::rel_error(gpu_r.params[i].second.to(DType::f64), cpu_r.params[i].second.to(DType::f64)) <=
          param_tol);
  }
  for (size_t i = 0; i < cpu_r.buffers.size(); ++i) {
    INFO("buffer ", cpu_r.buffers[i].first);
    if (is_floating(cpu_r.buffers[i].second.dtype()))
      CHECK(ops::rel_error(gpu_r.buffers[i].second.to(DType::f64), cpu_r.buffers[i].second.to(DType::f64)) <=
            param_tol);
    else
      CHECK(ops::max_abs_diff(gpu_r.buffers[i].second, cpu_r.buffers[i].second) == 0.0);
  }
}

}  // namespace

TEST_CASE("cuda training: Module::to moves parameters and buffers in place") {
  FB_SKIP_WITHOUT_CUDA();
  auto net = small_resnet();
  const auto before = net->state_dict();
  std::vector<Tensor> cpu_copies;
  for (const auto& [n, t] : before) cpu_copies.push_back(t.clone());
  const Tensor first_param = net->parameters().front();  // a handle taken before the move
  net->to(Device::cuda());
  CHECK(first_param.device().is_cuda());
  const auto after = net->state_dict();
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    INFO(after[i].first);
    CHECK(after[i].second.device().is_cuda());
    CHECK(after[i].second.dtype() == cpu_copies[i].dtype());
    CHECK(ops::max_abs_diff(after[i].second.to(Device::cpu()), cpu_copies[i]) == 0.0);
  }
  net->to(Device::cpu());
  CHECK(first_param.device().is_cpu());
}

TEST_CASE("cuda training: a ResNet step on the GPU equals the CPU step (own and vendor kernels, f32 and bf16)") {
  FB_SKIP_WITHOUT_CUDA();
  struct Precision {
    DType compute;
    double loss_tol, grad_tol, param_tol;
  };
  // f32: the same sums in another order (batch-norm backward subtracts nearly
  // equal sums). bf16 autocast against bf16 autocast on the CPU: the same
  // bf16 operands, but f32 sums in another order can round to bf16
  // differently by one unit (2^-8) here and there.
  for (const Precision& pr : {Precision{DType::f32, 1e-5, 1e-3, 1e-5}, Precision{DType::bf16, 1e-2, 3e-2, 1e-3}}) {
    INFO("compute ", dtype_name(pr.compute));
    Generator gen(22);
    const Tensor x = randn({4, 16, 16, 3}, gen);
    const Tensor labels = from_vector<int64_t>({1, 7, 3, 9}, {4});
    auto cpu_net = small_resnet();
    const StepResult cpu_r = train_step(*cpu_net, x, labels, pr.compute);
    for (auto backend : {kernels::CudaBackend::Own, kernels::CudaBackend::Vendor}) {
      INFO("backend ", kernels::cuda_backend_name(backend));
      kernels::CudaBackendGuard g(backend, kernels::Fp32Math::Exact);
      auto net = small_resnet();
      net->to(Device::cuda());
      const StepResult r = train_step(*net, gpu(x), gpu(labels), pr.compute);
      for (const auto& [n, t] : r.grads) CHECK(t.dtype() == DType::f32);  // master gradients stay f32
      compare(r, cpu_r, pr.loss_tol, pr.grad_tol, pr.param_tol);
    }
  }
}
