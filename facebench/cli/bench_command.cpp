// `facebench bench kernels` and `facebench bench train`: the kernel
// benchmark (ours vs OpenBLAS / oneDNN in one process, % of the measured
// machine peak, optional JSON and roofline PNG) and the end-to-end ResNet
// training / inference throughput that scripts/bench_torch.py compares with
// PyTorch. Timing goes through fb::bench::time_it on a std::function, so a
// device backend only has to synchronise inside the timed callable.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "kernels/bench/kernel_bench.h"
#include "kernels/bench/machine.h"
#include "kernels/bench/roofline.h"
#include "kernels/cuda/backend.h"
#include "kernels/cpu/isa.h"
#include "kernels/cpu/profile.h"
#include "nn/autocast.h"
#include "nn/functional.h"
#include "nn/optim.h"
#include "nn/resnet.h"
#include "tensor/cuda/runtime.h"
#include "tensor/random.h"

namespace fb::cli {
namespace {

struct KernelArgs {
  std::string op = "all", shapes, baseline, json, plot, device = "cpu";
  int threads = 0;
  double min_seconds = 0.5;
};

struct TrainArgs {
  std::string arch = "resnet18", json, device = "cpu", precision = "f32", backend = "own";
  int64_t res = 112, batch = 32, steps = 10, warmup = 2, classes = 1000;
  int threads = 0;
  bool scaling = false;
};

// Checks --device; `wired` says whether the subcommand runs on CUDA.
void check_device(const std::string& device, bool wired) {
  if (device != "cpu" && device != "cuda") throw std::runtime_error("bench: --device must be cpu or cuda");
  if (device == "cpu") return;
  if (!cuda::compiled_with_cuda())
    throw std::runtime_error("bench: --device cuda needs a build with the CUDA backend (configure with -DFB_CUDA=ON)");
  if (!wired)
    throw std::runtime_error(
        "bench kernels: --device cuda is measured by fb_cuda_bench (own kernels vs cuBLAS/cuDNN), built with CUDA");
  if (cuda::device_count() == 0)
    throw std::runtime_error("bench: --device cuda: no usable CUDA device (" + cuda::unavailable_reason() + ")");
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

double load_average() {
  double l = -1;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = -1;
    std::fclose(f);
  }
  return l;
}

void print_machine(const bench::MachinePeaks& m) {
  std::printf("machine: %d threads, isa %s, FMA peak %.1f GFLOP/s (avx2 %.1f, avx512 %.1f), triad bandwidth %.1f GB/s, "
              "load average %.2f\n",
              m.threads, m.isa, m.fma_gflops, m.fma_gflops_avx2, m.fma_gflops_avx512, m.bandwidth_gbs,
              load_average());
}

void run_kernels(const KernelArgs& a) {
  check_device(a.device, false);
  if (a.threads > 0) omp_set_num_threads(a.threads);
  const int threads = omp_get_max_threads();
  bench::BenchOptions o;
  o.op = a.op;
  // Semicolons separate GEMM shapes; spaces (several CLI tokens) too.
  o.shapes = a.shapes;
  std::replace(o.shapes.begin(), o.shapes.end(), ' ', ';');
  o.baselines = split_commas(a.baseline);
  o.timing.min_seconds = a.min_seconds;
  std::fprintf(stderr, "measuring the machine...\n");
  const bench::MachinePeaks m = bench::measure_machine(threads);
  print_machine(m);
  const auto cases = bench::run_kernel_bench(o, [](const std::string& s) { std::fprintf(stderr, "  %s\n", s.c_str()); });

  std::printf("%-20s %-34s %9s %9s %8s %7s %9s %9s\n", "op", "shape", "ms", "GFLOP/s", "GB/s", "%peak", "x openblas",
              "x onednn");
  for (const auto& c : cases) {
    const bool compute = c.flops / std::max(1.0, c.bytes) > m.fma_gflops / m.bandwidth_gbs * 0.5;
    const double pct = compute ? 100 * c.gflops() / m.fma_gflops : 100 * c.gbs() / m.bandwidth_gbs;
    auto ratio = [&](const char* n) {
      char b[16];
      const double r = c.ratio(n);
      if (r > 0)
        std::snprintf(b, sizeof b, "%.2f", r);
      else
        std::snprintf(b, sizeof b, "-");
      return std::string(b);
    };
    std::printf("%-20s %-34s %9.3f %9.1f %8.1f %6.1f%s %9s %9s\n", c.op.c_str(), c.shape.c_str(),
                c.ours.median_s * 1e3, c.gflops(), c.gbs(), pct, compute ? "F" : "B", ratio("openblas").c_str(),
                ratio("onednn").c_str());
  }
  std::printf("(%%peak: F = of the FMA peak, B = of the memory bandwidth; x baseline = baseline time / our time, "
              "> 1 means faster; medians; load average now %.2f)\n"
              "(convolution GFLOP/s count the direct algorithm's operations; 3x3 stride-1 layers run Winograd "
              "F(4x4,3x3) or F(2x2,3x3), 4x or 2.25x fewer multiplications, so their %%peak can pass 100)\n",
              load_average());

  if (!a.json.empty()) {
    nlohmann::json j;
    j["machine"] = {{"threads", m.threads},       {"isa", m.isa},
                    {"fma_gflops", m.fma_gflops}, {"fma_gflops_avx2", m.fma_gflops_avx2},
                    {"fma_gflops_avx512", m.fma_gflops_avx512}, {"bandwidth_gbs", m.bandwidth_gbs},
                    {"load_average", load_average()}};
    j["cases"] = nlohmann::json::array();
    for (const auto& c : cases) {
      nlohmann::json e = {{"op", c.op},
                          {"shape", c.shape},
                          {"flops", c.flops},
                          {"bytes", c.bytes},
                          {"median_s", c.ours.median_s},
                          {"min_s", c.ours.min_s},
                          {"repeats", c.ours.repeats},
                          {"gflops", c.gflops()},
                          {"gbs", c.gbs()},
                          {"fraction_of_peak", c.gflops() / m.fma_gflops}};
      for (const auto& [name, t] : c.baselines)
        e["baselines"][name] = {{"median_s", t.median_s}, {"ratio", c.ratio(name)}};
      if (!c.note.empty()) e["baseline_impl"] = c.note;
      j["cases"].push_back(e);
    }
    std::ofstream(a.json) << j.dump(2) << "\n";
    std::fprintf(stderr, "wrote %s\n", a.json.c_str());
  }
  if (!a.plot.empty()) {
    bench::write_roofline_png(a.plot, m, cases);
    std::fprintf(stderr, "wrote %s\n", a.plot.c_str());
  }
}

void run_train_bench(const TrainArgs& a) {
  check_device(a.device, true);
  FB_CHECK(a.batch >= 2 && a.res >= 32 && a.steps >= 1, "bench train: need --batch >= 2, --res >= 32, --steps >= 1");
  const bool on_cuda = a.device == "cuda";
  FB_CHECK(on_cuda || a.precision != "tf32",
           "bench train: --precision tf32 is a CUDA tensor-core mode (use f32 or bf16)");
  if (a.threads > 0) omp_set_num_threads(a.threads);
  const Device dev = on_cuda ? Device::cuda() : Device::cpu();
  // Precision: bf16 = autocast (bf16 products, f32 master weights and
  // reductions); tf32 = f32 tensors, TF32 tensor cores for the products.
  AutocastGuard autocast(a.precision == "bf16" ? DType::bf16 : DType::f32);
  kernels::CudaBackendGuard backend(a.backend == "vendor" ? kernels::CudaBackend::Vendor : kernels::CudaBackend::Own,
                                    a.precision == "tf32" ? kernels::Fp32Math::Tf32 : kernels::Fp32Math::Exact);
  nn::manual_seed(1);
  nn::ResNetConfig cfg;
  cfg.arch = a.arch;
  cfg.num_classes = a.classes;
  auto net = nn::make_resnet(cfg);
  net->to(dev);
  nn::SGD opt(net->parameters(), 0.01, nn::SGDOptions{0.9, 0, 1e-4, false});
  Generator gen(2);
  Tensor labels = Tensor::empty({a.batch}, DType::i64);
  for (int64_t i = 0; i < a.batch; ++i) labels.data<int64_t>()[i] = (i * 7919) % a.classes;
  const Tensor x = randn({a.batch, a.res, a.res, 3}, gen, DType::f32).to(dev);
  labels = labels.to(dev);
  // Work on a GPU is asynchronous: each timed call waits for it to finish.
  auto finish = [&] {
    if (on_cuda) cuda::synchronize();
  };
  auto train_step = [&] {
    Tensor loss = fb::cross_entropy(net->forward(x), labels);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
  };

  bench::TimingOptions to;
  to.warmup = int(a.warmup);
  to.min_repeats = int(a.steps);
  to.max_repeats = int(a.steps);
  to.min_seconds = 0;
  auto measure = [&] {
    net->train();
    const bench::Timing train = bench::time_it(
        [&] {
          train_step();
          finish();
        },
        to);
    net->eval();
    const bench::Timing infer = bench::time_it(
        [&] {
          autograd::NoGradGuard ng;
          Tensor y = net->forward(x);
          finish();
        },
        to);
    return std::make_pair(train, infer);
  };
  const auto [tr, inf] = measure();
  const double train_ips = double(a.batch) / tr.median_s, infer_ips = double(a.batch) / inf.median_s;

  // Where a CPU training step's time goes: two more steps with the kernel
  // profiler on; "other" is everything outside the CPU kernels (elementwise
  // tensor ops, autograd bookkeeping, allocation, the optimizer).
  nlohmann::json jprof = nlohmann::json::array();
  if (!on_cuda) {
    net->train();
    kernels::cpu::profile_reset();
    kernels::cpu::set_profiling(true);
    const int prof_steps = 2;
    const double p0 = bench::now_seconds();
    for (int i = 0; i < prof_steps; ++i) train_step();
    const double prof_total = (bench::now_seconds() - p0) / prof_steps;
    kernels::cpu::set_profiling(false);
    const auto prof = kernels::cpu::profile_snapshot();
    std::printf("training step profile (%.1f ms per step):\n", prof_total * 1e3);
    double in_kernels = 0;
    for (const auto& e : prof) {
      const double per_step = e.seconds / prof_steps;
      in_kernels += per_step;
      std::printf("  %-30s %9.1f ms %5.1f%%  (%ld calls)\n", e.name.c_str(), per_step * 1e3,
                  100 * per_step / prof_total, e.calls / prof_steps);
      jprof.push_back({{"kernel", e.name}, {"seconds_per_step", per_step}, {"calls_per_step", e.calls / prof_steps}});
    }
    std::printf("  %-30s %9.1f ms %5.1f%%\n", "other (outside CPU kernels)", (prof_total - in_kernels) * 1e3,
                100 * (prof_total - in_kernels) / prof_total);
    kernels::cpu::profile_reset();
  }
  // Parallel efficiency: the same steps on one thread; efficiency =
  // time on 1 / (threads x time on all).
  const int threads = omp_get_max_threads();
  double train_eff = 0, infer_eff = 0;
  if (a.scaling && !on_cuda && threads > 1) {
    omp_set_num_threads(1);
    const auto [tr1, inf1] = measure();
    omp_set_num_threads(threads);
    train_eff = tr1.median_s / (threads * tr.median_s);
    infer_eff = inf1.median_s / (threads * inf.median_s);
    std::printf("parallel efficiency on %d threads: train %.2f (1 thread: %.1f img/s), inference %.2f (%.1f img/s)\n",
                threads, train_eff, double(a.batch) / tr1.median_s, infer_eff, double(a.batch) / inf1.median_s);
  }
  const std::string where = on_cuda ? cuda::device_name() + " backend " + a.backend +
                                          (a.backend == "own" ? std::string(" (bf16 loop ") +
                                                                    kernels::cuda_bf16_main_loop() + ")"
                                                              : std::string())
                                    : "threads " + std::to_string(omp_get_max_threads()) + " isa " +
                                          kernels::cpu::isa_name(kernels::cpu::active_isa());
  std::printf("facebench %s res %lld batch %lld %s precision %s: train %.1f img/s (median step %.1f ms), "
              "inference %.1f img/s (median %.1f ms), load average %.2f\n",
              a.arch.c_str(), (long long)a.res, (long long)a.batch, where.c_str(), a.precision.c_str(), train_ips,
              tr.median_s * 1e3, infer_ips, inf.median_s * 1e3, load_average());
  if (!a.json.empty()) {
    nlohmann::json j = {{"framework", "facebench"},
                        {"arch", a.arch},
                        {"res", a.res},
                        {"batch", a.batch},
                        {"device", on_cuda ? cuda::device_name() : std::string("cpu")},
                        {"precision", a.precision},
                        {"backend", on_cuda ? a.backend : std::string("cpu")},
                        {"bf16_main_loop", on_cuda && a.backend == "own" ? kernels::cuda_bf16_main_loop() : "-"},
                        {"threads", omp_get_max_threads()},
                        {"train_images_per_s", train_ips},
                        {"train_step_median_s", tr.median_s},
                        {"inference_images_per_s", infer_ips},
                        {"inference_median_s", inf.median_s},
                        {"load_average", load_average()},
                        {"train_step_profile", jprof}};
    if (train_eff > 0) j["parallel_efficiency"] = {{"train", train_eff}, {"inference", infer_eff}};
    std::ofstream(a.json) << j.dump(2) << "\n";
  }
}

}  // namespace

void register_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Benchmarks: kernels vs OpenBLAS/oneDNN, ResNet training throughput, all-reduce bandwidth");
  bench->require_subcommand(1);

  auto k = std::make_shared<KernelArgs>();
  CLI::App* kc = bench->add_subcommand("kernels", "Time CPU kernels against the machine's peaks and baselines");
  kc->add_option("--op", k->op, "gemm | conv | bn | pool | softmax_ce | all")->capture_default_str();
  kc->add_option("--shapes", k->shapes, "resnet18 | resnet50 | M,N,K[;M,N,K...] (GEMM shapes)");
  kc->add_option("--baseline", k->baseline, "Comma list: openblas, onednn");
  kc->add_option("--json", k->json, "Write the results as JSON");
  kc->add_option("--plot", k->plot, "Write a roofline plot (PNG)");
  kc->add_option("--threads", k->threads, "Threads (0: all)")->capture_default_str();
  kc->add_option("--min-seconds", k->min_seconds, "Minimum sampling time per case")->capture_default_str();
  kc->add_option("--device", k->device, "cpu | cuda")->capture_default_str();
  kc->callback([k] { run_kernels(*k); });

  auto t = std::make_shared<TrainArgs>();
  CLI::App* tc = bench->add_subcommand("train", "ResNet training and inference images/s on random data");
  tc->add_option("--arch", t->arch, "Architecture")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  tc->add_option("--res", t->res, "Input side in pixels")->capture_default_str();
  tc->add_option("--batch", t->batch, "Batch size")->capture_default_str();
  tc->add_option("--steps", t->steps, "Timed steps (median reported)")->capture_default_str();
  tc->add_option("--warmup", t->warmup, "Untimed warm-up steps")->capture_default_str();
  tc->add_option("--threads", t->threads, "Threads (0: all)")->capture_default_str();
  tc->add_option("--json", t->json, "Write the results as JSON");
  tc->add_flag("--scaling", t->scaling, "CPU: also time one thread and report the parallel efficiency");
  tc->add_option("--device", t->device, "cpu | cuda")->capture_default_str();
  tc->add_option("--precision", t->precision,
                 "f32 | bf16 (bf16 products, f32 master weights) | tf32 (CUDA: TF32 tensor cores for f32)")
      ->check(CLI::IsMember({"f32", "bf16", "tf32"}))
      ->capture_default_str();
  tc->add_option("--backend", t->backend, "CUDA products: own kernels or vendor (cuBLAS/cuDNN)")
      ->check(CLI::IsMember({"own", "vendor"}))
      ->capture_default_str();
  tc->callback([t] { run_train_bench(*t); });

  register_bench_allreduce(*bench);
}

}  // namespace fb::cli
