#pragma once
// Counter-based randomness for the face generator.
//
// Every random choice of a sample is drawn from a stream seeded by a hash of
// (dataset seed, sample index, purpose). No state is shared between samples,
// so a sample is the same whichever thread renders it and in whatever order:
// determinism does not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fb::synth {

// SplitMix64 finaliser: a strong 64-bit mixer (bijective, good avalanche).
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Hash of several words; order matters, so (seed, index) and (index, seed) differ.
inline uint64_t hash_words(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0) {
  uint64_t h = mix64(a ^ 0x243F6A8885A308D3ull);
  h = mix64(h ^ b);
  h = mix64(h ^ c);
  return mix64(h ^ d);
}

// Purposes of the streams, so that adding draws to one stream never shifts another.
enum Stream : uint64_t {
  kStreamIdentity = 1,
  kStreamScene = 2,
  kStreamExpression = 3,
  kStreamBackground = 4,
  kStreamOccluder = 5,
  kStreamDegrade = 6,
  kStreamLayout = 7,
  kStreamVideo = 8,
  kStreamExtraFace = 9,
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64() { state_ += 0x9E3779B97F4A7C15ull; return mix64(state_); }
  // Uniform in [0, 1) with 24 bits: float has no more mantissa to use.
  float uniform() { return float(next_u64() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  int integer(int lo, int hi_inclusive) {
    uint64_t span = uint64_t(int64_t(hi_inclusive) - lo + 1);
    return lo + int(next_u64() % span);
  }
  bool chance(float p) { return uniform() < p; }
  // Box-Muller; one value per call keeps the stream position simple to reason about.
  float normal() {
    float u1 = std::max(uniform(), 1e-7f), u2 = uniform();
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
  }
  float normal(float mean, float sd) { return mean + sd * normal(); }
  // Normal clipped to [lo, hi]: identity traits stay in a plausible range.
  float clipped(float mean, float sd, float lo, float hi) {
    float v = normal(mean, sd);
    return v < lo ? lo : (v > hi ? hi : v);
  }

 private:
  uint64_t state_;
};

// Value noise on the plane, lattice hashed from a seed: cheap procedural texture
// (4 hashes per lookup) with no tables to build.
inline float lattice(uint64_t seed, int x, int y) {
  // A 32-bit integer hash: textures need no more quality, and this runs per pixel.
  uint32_t h = uint32_t(seed) ^ uint32_t(seed >> 32);
  h ^= uint32_t(x) * 0x27D4EB2Du;
  h = (h ^ (h >> 15)) * 0x2C1B3C6Du;
  h ^= uint32_t(y) * 0x165667B1u;
  h = (h ^ (h >> 12)) * 0x297A2D39u;
  h ^= h >> 15;
  return float(h >> 8) * (1.0f / 16777216.0f);
}
inline float value_noise(uint64_t seed, float x, float y) {
  float fx = std::floor(x), fy = std::floor(y);
  int ix = int(fx), iy = int(fy);
  float tx = x - fx, ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  float a = lattice(seed, ix, iy), b = lattice(seed, ix + 1, iy);
  float c = lattice(seed, ix, iy + 1), d = lattice(seed, ix + 1, iy + 1);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

}  // namespace fb::synth
