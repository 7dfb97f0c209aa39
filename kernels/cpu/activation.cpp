#include "kernels/cpu/activation.h"

#include <cmath>

namespace fb::kernels::cpu {
namespace {

constexpr int64_t kParallelMin = 16384;

// out[i] = f(i) over [0, n): one flat loop the compiler can vectorise when f
// is simple (relu, the derivative formulas) and that OpenMP splits statically.
template <typename F>
void for_each_index(int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) f(i);
}

template <typename T>
T sigmoid(T x) {
  // exp(-x) overflows to inf for very negative x, which gives the right limit 0.
  return T(1) / (T(1) + std::exp(-x));
}

}  // namespace

template <typename T>
void activation_forward(Activation a, const T* x, int64_t n, T* y) {
  constexpr T kInvSqrt2 = T(M_SQRT1_2);
  switch (a) {
    case Activation::Relu:
      for_each_index(n, [=](int64_t i) { y[i] = x[i] < T(0) ? T(0) : x[i]; });  // NaN stays NaN
      break;
    case Activation::Gelu:
      for_each_index(n, [=](int64_t i) { y[i] = T(0.5) * x[i] * (T(1) + std::erf(x[i] * kInvSqrt2)); });
      break;
    case Activation::Sigmoid:
      for_each_index(n, [=](int64_t i) { y[i] = sigmoid(x[i]); });
      break;
    case Activation::Tanh:
      for_each_index(n, [=](int64_t i) { y[i] = std::tanh(x[i]); });
      break;
  }
}

template <typename T>
void activation_backward(Activation a, const T* dy, const T* x, int64_t n, T* dx) {
  constexpr T kInvSqrt2 = T(M_SQRT1_2);
  const T kInvSqrt2Pi = T(1.0 / std::sqrt(2.0 * M_PI));
  switch (a) {
    case Activation::Relu:
      for_each_index(n, [=](int64_t i) { dx[i] = x[i] > T(0) ? dy[i] : T(0); });
      break;
    case Activation::Gelu:
      // Phi(x) + x phi(x).
      for_each_index(n, [=](int64_t i) {
        const T cdf = T(0.5) * (T(1) + std::erf(x[i] * kInvSqrt2));
        const T pdf = kInvSqrt2Pi * std::exp(T(-0.5) * x[i] * x[i]);
        dx[i] = dy[i] * (cdf + x[i] * pdf);
      });
      break;
    case Activation::Sigmoid:
      for_each_index(n, [=](int64_t i) {
        const T s = sigmoid(x[i]);
        dx[i] = dy[i] * s * (T(1) - s);
      });
      break;
    case Activation::Tanh:
      for_each_index(n, [=](int64_t i) {
        const T t = std::tanh(x[i]);
        dx[i] = dy[i] * (T(1) - t * t);
      });
      break;
  }
}

template void activation_forward<float>(Activation, const float*, int64_t, float*);
template void activation_forward<double>(Activation, const double*, int64_t, double*);
template void activation_backward<float>(Activation, const float*, const float*, int64_t, float*);
template void activation_backward<double>(Activation, const double*, const double*, int64_t, double*);

}  // namespace fb::kernels::cpu
