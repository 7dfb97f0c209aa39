#include "kernels/cpu/contrastive.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
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

namespace {

// Rows are spread over threads once the matrix is large enough to pay for them.
constexpr int64_t kParallelMin = 16384;

// The kept columns of row i form at most two contiguous ranges, [0, end1)
// and [begin2, M), either side of the excluded column (end1 = begin2 = M when
// none is excluded), so the loops below stay branch-free and vectorisable.
struct KeptColumns {
  int64_t end1, begin2;
};
inline KeptColumns kept_columns(const int64_t* excluded, int64_t i, int64_t M) {
  const int64_t e = excluded && excluded[i] >= 0 ? excluded[i] : M;
  return {e, std::min(e + 1, M)};
}

template <typename T>
T range_max(const T* x, int64_t begin, int64_t end, T m) {
#pragma omp simd reduction(max : m)
  for (int64_t j = begin; j < end; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// sum_j exp((x_j - m) * scale) over [begin, end), in double.
template <typename T>
double range_sum_exp(const T* x, int64_t begin, int64_t end, T m, T scale) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = begin; j < end; ++j) s += std::exp((x[j] - m) * scale);
  return s;
}

// d_j = g * softmax_j = g * exp((x_j - m) * scale - log_sum) over [begin, end).
template <typename T>
void range_scaled_softmax(const T* x, int64_t begin, int64_t end, T m, T scale, T log_sum, T g, T* d) {
#pragma omp simd
  for (int64_t j = begin; j < end; ++j) d[j] = g * std::exp((x[j] - m) * scale - log_sum);
}

}  // namespace

template <typename T>
void contrastive_cross_entropy_forward(const T* sim, const int64_t* positive, const int64_t* excluded, int64_t N,
                                       int64_t M, double tau, T* loss, T* row_max, T* row_log_sum) {
  const T scale = static_cast<T>(1.0 / tau);
  std::vector<double> row_loss(static_cast<size_t>(N));
#pragma omp parallel for schedule(static) if (N * M >= kParallelMin)
  for (int64_t i = 0; i < N; ++i) {
    const T* x = sim + i * M;
    const KeptColumns k = kept_columns(excluded, i, M);
    // x_j - m is exact for the columns near the maximum (the ones that
    // matter), whatever the magnitude of x; scaling first would round them.
    const T m = range_max(x, k.begin2, M, range_max(x, 0, k.end1, -std::numeric_limits<T>::infinity()));
    const double log_sum = std::log(range_sum_exp(x, 0, k.end1, m, scale) + range_sum_exp(x, k.begin2, M, m, scale));
    row_max[i] = m;
    row_log_sum[i] = static_cast<T>(log_sum);
    row_loss[i] = (static_cast<double>(m) - static_cast<double>(x[positive[i]])) / tau + log_sum;
  }
  double total = 0;
  for (double l : row_loss) total += l;
  loss[0] = static_cast<T>(total / static_cast<double>(N));
}

template <typename T>
void contrastive_cross_entropy_backward(const T* dloss, const T* sim, const int64_t* positive,
                                        const int64_t* excluded, int64_t N, int64_t M, double tau, const T* row_max,
                                        const T* row_log_sum, T* dsim) {
  const T scale = static_cast<T>(1.0 / tau);
  const double g = static_cast<double>(dloss[0]) / (static_cast<double>(N) * tau);
  const T gt = static_cast<T>(g);
#pragma omp parallel for schedule(static) if (N * M >= kParallelMin)
  for (int64_t i = 0; i < N; ++i) {
    const T* x = sim + i * M;
    T* d = dsim + i * M;
    const KeptColumns k = kept_columns(excluded, i, M);
    range_scaled_softmax(x, 0, k.end1, row_max[i], scale, row_log_sum[i], gt, d);
    if (k.end1 < M) d[k.end1] = T(0);  // the excluded column takes no part
    range_scaled_softmax(x, k.begin2, M, row_max[i], scale, row_log_sum[i], gt, d);
    d[positive[i]] = static_cast<T>(static_cast<double>(d[positive[i]]) - g);
  }
}

template void contrastive_cross_entropy_forward<float>(const float*, const int64_t*, const int64_t*, int64_t, int64_t,
                                                       double, float*, float*, float*);
template void contrastive_cross_entropy_forward<double>(const double*, const int64_t*, const int64_t*, int64_t,
                                                        int64_t, double, double*, double*, double*);
template void contrastive_cross_entropy_backward<float>(const float*, const float*, const int64_t*, const int64_t*,
                                                        int64_t, int64_t, double, const float*, const float*,
                                                        float*);
template void contrastive_cross_entropy_backward<double>(const double*, const double*, const int64_t*,
                                                         const int64_t*, int64_t, int64_t, double, const double*,
                                                         const double*, double*);

}  // namespace fb::kernels::cpu
