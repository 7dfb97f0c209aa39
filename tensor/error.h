#pragma once
// Errors are exceptions that say what and where, e.g.
//   FB_CHECK(x.dim() == 4, "conv2d: input must be 4-D NHWC, got ", shape_str(x.shape()));
#include <sstream>
#include <stdexcept>
#include <string>

namespace fb {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace fb

#define FB_CHECK(cond, ...)                                          \
  do {                                                               \
    if (!(cond)) throw ::fb::Error(::fb::detail::concat(__VA_ARGS__)); \
  } while (0)

#define FB_FAIL(...) throw ::fb::Error(::fb::detail::concat(__VA_ARGS__))
