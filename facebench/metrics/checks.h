#pragma once
// Input checks shared by the metric functions, so every metric words its
// errors the same way: "<function>: <what> ...".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tensor/error.h"

namespace fb::metrics::detail {

template <typename A, typename B>
void check_same_nonempty(const char* fn, const std::vector<A>& a, const char* a_name, const std::vector<B>& b,
                         const char* b_name) {
  FB_CHECK(a.size() == b.size(), fn, ": ", a_name, " has ", a.size(), " values but ", b_name, " has ", b.size());
  FB_CHECK(!a.empty(), fn, ": ", a_name, " is empty");
}

template <typename T>
void check_finite(const char* fn, const std::vector<T>& v, const char* name) {
  for (size_t i = 0; i < v.size(); ++i)
    FB_CHECK(std::isfinite(static_cast<double>(v[i])), fn, ": ", name, "[", i, "] is not finite (",
             static_cast<double>(v[i]), ")");
}

inline void check_class_ids(const char* fn, const std::vector<int64_t>& ids, const char* name, int64_t classes) {
  for (size_t i = 0; i < ids.size(); ++i)
    FB_CHECK(ids[i] >= 0 && ids[i] < classes, fn, ": ", name, "[", i, "] = ", ids[i], " is outside [0, ", classes,
             ")");
}

inline void check_binary_labels(const char* fn, const std::vector<uint8_t>& same) {
  for (size_t i = 0; i < same.size(); ++i)
    FB_CHECK(same[i] <= 1, fn, ": same[", i, "] = ", int(same[i]), " must be 0 (impostor) or 1 (genuine)");
}

}  // namespace fb::metrics::detail
