// Where a pre-training run computes: the device, precision and CUDA-backend
// fields of the config (JSON, validation, the data-parallel mixes), the clear
// error of --device cuda without a GPU, and bf16 autocast on the CPU for every
// method. The CUDA runs themselves are tested in tests/cuda/test_cuda_pretrain.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "facebench/pretrain/checkpoint.h"
#include "facebench/pretrain/config.h"
#include "facebench/pretrain/trainer.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops.h"
#include "tiny_run.h"

using namespace fb;
namespace fs = std::filesystem;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("config: device, precision and cuda_backend default to cpu, f32, own and survive the JSON round trip") {
  pretrain::Config c;
  CHECK(c.device == "cpu");
  CHECK(c.precision == "f32");
  CHECK(c.cuda_backend == "own");
  c.device = "cuda";
  c.precision = "bf16";
  c.cuda_backend = "vendor";
  const pretrain::Config back = pretrain::from_json(nlohmann::json::parse(pretrain::to_json(c).dump()));
  CHECK(back.device == "cuda");
  CHECK(back.precision == "bf16");
  CHECK(back.cuda_backend == "vendor");
  // A config written before these fields existed keeps the defaults.
  nlohmann::json old = pretrain::to_json(pretrain::Config{});
  old.erase("device");
  old.erase("precision");
  old.erase("cuda_backend");
  CHECK(pretrain::from_json(old).device == "cpu");
}

TEST_CASE("config: bad device, precision or backend values and the wrong data-parallel backend are named") {
  auto bad = [](auto change) {
    pretrain::Config c;
    change(c);
    return error_of([&] { pretrain::validate(c); });
  };
  CHECK(bad([](pretrain::Config& c) { c.device = "gpu"; }).find("--device must be cpu or cuda") != std::string::npos);
  CHECK(bad([](pretrain::Config& c) { c.precision = "f16"; }).find("--precision must be f32 or bf16") !=
        std::string::npos);
  CHECK(bad([](pretrain::Config& c) { c.cuda_backend = "cudnn"; }).find("--cuda-backend must be own or vendor") !=
        std::string::npos);
  CHECK(error_of([] { pretrain::check_dist_device("cuda", "mpi"); }).find("--dist mpi reduces CPU tensors") !=
        std::string::npos);
  CHECK(error_of([] { pretrain::check_dist_device("cpu", "nccl"); }).find("--dist nccl reduces GPU tensors") !=
        std::string::npos);
  CHECK(error_of([] { pretrain::check_dist_device("cpu", "mpi"); }).empty());
  CHECK(error_of([] { pretrain::check_dist_device("cuda", "nccl"); }).empty());
  CHECK(error_of([] { pretrain::check_dist_device("cuda", "none"); }).empty());
}

TEST_CASE("--device cuda without a usable GPU stops with a clear error before writing anything") {
  if (cuda::device_count() > 0) {
    MESSAGE("skipped: this machine has a CUDA device");
    return;
  }
  pretrain::Config c = fbtest::tiny_run("swav");
  c.device = "cuda";
  const std::string dir = fbtest::scratch_dir("device_no_gpu");
  pretrain::RunOptions o;
  o.progress = false;
  const std::string msg = error_of([&] { pretrain::run_pretraining(c, dir, o); });
  CAPTURE(msg);
  CHECK(msg.find("pretrain: --device cuda") != std::string::npos);
  // Which of the two it is: a build without CUDA, or no device in this one.
  CHECK(msg.find(cuda::compiled_with_cuda() ? "no usable CUDA device" : "-DFB_CUDA=ON") != std::string::npos);
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("bf16 autocast on the CPU: every method trains with finite losses near the f32 run's and f32 weights") {
  for (const std::string method : {"supervised", "swav", "moco", "simclr"}) {
    CAPTURE(method);
    pretrain::Config c = fbtest::tiny_run(method);
    c.max_steps = 4;
    pretrain::RunOptions o;
    o.progress = false;
    const std::string f32_dir = fbtest::scratch_dir("device_f32_" + method),
                      bf16_dir = fbtest::scratch_dir("device_bf16_" + method);
    pretrain::run_pretraining(c, f32_dir, o);
    c.precision = "bf16";
    pretrain::run_pretraining(c, bf16_dir, o);
    const auto f32_losses = fbtest::logged_losses(f32_dir), bf16_losses = fbtest::logged_losses(bf16_dir);
    REQUIRE(bf16_losses.size() == 4);
    REQUIRE(f32_losses.size() == 4);
    for (double l : bf16_losses) CHECK(std::isfinite(l));
    // Same seed, weights and batch: the first loss differs only by bf16
    // rounding of the products' operands (8 significant bits), compounded
    // over the network's ~20 products and, for the contrastive losses,
    // divided by their temperature (0.2): measured 0.4-0.7% for supervised
    // and SwAV, 2% for SimCLR, 4% for MoCo (whose positive pairs come from
    // two encoders' passes, so their rounding does not cancel).
    MESSAGE(method, ": first loss f32 ", f32_losses[0], ", bf16 ", bf16_losses[0], "; last f32 ", f32_losses.back(),
            ", bf16 ", bf16_losses.back());
    CHECK(std::abs(bf16_losses[0] - f32_losses[0]) <= 0.08 * std::abs(f32_losses[0]));
    // No step blows up: every loss stays within a factor 2 of the f32 run's.
    for (size_t i = 0; i < bf16_losses.size(); ++i) CHECK(bf16_losses[i] <= 2 * f32_losses[i] + 0.5);
    // The master weights stay f32, and the bf16 run did round: they differ.
    const pretrain::TrainingState f32_state = pretrain::load_checkpoint(f32_dir),
                                  bf16_state = pretrain::load_checkpoint(bf16_dir);
    CHECK(nlohmann::json::parse(bf16_state.config_json).at("precision") == "bf16");
    double max_diff = 0;
    for (size_t i = 0; i < bf16_state.model.size(); ++i) {
      const Tensor& t = bf16_state.model[i].second;
      if (!is_floating(t.dtype())) continue;
      INFO(bf16_state.model[i].first);
      CHECK(t.dtype() == DType::f32);
      CHECK(ops::all_finite(t));
      max_diff = std::max(max_diff, ops::max_abs_diff(t, f32_state.model[i].second));
    }
    CHECK(max_diff > 0);
    fs::remove_all(f32_dir);
    fs::remove_all(bf16_dir);
  }
}
