#pragma once
// Helpers shared by the metric tests.
#include <cmath>
#include <functional>
#include <string>

#include "tensor/error.h"

namespace fb::metrics::test {

// Equal to 1e-9 relative (infinities must match exactly).
inline bool near(double a, double b, double rel = 1e-9) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::fmax(std::fabs(a), std::fabs(b));
}

// The message of the fb::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const fb::Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool mentions(const std::string& message, const std::string& part) {
  return message.find(part) != std::string::npos;
}

}  // namespace fb::metrics::test
