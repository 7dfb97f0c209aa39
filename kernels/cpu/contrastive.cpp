#include "kernels/cpu/contrastive.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace fb::kernels::cpu {

template <typename T>
void sinkhorn(const T* scores, T* q, int64_t B, int64_t K, double eps, int iters) {
  const int64_t n = B * K;
  double mx = -INFINITY;
#pragma omp parallel for reduction(max : mx)
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, static_cast<double>(scores[i]));
  const T inv_eps = static_cast<T>(1.0 / eps), m = static_cast<T>(mx);
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) q[i] = std::exp((scores[i] - m) * inv_eps);
  // Column sums are accumulated row by row (contiguous, vectorisable) into
  // per-thread partials that are then added in thread order: deterministic
  // for a given thread count.
  std::vector<double> col(K);
  const int nt = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(nt) * K);
  for (int it = 0; it < iters; ++it) {
    std::fill(partial.begin(), partial.end(), 0.0);
#pragma omp parallel
    {
      double* p = partial.data() + static_cast<size_t>(omp_get_thread_num()) * K;
#pragma omp for schedule(static)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < K; ++k) p[k] += q[b * K + k];
    }
    std::fill(col.begin(), col.end(), 0.0);
    for (int t = 0; t < nt; ++t)
      for (int64_t k = 0; k < K; ++k) col[k] += partial[static_cast<size_t>(t) * K + k];
    // After this pass every column holds 1/K of the mass; then every row 1/B.
    std::vector<T> col_scale(K);
    for (int64_t k = 0; k < K; ++k) col_scale[k] = static_cast<T>(1.0 / (col[k] * K));
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* row = q + b * K;
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += row[k] *= col_scale[k];
      const T r = static_cast<T>(1.0 / (s * B));
      for (int64_t k = 0; k < K; ++k) row[k] *= r;
    }
  }
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) q[i] *= static_cast<T>(B);
}

template void sinkhorn<float>(const float*, float*, int64_t, int64_t, double, int);
template void sinkhorn<double>(const double*, double*, int64_t, int64_t, double, int);

}  // namespace fb::kernels::cpu
