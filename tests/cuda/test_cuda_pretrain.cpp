// Pre-training on the GPU against the same run on the CPU: every method, a
// few steps at tiny sizes from the same seed (the model is built on the CPU
// and moved, so both start from the same weights and data), in exact f32 with
// the own kernels. And checkpoints cross devices: a CUDA run's checkpoint
// resumes on the CPU with equal state, and a CPU run's continues on the GPU.
#include "cuda_test_util.h"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "facebench/pretrain/checkpoint.h"
#include "facebench/pretrain/trainer.h"
#include "pretrain/tiny_run.h"

using namespace fb;
namespace fs = std::filesystem;

namespace {

// Sums in another order (the GPU's reductions and GEMM tiling) perturb the
// last bits; a few steps of batch norm over 8 samples and LARS amplify that
// to well below these.
constexpr double kLossTol = 1e-3;   // relative, per logged step
constexpr double kStateTol = 1e-3;  // ||cuda - cpu|| / ||cpu|| per tensor

pretrain::RunOptions quiet() {
  pretrain::RunOptions o;
  o.progress = false;
  return o;
}

// Every floating tensor of `a` within kStateTol of `b`'s, integers equal.
void check_close(const nn::NamedTensors& a, const nn::NamedTensors& b, const char* what) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(what, " ", a[i].first);
    REQUIRE(a[i].first == b[i].first);
    REQUIRE(a[i].second.device().is_cpu());
    if (is_floating(b[i].second.dtype()))
      CHECK(ops::rel_error(a[i].second.to(DType::f64), b[i].second.to(DType::f64)) <= kStateTol);
    else
      CHECK(ops::max_abs_diff(a[i].second, b[i].second) == 0.0);
  }
}

void check_equal(const nn::NamedTensors& a, const nn::NamedTensors& b, const char* what) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(what, " ", a[i].first);
    REQUIRE(a[i].first == b[i].first);
    CHECK(ops::max_abs_diff(a[i].second, b[i].second) == 0.0);
  }
}

void check_losses_close(const std::vector<double>& cuda, const std::vector<double>& cpu) {
  REQUIRE(cuda.size() == cpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) {
    INFO("step ", i + 1, ": cuda ", cuda[i], " cpu ", cpu[i]);
    CHECK(std::abs(cuda[i] - cpu[i]) <= kLossTol * std::abs(cpu[i]));
  }
}

}  // namespace

TEST_CASE("pre-training on CUDA equals the CPU run of the same seed: supervised, swav, moco, simclr (f32)") {
  FB_SKIP_WITHOUT_CUDA();
  kernels::CudaBackendGuard g(kernels::CudaBackend::Own, kernels::Fp32Math::Exact);
  for (const std::string method : {"supervised", "swav", "moco", "simclr"}) {
    CAPTURE(method);
    pretrain::Config c = fbtest::tiny_run(method);
    c.max_steps = 3;
    if (method == "swav") {  // the queue too: filled from the first epoch, used from the third step
      c.swav_queue = 16;
      c.swav_queue_start_epoch = 0;
    }
    const std::string cpu_dir = fbtest::scratch_dir("cuda_vs_cpu_cpu_" + method),
                      cuda_dir = fbtest::scratch_dir("cuda_vs_cpu_cuda_" + method);
    pretrain::run_pretraining(c, cpu_dir, quiet());
    c.device = "cuda";
    pretrain::run_pretraining(c, cuda_dir, quiet());
    check_losses_close(fbtest::logged_losses(cuda_dir), fbtest::logged_losses(cpu_dir));
    const pretrain::TrainingState on_cpu = pretrain::load_checkpoint(cpu_dir),
                                  on_cuda = pretrain::load_checkpoint(cuda_dir);
    CHECK(on_cuda.step == 3);
    check_close(on_cuda.model, on_cpu.model, "model");
    check_close(on_cuda.optim, on_cpu.optim, "optimizer");
    check_close(on_cuda.extra, on_cpu.extra, "method state");
    fs::remove_all(cpu_dir);
    fs::remove_all(cuda_dir);
  }
}

TEST_CASE("a CUDA run's checkpoint resumes on the CPU with equal state, and a CPU run's continues on CUDA") {
  FB_SKIP_WITHOUT_CUDA();
  kernels::CudaBackendGuard g(kernels::CudaBackend::Own, kernels::Fp32Math::Exact);
  for (const std::string method : {"swav", "moco"}) {  // the two with state of their own (queues)
    CAPTURE(method);
    pretrain::Config c = fbtest::tiny_run(method);
    if (method == "swav") {
      c.swav_queue = 16;
      c.swav_queue_start_epoch = 0;
    }
    c.max_steps = 3;
    c.device = "cuda";
    const std::string dir = fbtest::scratch_dir("cuda_resume_" + method);
    pretrain::run_pretraining(c, dir, quiet());
    const pretrain::TrainingState written = pretrain::load_checkpoint(dir);
    // Resumed on the CPU at the step it was written: loaded and saved again, unchanged.
    pretrain::RunOptions o = quiet();
    o.resume = true;
    o.max_steps = 3;
    o.device = "cpu";
    pretrain::run_pretraining(c, dir, o);
    const pretrain::TrainingState reread = pretrain::load_checkpoint(dir);
    CHECK(reread.step == 3);
    CHECK(nlohmann::json::parse(reread.config_json).at("device") == "cpu");
    check_equal(reread.model, written.model, "model");
    check_equal(reread.optim, written.optim, "optimizer");
    check_equal(reread.extra, written.extra, "method state");

    // The other way: a CPU run to step 3 continued on CUDA to step 5 against
    // the uninterrupted CPU run.
    c.device = "cpu";
    c.max_steps = 5;
    const std::string straight = fbtest::scratch_dir("cuda_resume_straight_" + method),
                      switched = fbtest::scratch_dir("cuda_resume_switched_" + method);
    pretrain::run_pretraining(c, straight, quiet());
    c.max_steps = 3;
    pretrain::run_pretraining(c, switched, quiet());
    o.max_steps = 5;
    o.device = "cuda";
    pretrain::run_pretraining(c, switched, o);
    check_losses_close(fbtest::logged_losses(switched), fbtest::logged_losses(straight));
    const pretrain::TrainingState a = pretrain::load_checkpoint(switched), b = pretrain::load_checkpoint(straight);
    CHECK(a.step == 5);
    check_close(a.model, b.model, "model");
    check_close(a.optim, b.optim, "optimizer");
    check_close(a.extra, b.extra, "method state");
    for (const auto& d : {dir, straight, switched}) fs::remove_all(d);
  }
}
