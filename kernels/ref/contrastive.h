#pragma once
// Reference (plain loops, double accumulation) for kernels/contrastive.h.
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

}  // namespace fb::kernels::ref
