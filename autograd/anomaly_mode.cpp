#include "autograd/anomaly_mode.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace fb::autograd {

namespace {
// -1: not decided yet (FB_ANOMALY is read at the first query), 0 off, 1 on.
std::atomic<int> g_anomaly{-1};

bool env_says_on() {
  const char* v = std::getenv("FB_ANOMALY");
  return v && *v && std::strcmp(v, "0") != 0;
}

// Index of the first NaN or infinity of `t` (row-major order), or -1.
int64_t first_non_finite(const Tensor& t, double* value) {
  if (!t.defined() || !is_floating(t.dtype())) return -1;
  const std::vector<double> v = t.to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) {
      *value = v[i];
      return static_cast<int64_t>(i);
    }
  return -1;
}

bool all_finite(const std::vector<Tensor>& ts) {
  double ignored;
  for (const auto& t : ts)
    if (first_non_finite(t, &ignored) >= 0) return false;
  return true;
}

const char* kind(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }
}  // namespace

bool anomaly_mode_enabled() {
  int s = g_anomaly.load(std::memory_order_relaxed);
  if (s < 0) {
    int expected = -1;
    g_anomaly.compare_exchange_strong(expected, env_says_on() ? 1 : 0);
    s = g_anomaly.load(std::memory_order_relaxed);
  }
  return s == 1;
}

void set_anomaly_mode_enabled(bool on) { g_anomaly.store(on ? 1 : 0, std::memory_order_relaxed); }

void check_forward(const std::string& op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs) {
  for (size_t k = 0; k < outputs.size(); ++k) {
    double v = 0;
    const int64_t at = first_non_finite(outputs[k], &v);
    if (at < 0) continue;
    FB_FAIL("anomaly mode: op '", op, "' produced ", kind(v), " in its output ", k, " (shape ",
            shape_str(outputs[k].shape()), ", element ", at, ") ",
            all_finite(inputs) ? "from finite inputs"
                               : "from inputs that already held nan or inf (made outside the recorded graph)");
  }
}

void check_backward(const std::string& op, const std::vector<Tensor>& grad_outputs,
                    const std::vector<Tensor>& grad_inputs) {
  for (size_t k = 0; k < grad_inputs.size(); ++k) {
    double v = 0;
    const int64_t at = first_non_finite(grad_inputs[k], &v);
    if (at < 0) continue;
    FB_FAIL("anomaly mode: backward of op '", op, "' produced ", kind(v), " in the gradient of its input ", k,
            " (shape ", shape_str(grad_inputs[k].shape()), ", element ", at, ") ",
            all_finite(grad_outputs) ? "from a finite incoming gradient"
                                     : "from an incoming gradient that already held nan or inf (given to backward)");
  }
}

}  // namespace fb::autograd
