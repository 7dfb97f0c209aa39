#include "kernels/cpu/softmax_loss.h"
#include "kernels/cpu/profile.h"

#include <cmath>
#include <limits>
#include <vector>

namespace fb::kernels::cpu {
namespace {

constexpr int64_t kParallelMin = 16384;

template <typename T>
T row_max(const T* x, int64_t C) {
  T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < C; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

// Sets m = max_j x_j and returns log(sum_j exp(x_j - m)), so that
// logsumexp(x) = m + result without overflow. The sum is accumulated in double.
template <typename T>
double row_log_sum_shifted(const T* x, int64_t C, T& m) {
  m = row_max(x, C);
  const T mm = m;
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < C; ++j) s += std::exp(x[j] - mm);
  return std::log(s);
}

// Sum over i of f(pred[i] - target[i]) in double. Fixed-size blocks are
// summed in parallel and their partials added in block order, so the result
// depends on n only, never on the thread count.
template <typename T, typename F>
double deterministic_sum(const T* __restrict pred, const T* __restrict target, int64_t n, F f) {
  constexpr int64_t kBlock = 4096;
  const int64_t nblocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(nblocks));
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t b = 0; b < nblocks; ++b) {
    const int64_t i0 = b * kBlock, i1 = i0 + kBlock < n ? i0 + kBlock : n;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = i0; i < i1; ++i) s += static_cast<double>(f(pred[i] - target[i]));
    partial[b] = s;
  }
  double total = 0;
  for (double p : partial) total += p;
  return total;
}

}  // namespace

template <typename T>
void softmax_forward(const T* x, int64_t rows, int64_t C, T* y) {
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    const T m = row_max(xr, C);
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < C; ++j) {
      const T e = std::exp(xr[j] - m);
      yr[j] = e;
      s += e;
    }
    const T inv = static_cast<T>(1.0 / s);
#pragma omp simd
    for (int64_t j = 0; j < C; ++j) yr[j] *= inv;
  }
}

template <typename T>
void log_softmax_forward(const T* x, int64_t rows, int64_t C, T* y) {
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    // (x - max) - log(sum): rounding max + log(sum) to T first would lose
    // the low bits of log(sum) when |max| is large.
    T m;
    const T log_s = static_cast<T>(row_log_sum_shifted(xr, C, m));
#pragma omp simd
    for (int64_t j = 0; j < C; ++j) yr[j] = (xr[j] - m) - log_s;
  }
}

template <typename T>
void softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx) {
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* dyr = dy + r * C;
    const T* yr = y + r * C;
    T* dxr = dx + r * C;
    double dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < C; ++j) dot += static_cast<double>(dyr[j]) * yr[j];
    const T d = static_cast<T>(dot);
#pragma omp simd
    for (int64_t j = 0; j < C; ++j) dxr[j] = yr[j] * (dyr[j] - d);
  }
}

template <typename T>
void log_softmax_backward(const T* dy, const T* y, int64_t rows, int64_t C, T* dx) {
#pragma omp parallel for schedule(static) if (rows * C >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const T* dyr = dy + r * C;
    const T* yr = y + r * C;
    T* dxr = dx + r * C;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < C; ++j) s += dyr[j];
    const T st = static_cast<T>(s);
#pragma omp simd
    for (int64_t j = 0; j < C; ++j) dxr[j] = dyr[j] - std::exp(yr[j]) * st;
  }
}

template <typename T>
void cross_entropy_forward(const T* logits, const int64_t* labels, int64_t N, int64_t C, double eps,
                           int64_t ignore_index, Reduction red, T* out) {
  ProfileScope prof_("cross_entropy_forward");
  // Per-sample losses first (in parallel), then one ordered sum.
  std::vector<double> loss(static_cast<size_t>(N));
#pragma omp parallel for schedule(static) if (N * C >= kParallelMin)
  for (int64_t i = 0; i < N; ++i) {
    if (labels[i] == ignore_index) {
      loss[i] = 0;
      continue;
    }
    const T* x = logits + i * C;
    T m;
    const double log_s = row_log_sum_shifted(x, C, m);
    const double lse = static_cast<double>(m) + log_s;
    double sum_x = 0;
#pragma omp simd reduction(+ : sum_x)
    for (int64_t j = 0; j < C; ++j) sum_x += x[j];
    // mean_c(-log p_c) = lse - mean_c(x_c).
    loss[i] = (1.0 - eps) * (lse - x[labels[i]]) + eps * (lse - sum_x / static_cast<double>(C));
  }
  if (red == Reduction::None) {
    for (int64_t i = 0; i < N; ++i) out[i] = static_cast<T>(loss[i]);
    return;
  }
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) {
    total += loss[i];
    count += labels[i] != ignore_index;
  }
  out[0] = static_cast<T>(red == Reduction::Sum ? total : total / static_cast<double>(count));
}

template <typename T>
void cross_entropy_backward(const T* dloss, const T* logits, const int64_t* labels, int64_t N, int64_t C,
                            double eps, int64_t ignore_index, Reduction red, T* dlogits) {
  ProfileScope prof_("cross_entropy_backward");
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) count += labels[i] != ignore_index;
  const double off = eps / static_cast<double>(C);
#pragma omp parallel for schedule(static) if (N * C >= kParallelMin)
  for (int64_t i = 0; i < N; ++i) {
    T* d = dlogits + i * C;
    if (labels[i] == ignore_index) {
#pragma omp simd
      for (int64_t j = 0; j < C; ++j) d[j] = T(0);
      continue;
    }
    double g = red == Reduction::None ? static_cast<double>(dloss[i]) : static_cast<double>(dloss[0]);
    if (red == Reduction::Mean) g /= static_cast<double>(count);
    const T* x = logits + i * C;
    T m;
    const T log_s = static_cast<T>(row_log_sum_shifted(x, C, m));
    const T gt = static_cast<T>(g), off_t = static_cast<T>(off);
    // g * (p_j - eps/C), then the label's extra -g * (1 - eps).
#pragma omp simd
    for (int64_t j = 0; j < C; ++j) d[j] = gt * (std::exp((x[j] - m) - log_s) - off_t);
    d[labels[i]] = static_cast<T>(d[labels[i]] - g * (1.0 - eps));
  }
}

namespace {

// Forward/backward of one pointwise loss kind given its value and derivative
// as functions of d = pred - target (evaluated in T).
template <typename T, typename Value>
void point_forward(Value value, const T* __restrict pred, const T* __restrict target, int64_t n, Reduction red,
                   T* __restrict out) {
  if (red == Reduction::None) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) out[i] = value(pred[i] - target[i]);
    return;
  }
  const double total = deterministic_sum(pred, target, n, value);
  out[0] = static_cast<T>(red == Reduction::Sum ? total : total / static_cast<double>(n));
}

template <typename T, typename Deriv>
void point_backward(Deriv deriv, const T* __restrict dloss, const T* __restrict pred, const T* __restrict target,
                    int64_t n, Reduction red, T* __restrict dpred) {
  if (red == Reduction::None) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
    for (int64_t i = 0; i < n; ++i) dpred[i] = dloss[i] * deriv(pred[i] - target[i]);
    return;
  }
  const T g = static_cast<T>(red == Reduction::Sum ? static_cast<double>(dloss[0])
                                                   : static_cast<double>(dloss[0]) / static_cast<double>(n));
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) dpred[i] = g * deriv(pred[i] - target[i]);
}

template <typename T>
T sign_of(T d) {
  return d > T(0) ? T(1) : (d < T(0) ? T(-1) : T(0));
}

}  // namespace

template <typename T>
void point_loss_forward(PointLoss k, const T* pred, const T* target, int64_t n, double beta, Reduction red,
                        T* out) {
  const T b = static_cast<T>(beta), half_b = static_cast<T>(0.5 * beta);
  switch (k) {
    case PointLoss::Mse: return point_forward([](T d) { return d * d; }, pred, target, n, red, out);
    case PointLoss::L1: return point_forward([](T d) { return std::fabs(d); }, pred, target, n, red, out);
    case PointLoss::SmoothL1:
      // The quadratic branch is only taken when |d| < beta, so beta = 0 never divides.
      return point_forward(
          [=](T d) {
            const T a = std::fabs(d);
            return a < b ? T(0.5) * d * d / b : a - half_b;
          },
          pred, target, n, red, out);
  }
}

template <typename T>
void point_loss_backward(PointLoss k, const T* dloss, const T* pred, const T* target, int64_t n, double beta,
                         Reduction red, T* dpred) {
  const T b = static_cast<T>(beta);
  switch (k) {
    case PointLoss::Mse: return point_backward([](T d) { return T(2) * d; }, dloss, pred, target, n, red, dpred);
    case PointLoss::L1: return point_backward([](T d) { return sign_of(d); }, dloss, pred, target, n, red, dpred);
    case PointLoss::SmoothL1:
      return point_backward([=](T d) { return std::fabs(d) < b ? d / b : sign_of(d); }, dloss, pred, target, n,
                            red, dpred);
  }
}

#define FB_INSTANTIATE_SOFTMAX_LOSS(T)                                                                         \
  template void softmax_forward<T>(const T*, int64_t, int64_t, T*);                                           \
  template void log_softmax_forward<T>(const T*, int64_t, int64_t, T*);                                       \
  template void softmax_backward<T>(const T*, const T*, int64_t, int64_t, T*);                                \
  template void log_softmax_backward<T>(const T*, const T*, int64_t, int64_t, T*);                            \
  template void cross_entropy_forward<T>(const T*, const int64_t*, int64_t, int64_t, double, int64_t, Reduction, \
                                         T*);                                                                  \
  template void cross_entropy_backward<T>(const T*, const T*, const int64_t*, int64_t, int64_t, double, int64_t, \
                                          Reduction, T*);                                                      \
  template void point_loss_forward<T>(PointLoss, const T*, const T*, int64_t, double, Reduction, T*);          \
  template void point_loss_backward<T>(PointLoss, const T*, const T*, const T*, int64_t, double, Reduction, T*);
FB_INSTANTIATE_SOFTMAX_LOSS(float)
FB_INSTANTIATE_SOFTMAX_LOSS(double)
#undef FB_INSTANTIATE_SOFTMAX_LOSS

}  // namespace fb::kernels::cpu
