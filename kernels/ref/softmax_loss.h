#pragma once
// Reference (oracle) kernels for softmax, log-softmax, cross-entropy and the
// pointwise regression losses, on contiguous raw buffers. Plain loops in
// double; numerically stable (the row maximum is subtracted before exp).
//
// Layout: softmax-like ops act on the last dim of x viewed as [rows, C].
// Reduced losses write one value; Reduction::None writes one per sample
// (cross-entropy) or per element (point losses).
#include <cmath>
#include <cstdint>

#include "kernels/ops.h"

namespace fb::kernels::ref {

// log(sum_j exp(x_j)) of one row, stable: m + log(sum exp(x_j - m)).
template <typename T>
double logsumexp_row(const T* x, int64_t C) {
  double m = -INFINITY;
  for (int64_t j = 0; j < C; ++j) m = std::fmax(m, static_cast<double>(x[j]));
  double s = 0;
  for (int64_t j = 0; j < C; ++j) s += std::exp(x[j] - m);
  return m + std::log(s);
}

template <typename T>
void softmax_forward(const T* x, int64_t rows, int64_t C, T* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const double lse = logsumexp_row(x + r * C, C);
    for (int64_t j = 0; j < C; ++j) y[r * C + j] = static_cast<T>(std::exp(x[r * C + j] - lse));
  }
}

template <typename T>
void log_softmax_forward(const T* x, int64_t rows, int64_t C, T* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const double lse = logsumexp_row(x + r * C, C);
    for (int64_t j = 0; j < C; ++j) y[r * C + j] = static_cast<T>(x[r * C + j] - lse);
  }
}

// y = softmax(x):  dx_j = y_j (dy_j - sum_k dy_k y_k).
template <typename T>
void softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    double dot = 0;
    for (int64_t j = 0; j < C; ++j) dot += static_cast<double>(dy[r * C + j]) * y[r * C + j];
    for (int64_t j = 0; j < C; ++j)
      dx[r * C + j] = static_cast<T>(static_cast<double>(y[r * C + j]) * (dy[r * C + j] - dot));
  }
}

// y = log_softmax(x):  dx_j = dy_j - exp(y_j) sum_k dy_k.
template <typename T>
void log_softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t j = 0; j < C; ++j) s += dy[r * C + j];
    for (int64_t j = 0; j < C; ++j) dx[r * C + j] = static_cast<T>(dy[r * C + j] - std::exp(y[r * C + j]) * s);
  }
}

// Per-sample cross-entropy with label smoothing eps, as PyTorch defines it:
//   loss_i = (1 - eps) * (-log p_{i,y_i}) + eps * mean_c(-log p_{i,c}).
// Labels equal to ignore_index give 0 and do not count towards the mean;
// with every sample ignored the mean is 0/0 = NaN, as in PyTorch. Labels are
// assumed in range (the tensor-level entry point checks them).
template <typename T>
void cross_entropy_forward(const T* logits, const int64_t* labels, int64_t N, int64_t C, double eps,
                           int64_t ignore_index, Reduction red, T* out) {
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) {
    double loss = 0;
    if (labels[i] != ignore_index) {
      const T* x = logits + i * C;
      const double lse = logsumexp_row(x, C);
      double sum_neg_logp = 0;
      for (int64_t j = 0; j < C; ++j) sum_neg_logp += lse - x[j];
      loss = (1.0 - eps) * (lse - x[labels[i]]) + eps * sum_neg_logp / static_cast<double>(C);
      ++count;
    }
    if (red == Reduction::None) out[i] = static_cast<T>(loss);
    total += loss;
  }
  if (red == Reduction::Sum) out[0] = static_cast<T>(total);
  if (red == Reduction::Mean) out[0] = static_cast<T>(total / static_cast<double>(count));
}

// d loss_i / d x_ij = p_ij - (1 - eps) [j == y_i] - eps / C, scaled by the
// incoming gradient (per sample for None, dloss / count for Mean).
template <typename T>
void cross_entropy_backward(const T* dloss, const T* logits, const int64_t* labels, int64_t N, int64_t C,
                            double eps, int64_t ignore_index, Reduction red, T* dlogits) {
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) count += labels[i] != ignore_index;
  for (int64_t i = 0; i < N; ++i) {
    if (labels[i] == ignore_index) {
      for (int64_t j = 0; j < C; ++j) dlogits[i * C + j] = T(0);
      continue;
    }
    double g = red == Reduction::None ? static_cast<double>(dloss[i]) : static_cast<double>(dloss[0]);
    if (red == Reduction::Mean) g /= static_cast<double>(count);
    const T* x = logits + i * C;
    const double lse = logsumexp_row(x, C);
    for (int64_t j = 0; j < C; ++j) {
      const double p = std::exp(x[j] - lse);
      const double target = (j == labels[i] ? 1.0 - eps : 0.0) + eps / static_cast<double>(C);
      dlogits[i * C + j] = static_cast<T>(g * (p - target));
    }
  }
}

// Pointwise loss of d = pred - target:
//   Mse: d^2    L1: |d|    SmoothL1: 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta
// (beta = 0 is plain L1, as in PyTorch).
inline double point_loss_value(PointLoss k, double d, double beta) {
  switch (k) {
    case PointLoss::Mse: return d * d;
    case PointLoss::L1: return std::fabs(d);
    case PointLoss::SmoothL1: return std::fabs(d) < beta ? 0.5 * d * d / beta : std::fabs(d) - 0.5 * beta;
  }
  return 0.0;
}

// d/dd of the above; sign(0) = 0 as in PyTorch.
inline double point_loss_derivative(PointLoss k, double d, double beta) {
  const double sign = d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
  switch (k) {
    case PointLoss::Mse: return 2.0 * d;
    case PointLoss::L1: return sign;
    case PointLoss::SmoothL1: return std::fabs(d) < beta ? d / beta : sign;
  }
  return 0.0;
}

template <typename T>
void point_loss_forward(PointLoss k, const T* pred, const T* target, int64_t n, double beta, Reduction red, T* out) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double l = point_loss_value(k, static_cast<double>(pred[i]) - target[i], beta);
    if (red == Reduction::None) out[i] = static_cast<T>(l);
    total += l;
  }
  if (red == Reduction::Sum) out[0] = static_cast<T>(total);
  if (red == Reduction::Mean) out[0] = static_cast<T>(total / static_cast<double>(n));
}

template <typename T>
void point_loss_backward(PointLoss k, const T* dloss, const T* pred, const T* target, int64_t n, double beta,
                         Reduction red, T* dpred) {
  for (int64_t i = 0; i < n; ++i) {
    double g = red == Reduction::None ? static_cast<double>(dloss[i]) : static_cast<double>(dloss[0]);
    if (red == Reduction::Mean) g /= static_cast<double>(n);
    dpred[i] = static_cast<T>(g * point_loss_derivative(k, static_cast<double>(pred[i]) - target[i], beta));
  }
}

}  // namespace fb::kernels::ref
