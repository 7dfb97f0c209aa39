// Benchmarks the own CUDA GEMM and implicit-GEMM convolutions against cuBLAS
// and cuDNN, side by side in one run: median time over repeats (CUDA events),
// TFLOP/s, own/vendor throughput ratio, and the relative difference between
// the two results as a sanity check. bf16 rows also time the own engine with
// its wgmma loop fed by cp.async only ("cp.async ms": differs from the
// default for matmul, whose default is the TMA-fed loop) and with the
// portable WMMA loop forced ("wmma ms"), which shows what the Hopper loops
// gain where they run (elsewhere all three are the WMMA loop).
//
//   fb_cuda_bench [--json PATH] [--quick]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "kernels/cuda/backend.h"
#include "kernels/ops.h"
#include "tensor/cuda/runtime.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
using fb::kernels::CudaBackend;
using fb::kernels::CudaBackendGuard;
using fb::kernels::CudaMmaPath;
using fb::kernels::CudaMmaPathGuard;
using fb::kernels::Fp32Math;

namespace {

struct Row {
  std::string name, dtype;
  double flops;
  double own_ms, vendor_ms, rel_diff;
  double cpasync_ms, wmma_ms;  // bf16 only (0 otherwise): own engine on those loops
};

// Median of `reps` timed calls after `warmup` untimed ones.
double time_ms(const std::function<void()>& f, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  cuda::Event a, b;
  for (int i = 0; i < reps; ++i) {
    a.record();
    f();
    b.record();
    b.synchronize();
    t.push_back(a.elapsed_ms(b));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

Tensor rand_on_gpu(const Shape& s, DType dt, Generator& gen) {
  return uniform(s, -1.0, 1.0, gen, DType::f32).to(dt).to(Device::cuda());
}

Row measure(const std::string& name, DType dt, Fp32Math math, double flops, const std::function<Tensor()>& op,
            int warmup, int reps) {
  Row r{name, dt == DType::bf16 ? "bf16" : (math == Fp32Math::Tf32 ? "tf32" : "f32"), flops, 0, 0, 0, 0, 0};
  Tensor own, ven;
  {
    CudaBackendGuard g(CudaBackend::Own, math);
    own = op();
    r.own_ms = time_ms([&] { op(); }, warmup, reps);
    if (dt == DType::bf16) {
      {
        CudaMmaPathGuard c(CudaMmaPath::CpAsync);
        r.cpasync_ms = time_ms([&] { op(); }, warmup, reps);
      }
      CudaMmaPathGuard w(CudaMmaPath::Wmma);
      r.wmma_ms = time_ms([&] { op(); }, warmup, reps);
    }
  }
  {
    CudaBackendGuard g(CudaBackend::Vendor, math);
    ven = op();
    r.vendor_ms = time_ms([&] { op(); }, warmup, reps);
  }
  r.rel_diff = ops::rel_error(own.to(Device::cpu()).to(DType::f64), ven.to(Device::cpu()).to(DType::f64));
  const double own_t = flops / r.own_ms / 1e9, ven_t = flops / r.vendor_ms / 1e9;
  std::printf("%-34s %-5s %9.3f %9.3f %8.1f %8.1f %6.2f  %.1e  ", name.c_str(), r.dtype.c_str(), r.own_ms,
              r.vendor_ms, own_t, ven_t, ven_t > 0 ? own_t / ven_t : 0.0, r.rel_diff);
  if (r.wmma_ms > 0) std::printf("%11.3f %9.3f", r.cpasync_ms, r.wmma_ms);
  else std::printf("%11s %9s", "-", "-");
  std::printf("\n");
  std::fflush(stdout);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else {
      std::fprintf(stderr, "usage: fb_cuda_bench [--json PATH] [--quick]\n");
      return 2;
    }
  }
  if (cuda::device_count() == 0) {
    std::printf("fb_cuda_bench: skipped: no CUDA device (%s)\n", cuda::unavailable_reason().c_str());
    return 0;
  }
  try {
    cuda::init();
    const std::string dev = cuda::device_name(0);
    std::printf("device: %s; own bf16 main loop: %s\n", dev.c_str(), kernels::cuda_bf16_main_loop());
    std::printf("%-34s %-5s %9s %9s %8s %8s %6s  %-7s  %11s %9s\n", "problem", "type", "own ms", "vend ms",
                "own TF/s", "vend TF/s", "ratio", "rel diff", "cp.async ms", "wmma ms");
    const int warmup = 3, reps = quick ? 5 : 15;
    Generator gen(7);
    std::vector<Row> rows;

    // GEMM 4096^3 (bf16; f32 exact; f32 with TF32).
    const int64_t n = quick ? 2048 : 4096;
    for (auto [dt, math] : {std::pair{DType::bf16, Fp32Math::Exact}, std::pair{DType::f32, Fp32Math::Tf32},
                            std::pair{DType::f32, Fp32Math::Exact}}) {
      Tensor a = rand_on_gpu({n, n}, dt, gen), b = rand_on_gpu({n, n}, dt, gen);
      rows.push_back(measure("gemm " + std::to_string(n) + "^3", dt, math, 2.0 * n * n * n,
                             [&] { return kernels::matmul(a, b); }, warmup, reps));
    }

    // ResNet-50's 3x3 convolutions (stride 1, pad 1), batch 32, bf16:
    // forward, input gradient and weight gradient.
    struct Shp {
      int64_t hw, c;
    };
    const int64_t N = quick ? 8 : 32;
    for (Shp s : {Shp{56, 64}, Shp{28, 128}, Shp{14, 256}, Shp{7, 512}}) {
      kernels::Conv2dParams p;
      p.pad_h = p.pad_w = 1;
      const DType dt = DType::bf16;
      Tensor x = rand_on_gpu({N, s.hw, s.hw, s.c}, dt, gen), w = rand_on_gpu({s.c, s.c, 3, 3}, dt, gen);
      Tensor dy = rand_on_gpu({N, s.hw, s.hw, s.c}, dt, gen);
      const double fl = 2.0 * N * s.hw * s.hw * s.c * s.c * 9;
      const std::string tag = "conv3x3 " + std::to_string(s.hw) + "x" + std::to_string(s.hw) + "x" +
                              std::to_string(s.c) + " b" + std::to_string(N);
      rows.push_back(measure(tag + " fwd", dt, Fp32Math::Exact, fl,
                             [&] { return kernels::conv2d_forward(x, w, Tensor(), p); }, warmup, reps));
      rows.push_back(measure(tag + " dgrad", dt, Fp32Math::Exact, fl,
                             [&] { return kernels::conv2d_backward_input(dy, w, x.shape(), p); }, warmup, reps));
      rows.push_back(measure(tag + " wgrad", dt, Fp32Math::Exact, fl,
                             [&] { return kernels::conv2d_backward_weight(dy, x, w.shape(), p); }, warmup, reps));
    }

    if (!json.empty()) {
      std::ofstream f(json);
      f << "{\n  \"device\": \"" << dev << "\",\n  \"bf16_main_loop\": \"" << kernels::cuda_bf16_main_loop()
        << "\",\n  \"results\": [\n";
      for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        f << "    {\"problem\": \"" << r.name << "\", \"dtype\": \"" << r.dtype << "\", \"flops\": " << r.flops
          << ", \"own_ms\": " << r.own_ms << ", \"vendor_ms\": " << r.vendor_ms
          << ", \"own_over_vendor\": " << r.vendor_ms / r.own_ms << ", \"rel_diff\": " << r.rel_diff;
        if (r.wmma_ms > 0) f << ", \"own_cpasync_ms\": " << r.cpasync_ms << ", \"own_wmma_ms\": " << r.wmma_ms;
        f << "}"
          << (i + 1 < rows.size() ? ",\n" : "\n");
      }
      f << "  ]\n}\n";
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fb_cuda_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
