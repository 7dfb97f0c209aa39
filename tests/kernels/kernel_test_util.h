#pragma once
// Helpers shared by the kernel tests: finite differences in f64, error text,
// a tolerance check and running under a chosen CPU backend.
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/backend.h"
#include "tensor/error.h"
#include "tensor/ops.h"
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

// Relative error ||a - b|| / ||b|| within tol; when b is small only because
// its terms cancel (e.g. dx of batch norm with two rows per channel, which is
// zero up to eps), an absolute max error within tol passes too: the inputs
// are O(1), so that is still tol relative to the scale of the computation.
inline bool near_enough(const Tensor& a, const Tensor& b, double tol) {
  const double rel = ops::rel_error(a, b), abs = ops::max_abs_diff(a, b);
  if (rel <= tol || abs <= tol) return true;
  MESSAGE("rel error ", rel, ", max abs error ", abs, ", tol ", tol);
  return false;
}

// f() run under CPU backend `be`.
template <typename F>
auto with(kernels::CpuBackend be, F&& f) {
  kernels::CpuBackendGuard guard(be);
  return f();
}

}  // namespace fb::kernel_test
