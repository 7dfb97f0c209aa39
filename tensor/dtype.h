#pragma once
// Element types. f64 exists for gradient checks, bf16 for storage and
// mixed precision (compute converts to f32), integers for labels and masks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace fb {

enum class DType : uint8_t { f32, f64, bf16, i32, i64, u8 };

// bfloat16: the upper 16 bits of an IEEE f32. Conversion rounds to nearest even.
struct bf16 {
  uint16_t bits = 0;
  bf16() = default;
  explicit bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40);  // keep NaN a NaN
    } else {
      u += 0x7fffu + ((u >> 16) & 1u);
      bits = static_cast<uint16_t>(u >> 16);
    }
  }
  explicit operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};

size_t dtype_size(DType t);
const char* dtype_name(DType t);
bool is_floating(DType t);

template <typename T> struct dtype_of;
template <> struct dtype_of<float>   { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double>  { static constexpr DType value = DType::f64; };
template <> struct dtype_of<bf16>    { static constexpr DType value = DType::bf16; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::i32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };

// Calls f with a value of the C++ type matching t (e.g. f(float{})).
template <typename F>
decltype(auto) dispatch_dtype(DType t, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::bf16: return f(bf16{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    case DType::u8: return f(uint8_t{});
  }
  return f(float{});
}

}  // namespace fb
