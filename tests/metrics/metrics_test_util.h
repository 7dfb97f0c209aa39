#pragma once
// Helpers shared by the metric tests.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "tensor/error.h"

namespace fb::metrics::test {

// Equal to 1e-9 relative (infinities must match exactly).
inline bool near(double a, double b, double rel = 1e-9) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::fmax(std::fabs(a), std::fabs(b));
}

// "got X, expected Y" with every digit, for failure messages.
inline std::string got_expected(double got, double expected) {
  char text[96];
  std::snprintf(text, sizeof text, "got %.17g, expected %.17g", got, expected);
  return text;
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

// Checks near(got, expected) and prints both values when it fails.
#define CHECK_NEAR(got, expected)                                                        \
  do {                                                                                   \
    const double got_value = (got), expected_value = (expected);                        \
    CHECK_MESSAGE(::fb::metrics::test::near(got_value, expected_value),                 \
                  ::fb::metrics::test::got_expected(got_value, expected_value));        \
  } while (0)
