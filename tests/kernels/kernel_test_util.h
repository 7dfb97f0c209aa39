#pragma once
// Helpers shared by the kernel tests: finite differences in f64 and error text.
#include <functional>
#include <string>
#include <vector>

#include "tensor/error.h"
#include "tensor/tensor.h"

namespace fb::kernel_test {

inline double dot(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
  return s;
}

// Central differences of the scalar L with respect to every element of x
// (contiguous f64, perturbed in place and restored).
inline Tensor numeric_grad(const Tensor& x, const std::function<double()>& L, double h = 1e-6) {
  Tensor g = Tensor::empty(x.shape(), DType::f64);
  double* p = x.data<double>();
  double* gp = g.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double old = p[i];
    p[i] = old + h;
    const double lp = L();
    p[i] = old - h;
    const double lm = L();
    p[i] = old;
    gp[i] = (lp - lm) / (2 * h);
  }
  return g;
}

// The message of the fb::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace fb::kernel_test
