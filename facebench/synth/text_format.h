#pragma once
// Fixed-point number formatting for the label files, appended in place.
// std::to_chars with a precision gives exactly the digits of printf("%.Nf")
// (both round the exact binary value correctly), without printf's format
// parsing and locale handling, which dominated writing the landmark tables.
#include <charconv>
#include <string>

namespace fb::synth {

inline void append_fixed(std::string& out, double v, int digits) {
  char b[64];
  auto r = std::to_chars(b, b + sizeof b, v, std::chars_format::fixed, digits);
  out.append(b, r.ptr);
}

}  // namespace fb::synth
