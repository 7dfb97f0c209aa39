#pragma once
// IEEE binary16 -> float. Exact: every half value is a float value; zeros,
// subnormals, infinities and NaN payloads are kept. Checkpoint readers load
// f16 tensors as f32 with it (the runtime has no f16 dtype).
#include <cstdint>
#include <cstring>

namespace fb::checkpoint {

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp == 0) {  // zero or subnormal: frac * 2^-24 is exact in float
    const float f = static_cast<float>(frac) * (1.0f / 16777216.0f);
    return sign ? -f : f;
  }
  const uint32_t bits = exp == 0x1f ? sign | 0x7f800000u | (frac << 13)           // inf / NaN
                                    : sign | ((exp + 127 - 15) << 23) | (frac << 13);  // rebias
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace fb::checkpoint
