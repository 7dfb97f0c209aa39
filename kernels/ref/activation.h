#pragma once
// Reference (oracle) activation kernels on contiguous raw buffers, computed
// in double one element at a time. Semantics are PyTorch's:
//   relu(x)    = max(x, 0)             relu'(x) = 1 if x > 0 else 0 (0 at x = 0), NaN propagates
//   gelu(x)    = x * Phi(x), exact erf form (not the tanh approximation)
//   sigmoid(x) = 1 / (1 + exp(-x))     sigmoid' = s (1 - s)
//   tanh'(x)   = 1 - tanh(x)^2
#include <cmath>
#include <cstdint>

#include "kernels/ops.h"

namespace fb::kernels::ref {

inline double activation_value(Activation a, double x) {
  switch (a) {
    case Activation::Relu: return x < 0 ? 0.0 : x;  // keeps NaN a NaN
    case Activation::Gelu: return 0.5 * x * (1.0 + std::erf(x * M_SQRT1_2));
    case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
  }
  return 0.0;
}

inline double activation_derivative(Activation a, double x) {
  switch (a) {
    case Activation::Relu: return x > 0 ? 1.0 : 0.0;
    case Activation::Gelu: {
      // d/dx [x Phi(x)] = Phi(x) + x phi(x), phi the standard normal density.
      const double cdf = 0.5 * (1.0 + std::erf(x * M_SQRT1_2));
      const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
      return cdf + x * pdf;
    }
    case Activation::Sigmoid: {
      const double s = 1.0 / (1.0 + std::exp(-x));
      return s * (1.0 - s);
    }
    case Activation::Tanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
  }
  return 0.0;
}

template <typename T>
void activation_forward(Activation a, const T* x, int64_t n, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(activation_value(a, x[i]));
}

// dx = dy * f'(x), x the forward input.
template <typename T>
void activation_backward(Activation a, const T* dy, const T* x, int64_t n, T* dx) {
  for (int64_t i = 0; i < n; ++i) {
    if (a == Activation::Relu) {
      dx[i] = x[i] > 0 ? dy[i] : T(0);  // exact select, as PyTorch's threshold_backward
    } else {
      dx[i] = static_cast<T>(static_cast<double>(dy[i]) * activation_derivative(a, x[i]));
    }
  }
}

}  // namespace fb::kernels::ref
