#include "kernels/cpu/activation.h"
#include "kernels/cpu/profile.h"

#include <cmath>

namespace fb::kernels::cpu {
namespace {

constexpr int64_t kParallelMin = 16384;

// y[i] = f(x[i]) and dx[i] = f(dy[i], x[i]): flat loops that OpenMP splits
// statically. Relu vectorises; loops calling exp/erf/tanh stay scalar, as
// the compiler has no vector math library to call without -ffast-math.
// Operands are passed as restrict-qualified locals so the vectoriser sees
// plain unit-stride accesses.
template <typename T, typename F>
void map_unary(const T* __restrict x, T* __restrict y, int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <typename T, typename F>
void map_binary(const T* __restrict dy, const T* __restrict x, T* __restrict dx, int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) dx[i] = f(dy[i], x[i]);
}

template <typename T>
T sigmoid(T x) {
  // exp(-x) overflows to inf for very negative x, which gives the right limit 0.
  return T(1) / (T(1) + std::exp(-x));
}

}  // namespace

template <typename T>
void activation_forward(Activation a, const T* x, int64_t n, T* y) {
  ProfileScope prof_("activation_forward");
  constexpr T kInvSqrt2 = T(M_SQRT1_2);
  switch (a) {
    case Activation::Relu:
      map_unary(x, y, n, [](T v) { return v < T(0) ? T(0) : v; });  // NaN stays NaN
      break;
    case Activation::Gelu:
      map_unary(x, y, n, [=](T v) { return T(0.5) * v * (T(1) + std::erf(v * kInvSqrt2)); });
      break;
    case Activation::Sigmoid:
      map_unary(x, y, n, [](T v) { return sigmoid(v); });
      break;
    case Activation::Tanh:
      map_unary(x, y, n, [](T v) { return std::tanh(v); });
      break;
  }
}

template <typename T>
void activation_backward(Activation a, const T* dy, const T* x, int64_t n, T* dx) {
  ProfileScope prof_("activation_backward");
  constexpr T kInvSqrt2 = T(M_SQRT1_2);
  const T kInvSqrt2Pi = T(1.0 / std::sqrt(2.0 * M_PI));
  switch (a) {
    case Activation::Relu:
      map_binary(dy, x, dx, n, [](T g, T v) { return v > T(0) ? g : T(0); });
      break;
    case Activation::Gelu:
      // Phi(x) + x phi(x).
      map_binary(dy, x, dx, n, [=](T g, T v) {
        const T cdf = T(0.5) * (T(1) + std::erf(v * kInvSqrt2));
        const T pdf = kInvSqrt2Pi * std::exp(T(-0.5) * v * v);
        return g * (cdf + v * pdf);
      });
      break;
    case Activation::Sigmoid:
      map_binary(dy, x, dx, n, [](T g, T v) {
        const T s = sigmoid(v);
        return g * s * (T(1) - s);
      });
      break;
    case Activation::Tanh:
      map_binary(dy, x, dx, n, [](T g, T v) {
        const T t = std::tanh(v);
        return g * (T(1) - t * t);
      });
      break;
  }
}

template void activation_forward<float>(Activation, const float*, int64_t, float*);
template void activation_forward<double>(Activation, const double*, int64_t, double*);
template void activation_backward<float>(Activation, const float*, const float*, int64_t, float*);
template void activation_backward<double>(Activation, const double*, const double*, int64_t, double*);

}  // namespace fb::kernels::cpu
