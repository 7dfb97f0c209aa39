// OpenBLAS baseline (cblas_sgemm), or stubs when the build has no OpenBLAS.
#include "kernels/bench/baselines.h"

#include <stdexcept>

#if defined(FB_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace fb::bench {

#if defined(FB_BENCH_HAVE_OPENBLAS)
bool openblas_available() { return true; }
void openblas_set_threads(int threads) { openblas_set_num_threads(threads); }
void openblas_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                    int64_t ldb, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              1.0f, A, int(lda), B, int(ldb), 0.0f, C, int(ldc));
}
#else
bool openblas_available() { return false; }
void openblas_set_threads(int) {}
void openblas_sgemm(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*,
                    int64_t) {
  throw std::runtime_error("bench: this build has no OpenBLAS (install libopenblas-dev and reconfigure)");
}
#endif

}  // namespace fb::bench
