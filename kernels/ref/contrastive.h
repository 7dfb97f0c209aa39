#pragma once
// Reference (plain loops, double accumulation) for kernels/contrastive.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace fb::kernels::ref {

template <typename T>
void sinkhorn(const T* scores, T* q, int64_t B, int64_t K, double eps, int iters) {
  // Subtracting the global maximum leaves Q unchanged (it is renormalised)
  // but keeps exp() finite for small eps.
  double mx = -INFINITY;
  for (int64_t i = 0; i < B * K; ++i) mx = std::max(mx, static_cast<double>(scores[i]));
  std::vector<double> Q(B * K);
  double total = 0;
  for (int64_t i = 0; i < B * K; ++i) total += Q[i] = std::exp((scores[i] - mx) / eps);
  for (auto& v : Q) v /= total;
  for (int it = 0; it < iters; ++it) {
    for (int64_t k = 0; k < K; ++k) {
      double s = 0;
      for (int64_t b = 0; b < B; ++b) s += Q[b * K + k];
      for (int64_t b = 0; b < B; ++b) Q[b * K + k] /= s * K;
    }
    for (int64_t b = 0; b < B; ++b) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += Q[b * K + k];
      for (int64_t k = 0; k < K; ++k) Q[b * K + k] /= s * B;
    }
  }
  for (int64_t i = 0; i < B * K; ++i) q[i] = static_cast<T>(Q[i] * B);
}

// The columns of row i that take part in its softmax: all but excluded[i]
// (when `excluded` is given and excluded[i] >= 0).
inline bool contrastive_column_kept(const int64_t* excluded, int64_t i, int64_t j) {
  return !excluded || excluded[i] != j;
}

// The maximum of row i over its kept columns; sets log_sum to
// log sum_j exp((row[j] - maximum) / tau) over them. Shifting by the unscaled
// maximum before dividing keeps exp() in range for any tau.
template <typename T>
double contrastive_row_logsumexp(const T* row, const int64_t* excluded, int64_t i, int64_t M, double tau,
                                 double& log_sum) {
  double m = -INFINITY;
  for (int64_t j = 0; j < M; ++j)
    if (contrastive_column_kept(excluded, i, j)) m = std::max(m, static_cast<double>(row[j]));
  double s = 0;
  for (int64_t j = 0; j < M; ++j)
    if (contrastive_column_kept(excluded, i, j)) s += std::exp((row[j] - m) / tau);
  log_sum = std::log(s);
  return m;
}

// Contrastive cross-entropy; the contract is kernels/contrastive.h's
// contrastive_cross_entropy_forward. loss[0] = the mean over rows;
// row_max[i], row_log_sum[i] = the row's maximum and its log-sum-exp around
// it (what the fast backward reuses).
template <typename T>
void contrastive_cross_entropy_forward(const T* sim, const int64_t* positive, const int64_t* excluded, int64_t N,
                                       int64_t M, double tau, T* loss, T* row_max, T* row_log_sum) {
  double total = 0;
  for (int64_t i = 0; i < N; ++i) {
    const T* row = sim + i * M;
    double log_sum;
    const double m = contrastive_row_logsumexp(row, excluded, i, M, tau, log_sum);
    total += (m - row[positive[i]]) / tau + log_sum;
    row_max[i] = static_cast<T>(m);
    row_log_sum[i] = static_cast<T>(log_sum);
  }
  loss[0] = static_cast<T>(total / static_cast<double>(N));
}

// dsim[i, j] = dloss / (N tau) * (softmax_j - [j == positive[i]]) over the
// kept columns, 0 at the excluded one. Recomputes the softmax (the oracle
// depends on nothing the forward saved).
template <typename T>
void contrastive_cross_entropy_backward(const T* dloss, const T* sim, const int64_t* positive,
                                        const int64_t* excluded, int64_t N, int64_t M, double tau, T* dsim) {
  const double g = static_cast<double>(dloss[0]) / (static_cast<double>(N) * tau);
  for (int64_t i = 0; i < N; ++i) {
    const T* row = sim + i * M;
    double log_sum;
    const double m = contrastive_row_logsumexp(row, excluded, i, M, tau, log_sum);
    for (int64_t j = 0; j < M; ++j) {
      const double p = contrastive_column_kept(excluded, i, j) ? std::exp((row[j] - m) / tau - log_sum) : 0.0;
      dsim[i * M + j] = static_cast<T>(g * (p - (j == positive[i] ? 1.0 : 0.0)));
    }
  }
}

}  // namespace fb::kernels::ref
