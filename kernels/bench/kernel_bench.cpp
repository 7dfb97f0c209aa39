// Op cases for the kernel benchmark. Our kernels are called at the raw
// buffer level (kernels/cpu), like the baselines, so that no tensor
// allocation is timed; inputs are random (never zeros: denormals and
// all-zero fast paths would flatter everyone).
#include "kernels/bench/kernel_bench.h"

#include <omp.h>

#include <cstdio>
#include <random>
#include <sstream>
#include <stdexcept>

#include "kernels/bench/baselines.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/softmax_loss.h"
#include "kernels/ops.h"

namespace fb::bench {

double BenchCase::ratio(const std::string& name) const {
  const auto it = baselines.find(name);
  if (it == baselines.end() || ours.median_s <= 0) return 0;
  return it->second.median_s / ours.median_s;
}

namespace {

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::vector<float> v(n);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (float& e : v) e = d(gen);
  return v;
}

bool wants(const BenchOptions& o, const char* name) {
  for (const auto& b : o.baselines)
    if (b == name) return true;
  return false;
}

// ---- GEMM -----------------------------------------------------------------

struct GemmShape {
  int64_t M, N, K;
};

std::vector<GemmShape> gemm_shapes(const std::string& spec) {
  if (spec.empty() || spec == "default")
    return {{2048, 2048, 2048}, {1024, 1024, 1024}, {512, 512, 512}, {4096, 64, 576}, {64, 576, 4096},
            {256, 4096, 1024}};
  // The pointwise convolutions of the networks at batch 32 as GEMMs
  // [N*H*W, O] = [N*H*W, C] @ [C, O].
  if (spec == "resnet50")
    return {{32 * 56 * 56, 64, 256}, {32 * 56 * 56, 256, 64}, {32 * 28 * 28, 512, 128},
            {32 * 14 * 14, 1024, 256}, {32 * 7 * 7, 2048, 512}, {32 * 7 * 7, 512, 2048}};
  if (spec == "resnet18") return {{32 * 14 * 14, 128, 64}, {32 * 7 * 7, 256, 128}, {32 * 4 * 4, 512, 256}, {32, 1000, 512}};
  std::vector<GemmShape> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ';')) {
    GemmShape s{};
    if (std::sscanf(item.c_str(), "%ld,%ld,%ld", &s.M, &s.N, &s.K) != 3 || s.M <= 0 || s.N <= 0 || s.K <= 0)
      throw std::runtime_error("bench: --shapes expects resnet18, resnet50 or M,N,K[;M,N,K...], got '" + item + "'");
    out.push_back(s);
  }
  return out;
}

void bench_gemm(const BenchOptions& o, std::vector<BenchCase>& out,
                const std::function<void(const std::string&)>& progress) {
  const bool blas = wants(o, "openblas");
  if (blas && !openblas_available()) throw std::runtime_error("bench: --baseline openblas requested but not built in");
  for (const GemmShape& s : gemm_shapes(o.shapes)) {
    BenchCase c;
    c.op = "gemm";
    c.shape = std::to_string(s.M) + "x" + std::to_string(s.N) + "x" + std::to_string(s.K);
    if (progress) progress(c.op + " " + c.shape);
    c.flops = 2.0 * double(s.M) * double(s.N) * double(s.K);
    c.bytes = 4.0 * double(s.M * s.K + s.K * s.N + s.M * s.N);
    const auto A = random_floats(size_t(s.M * s.K), 1), B = random_floats(size_t(s.K * s.N), 2);
    std::vector<float> C(size_t(s.M * s.N));
    // Interleave ours and the baseline per repeat so that both see the same
    // machine state (a shared machine's load drifts).
    c.ours = time_it([&] { kernels::cpu::gemm<float>(false, false, s.M, s.N, s.K, 1.0f, A.data(), s.K, B.data(), s.N,
                                                     0.0f, C.data(), s.N); },
                     o.timing);
    if (blas) {
      openblas_set_threads(omp_get_max_threads());
      c.baselines["openblas"] = time_it(
          [&] { openblas_sgemm(false, false, s.M, s.N, s.K, A.data(), s.K, B.data(), s.N, C.data(), s.N); }, o.timing);
      // Second round of ours after the baseline: report the better median of
      // the two rounds for each, so that neither is penalised by ordering.
      const Timing again = time_it([&] { kernels::cpu::gemm<float>(false, false, s.M, s.N, s.K, 1.0f, A.data(), s.K,
                                                                   B.data(), s.N, 0.0f, C.data(), s.N); },
                                   o.timing);
      if (again.median_s < c.ours.median_s) c.ours = again;
      const Timing blas2 = time_it(
          [&] { openblas_sgemm(false, false, s.M, s.N, s.K, A.data(), s.K, B.data(), s.N, C.data(), s.N); }, o.timing);
      if (blas2.median_s < c.baselines["openblas"].median_s) c.baselines["openblas"] = blas2;
    }
    out.push_back(c);
  }
}

// ---- convolution --------------------------------------------------------------

struct ConvLayer {
  std::string name;
  int64_t N, H, W, C, O, K, stride, pad;
};

std::vector<ConvLayer> conv_layers(const std::string& spec) {
  if (spec.empty() || spec == "default" || spec == "resnet50")
    return {{"res50 3x3 64@56", 32, 56, 56, 64, 64, 3, 1, 1},
            {"res50 3x3 128@28", 32, 28, 28, 128, 128, 3, 1, 1},
            {"res50 3x3 256@14", 32, 14, 14, 256, 256, 3, 1, 1},
            {"res50 3x3 512@7", 32, 7, 7, 512, 512, 3, 1, 1}};
  if (spec == "resnet18")  // at 112x112 input, batch 32
    return {{"res18 stem 7x7/2 3->64@112", 32, 112, 112, 3, 64, 7, 2, 3},
            {"res18 3x3 64@28", 32, 28, 28, 64, 64, 3, 1, 1},
            {"res18 3x3/2 64->128@28", 32, 28, 28, 64, 128, 3, 2, 1},
            {"res18 3x3 128@14", 32, 14, 14, 128, 128, 3, 1, 1},
            {"res18 3x3/2 128->256@14", 32, 14, 14, 128, 256, 3, 2, 1},
            {"res18 3x3 256@7", 32, 7, 7, 256, 256, 3, 1, 1},
            {"res18 3x3/2 256->512@7", 32, 7, 7, 256, 512, 3, 2, 1},
            {"res18 3x3 512@4", 32, 4, 4, 512, 512, 3, 1, 1},
            {"res18 1x1/2 64->128@28", 32, 28, 28, 64, 128, 1, 2, 0}};
  throw std::runtime_error("bench: conv --shapes expects resnet18 or resnet50, got '" + spec + "'");
}

void bench_conv(const BenchOptions& o, std::vector<BenchCase>& out,
                const std::function<void(const std::string&)>& progress) {
  const bool dnn = wants(o, "onednn");
  if (dnn && !onednn_available()) throw std::runtime_error("bench: --baseline onednn requested but not built in");
  for (const ConvLayer& L : conv_layers(o.shapes)) {
    kernels::Conv2dParams p;
    p.stride_h = p.stride_w = L.stride;
    p.pad_h = p.pad_w = L.pad;
    const kernels::ConvGeom g = kernels::conv_geometry({L.N, L.H, L.W, L.C}, {L.O, L.C, L.K, L.K}, p);
    const auto x = random_floats(size_t(g.N * g.H * g.W * g.C), 3);
    const auto w = random_floats(size_t(g.O * g.C * g.KH * g.KW), 4);
    const auto dy = random_floats(size_t(g.N * g.OH * g.OW * g.O), 5);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    const double flops = 2.0 * double(g.N * g.OH * g.OW) * double(g.O) * double(g.C * g.KH * g.KW);
    for (ConvPass pass : {ConvPass::Forward, ConvPass::BackwardData, ConvPass::BackwardWeights}) {
      BenchCase c;
      c.op = std::string("conv_") + conv_pass_name(pass);
      c.shape = L.name + " N=" + std::to_string(L.N);
      if (progress) progress(c.op + " " + c.shape);
      c.flops = flops;
      c.bytes = 4.0 * double(x.size() + w.size() + dy.size());
      std::function<void()> ours;
      if (pass == ConvPass::Forward)
        ours = [&] { kernels::cpu::conv2d_forward<float>(g, x.data(), w.data(), nullptr, y.data()); };
      else if (pass == ConvPass::BackwardData)
        ours = [&] { kernels::cpu::conv2d_backward_input<float>(g, dy.data(), w.data(), dx.data()); };
      else
        ours = [&] { kernels::cpu::conv2d_backward_weight<float>(g, dy.data(), x.data(), dw.data()); };
      c.ours = time_it(ours, o.timing);
      if (dnn) {
        OnednnConv base(g, pass);
        c.note = base.impl();
        c.baselines["onednn"] = time_it([&] { base.run(); }, o.timing);
        const Timing again = time_it(ours, o.timing);
        if (again.median_s < c.ours.median_s) c.ours = again;
        const Timing base2 = time_it([&] { base.run(); }, o.timing);
        if (base2.median_s < c.baselines["onednn"].median_s) c.baselines["onednn"] = base2;
      }
      out.push_back(c);
    }
  }
}

// ---- bandwidth-bound ops ------------------------------------------------------

struct Act {
  std::string name;
  int64_t N, H, W, C;
};

std::vector<Act> activation_shapes(const std::string& spec) {
  if (spec == "resnet18") return {{"res18 64@56", 32, 56, 56, 64}, {"res18 128@14", 32, 14, 14, 128}};
  return {{"res50 256@56", 32, 56, 56, 256}, {"res50 64@56", 32, 56, 56, 64}, {"res50 512@28", 32, 28, 28, 512}};
}

void bench_bn(const BenchOptions& o, std::vector<BenchCase>& out,
              const std::function<void(const std::string&)>& progress) {
  for (const Act& a : activation_shapes(o.shapes)) {
    const int64_t rows = a.N * a.H * a.W, n = rows * a.C;
    const auto x = random_floats(size_t(n), 6), dy = random_floats(size_t(n), 7);
    const auto gamma = random_floats(size_t(a.C), 8), beta = random_floats(size_t(a.C), 9);
    std::vector<float> y(static_cast<size_t>(n)), dx(static_cast<size_t>(n)), mean(size_t(a.C)), invstd(size_t(a.C)), dg(size_t(a.C)),
        db(size_t(a.C));
    BenchCase f;
    f.op = "bn_fwd_train";
    f.shape = a.name + " N=" + std::to_string(a.N);
    if (progress) progress(f.op + " " + f.shape);
    f.flops = 7.0 * double(n);
    f.bytes = 8.0 * double(n);  // read x, write y
    f.ours = time_it([&] { kernels::cpu::batch_norm_forward_train<float>(x.data(), gamma.data(), beta.data(), rows, a.C,
                                                                         1e-5, y.data(), mean.data(), invstd.data()); },
                     o.timing);
    out.push_back(f);
    BenchCase b = f;
    b.op = "bn_bwd";
    if (progress) progress(b.op + " " + b.shape);
    b.flops = 8.0 * double(n);
    b.bytes = 12.0 * double(n);  // read dy, x, write dx
    b.ours = time_it([&] { kernels::cpu::batch_norm_backward<float>(dy.data(), x.data(), gamma.data(), mean.data(),
                                                                    invstd.data(), rows, a.C, dx.data(), dg.data(),
                                                                    db.data()); },
                     o.timing);
    out.push_back(b);
  }
}

void bench_pool(const BenchOptions& o, std::vector<BenchCase>& out,
                const std::function<void(const std::string&)>& progress) {
  // The stem's 3x3/2 max-pool.
  const std::vector<Act> shapes = o.shapes == "resnet18" ? std::vector<Act>{{"res18 64@56", 32, 56, 56, 64}}
                                                         : std::vector<Act>{{"res50 64@112", 32, 112, 112, 64}};
  for (const Act& a : shapes) {
    kernels::Pool2dParams p;
    p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    const kernels::PoolGeom g = kernels::pool_geometry({a.N, a.H, a.W, a.C}, p, "max_pool2d");
    const auto x = random_floats(size_t(a.N * a.H * a.W * a.C), 10);
    const int64_t ny = g.N * g.OH * g.OW * g.C;
    std::vector<float> y(static_cast<size_t>(ny)), dx(x.size());
    std::vector<int64_t> idx(static_cast<size_t>(ny));
    BenchCase f;
    f.op = "maxpool_fwd";
    f.shape = a.name + " 3x3/2";
    if (progress) progress(f.op + " " + f.shape);
    f.flops = 9.0 * double(ny);
    f.bytes = 4.0 * double(x.size()) + 12.0 * double(ny);
    f.ours = time_it([&] { kernels::cpu::max_pool2d_forward<float>(g, x.data(), y.data(), idx.data()); }, o.timing);
    out.push_back(f);
    BenchCase b = f;
    b.op = "maxpool_bwd";
    b.flops = double(ny);
    b.bytes = 4.0 * double(x.size()) + 12.0 * double(ny);
    b.ours = time_it([&] { kernels::cpu::max_pool2d_backward<float>(g, y.data(), idx.data(), dx.data()); }, o.timing);
    out.push_back(b);
  }
}

void bench_softmax_ce(const BenchOptions& o, std::vector<BenchCase>& out,
                      const std::function<void(const std::string&)>& progress) {
  for (int64_t rows : {int64_t(32), int64_t(256)}) {
    const int64_t C = 1000, n = rows * C;
    const auto logits = random_floats(size_t(n), 11);
    std::vector<int64_t> labels(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i) labels[size_t(i)] = (i * 37) % C;
    std::vector<float> loss(1), dl(static_cast<size_t>(n));
    const float one = 1.0f;
    BenchCase c;
    c.op = "softmax_ce_fwd_bwd";
    c.shape = std::to_string(rows) + "x" + std::to_string(C);
    if (progress) progress(c.op + " " + c.shape);
    c.flops = 10.0 * double(n);
    c.bytes = 12.0 * double(n);
    c.ours = time_it(
        [&] {
          kernels::cpu::cross_entropy_forward<float>(logits.data(), labels.data(), rows, C, 0.0, -100,
                                                     kernels::Reduction::Mean, loss.data());
          kernels::cpu::cross_entropy_backward<float>(&one, logits.data(), labels.data(), rows, C, 0.0, -100,
                                                      kernels::Reduction::Mean, dl.data());
        },
        o.timing);
    out.push_back(c);
  }
}

}  // namespace

std::vector<BenchCase> run_kernel_bench(const BenchOptions& opt,
                                        const std::function<void(const std::string&)>& progress) {
  const std::string& op = opt.op;
  if (op != "all" && op != "gemm" && op != "conv" && op != "bn" && op != "pool" && op != "softmax_ce")
    throw std::runtime_error("bench: unknown --op '" + op + "' (gemm, conv, bn, pool, softmax_ce, all)");
  for (const auto& b : opt.baselines)
    if (b != "openblas" && b != "onednn")
      throw std::runtime_error("bench: unknown --baseline '" + b + "' (openblas, onednn)");
  std::vector<BenchCase> out;
  // Numeric --shapes describe GEMMs; the other ops then use their defaults.
  BenchOptions o = opt;
  const bool numeric = !opt.shapes.empty() && opt.shapes != "resnet18" && opt.shapes != "resnet50";
  if (op == "all" || op == "gemm") bench_gemm(o, out, progress);
  if (numeric) o.shapes.clear();
  if (op == "all" || op == "conv") bench_conv(o, out, progress);
  if (op == "all" || op == "bn") bench_bn(o, out, progress);
  if (op == "all" || op == "pool") bench_pool(o, out, progress);
  if (op == "all" || op == "softmax_ce") bench_softmax_ce(o, out, progress);
  return out;
}

}  // namespace fb::bench
