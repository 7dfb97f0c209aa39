#pragma once
// Optional third-party baselines, compiled in only when the benchmark build
// found them (FB_BENCH_HAVE_OPENBLAS / FB_BENCH_HAVE_ONEDNN). Nothing in the
// runtime libraries links them; they exist to be timed side by side with our
// kernels in one process.
#include <cstdint>
#include <memory>

#include "kernels/geometry.h"

namespace fb::bench {

bool openblas_available();
// Row-major C = op(A) @ op(B) via cblas_sgemm with `threads` threads.
void openblas_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                    int64_t ldb, float* C, int64_t ldc);
void openblas_set_threads(int threads);

bool onednn_available();

enum class ConvPass { Forward, BackwardData, BackwardWeights };
const char* conv_pass_name(ConvPass p);

// One oneDNN convolution primitive on NHWC activations (weights in the
// layout oneDNN prefers, as a framework would keep them), with its own
// buffers filled with random values. run() executes it once and waits.
class OnednnConv {
 public:
  OnednnConv(const kernels::ConvGeom& g, ConvPass pass);
  ~OnednnConv();
  void run();
  // The implementation oneDNN picked (e.g. "jit:avx512_core").
  const char* impl() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace fb::bench
