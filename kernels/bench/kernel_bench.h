#pragma once
// The kernel benchmark: op cases (GEMM, convolution passes, batch norm,
// pooling, softmax + cross-entropy) timed with our CPU kernels and, in the
// same process on the same shapes, with the optional baselines (OpenBLAS
// for GEMM, oneDNN for NHWC convolution).
#include <map>
#include <string>
#include <vector>

#include "kernels/bench/machine.h"
#include "kernels/bench/timer.h"

namespace fb::bench {

struct BenchCase {
  std::string op;     // gemm | conv_fwd | conv_bwd_data | conv_bwd_weights | bn_fwd | bn_bwd | maxpool_fwd | ...
  std::string shape;  // human-readable shape
  double flops = 0;   // per call
  double bytes = 0;   // compulsory memory traffic per call
  Timing ours;
  std::map<std::string, Timing> baselines;  // "openblas", "onednn"
  std::string note;                         // e.g. the baseline's implementation name
  double gflops() const { return ours.median_s > 0 ? flops / ours.median_s * 1e-9 : 0; }
  double gbs() const { return ours.median_s > 0 ? bytes / ours.median_s * 1e-9 : 0; }
  // Baseline time / our time (> 1: we are faster); 0 when absent.
  double ratio(const std::string& name) const;
};

struct BenchOptions {
  std::string op = "all";                 // gemm | conv | bn | pool | softmax_ce | all
  std::string shapes;                     // "" (defaults) | resnet18 | resnet50 | "M,N,K;M,N,K"
  std::vector<std::string> baselines;     // openblas, onednn
  TimingOptions timing;
};

// Runs the selected cases; `progress` (optional) is told each case's name.
std::vector<BenchCase> run_kernel_bench(const BenchOptions& opt,
                                        const std::function<void(const std::string&)>& progress = {});

}  // namespace fb::bench
