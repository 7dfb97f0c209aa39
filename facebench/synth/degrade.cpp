#include "facebench/synth/degrade.h"

#include <algorithm>
#include <cmath>

#include "facebench/synth/rng.h"

namespace fb::synth {

void box_blur(ImageF& im, int r) {
  if (r <= 0) return;
  const int W = im.width, H = im.height;
  std::vector<float> tmp(im.rgb.size());
  const float inv = 1.0f / float(2 * r + 1);
  // Horizontal then vertical running sums, clamping at the borders. Each
  // channel's sum adds and subtracts the same values in the same order as a
  // plain per-channel loop; the three channels (horizontal) and all columns
  // (vertical) advance together so that memory is read in order.
  for (int y = 0; y < H; ++y) {
    const float* src = &im.rgb[size_t(y) * W * 3];
    float* dst = &tmp[size_t(y) * W * 3];
    float acc[3] = {0, 0, 0};
    for (int k = -r; k <= r; ++k)
      for (int c = 0; c < 3; ++c) acc[c] += src[std::clamp(k, 0, W - 1) * 3 + c];
    for (int x = 0; x < W; ++x) {
      const float* in = src + std::clamp(x + r + 1, 0, W - 1) * 3;
      const float* out = src + std::clamp(x - r, 0, W - 1) * 3;
      for (int c = 0; c < 3; ++c) {
        dst[x * 3 + c] = acc[c] * inv;
        acc[c] += in[c] - out[c];
      }
    }
  }
  const size_t row = size_t(W) * 3;
  std::vector<float> acc(row, 0.0f);
  for (int k = -r; k <= r; ++k) {
    const float* src = &tmp[size_t(std::clamp(k, 0, H - 1)) * row];
    for (size_t i = 0; i < row; ++i) acc[i] += src[i];
  }
  for (int y = 0; y < H; ++y) {
    float* dst = &im.rgb[size_t(y) * row];
    const float* in = &tmp[size_t(std::clamp(y + r + 1, 0, H - 1)) * row];
    const float* out = &tmp[size_t(std::clamp(y - r, 0, H - 1)) * row];
    for (size_t i = 0; i < row; ++i) {
      dst[i] = acc[i] * inv;
      acc[i] += in[i] - out[i];
    }
  }
}

void jpeg_like(ImageF& im, float quality) {
  // 8x8 DCT-II per channel, uniform quantisation stepping up with frequency.
  static float cosv[8][8];
  static bool init = [] {
    for (int k = 0; k < 8; ++k)
      for (int n = 0; n < 8; ++n)
        cosv[k][n] = (k == 0 ? std::sqrt(0.125f) : 0.5f) * std::cos((2 * n + 1) * k * 3.14159265f / 16);
    return true;
  }();
  (void)init;
  const int W = im.width, H = im.height;
  float step0 = 0.02f + 0.12f * (1 - quality);
  for (int by = 0; by + 8 <= H; by += 8)
    for (int bx = 0; bx + 8 <= W; bx += 8)
      for (int c = 0; c < 3; ++c) {
        float blk[8][8], tmp[8][8], co[8][8];
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) blk[y][x] = im.rgb[(size_t(by + y) * W + bx + x) * 3 + c];
        for (int y = 0; y < 8; ++y)
          for (int k = 0; k < 8; ++k) {
            float s = 0;
            for (int n = 0; n < 8; ++n) s += cosv[k][n] * blk[y][n];
            tmp[y][k] = s;
          }
        for (int k = 0; k < 8; ++k)
          for (int l = 0; l < 8; ++l) {
            float s = 0;
            for (int n = 0; n < 8; ++n) s += cosv[l][n] * tmp[n][k];
            float q = step0 * (1 + 0.6f * float(k + l));
            co[l][k] = std::round(s / q) * q;
          }
        for (int y = 0; y < 8; ++y)
          for (int k = 0; k < 8; ++k) {
            float s = 0;
            for (int l = 0; l < 8; ++l) s += cosv[l][y] * co[l][k];
            tmp[y][k] = s;
          }
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) {
            float s = 0;
            for (int k = 0; k < 8; ++k) s += cosv[k][x] * tmp[y][k];
            im.rgb[(size_t(by + y) * W + bx + x) * 3 + c] = s;
          }
      }
}

void degrade(uint64_t seed, const DegradeStrength& s, ImageF& im) {
  Rng g(seed);
  const int W = im.width, H = im.height;
  if (g.chance(s.p_cast)) {
    float m = 0.12f * s.scale;
    float gr = 1 + g.uniform(-m, m), gg = 1 + g.uniform(-m, m), gb = 1 + g.uniform(-m, m);
    float bright = 1 + g.uniform(-0.2f, 0.2f) * s.scale;
    for (size_t i = 0; i < im.rgb.size(); i += 3) {
      im.rgb[i] *= gr * bright;
      im.rgb[i + 1] *= gg * bright;
      im.rgb[i + 2] *= gb * bright;
    }
  }
  if (g.chance(s.p_lowres)) {
    // Average-pool by f and blow back up with nearest neighbours, then soften.
    int f = g.integer(2, 3);
    for (int y = 0; y < H; y += f)
      for (int x = 0; x < W; x += f)
        for (int c = 0; c < 3; ++c) {
          float acc = 0;
          int cnt = 0;
          for (int yy = y; yy < std::min(H, y + f); ++yy)
            for (int xx = x; xx < std::min(W, x + f); ++xx, ++cnt) acc += im.rgb[(size_t(yy) * W + xx) * 3 + c];
          acc /= float(cnt);
          for (int yy = y; yy < std::min(H, y + f); ++yy)
            for (int xx = x; xx < std::min(W, x + f); ++xx) im.rgb[(size_t(yy) * W + xx) * 3 + c] = acc;
        }
    box_blur(im, 1);
  } else if (g.chance(s.p_blur)) {
    box_blur(im, g.chance(0.7f) ? 1 : 2);
  }
  if (g.chance(s.p_noise)) {
    float sigma = g.uniform(0.005f, 0.035f) * s.scale;
    uint64_t ns = g.next_u64();
    for (size_t i = 0; i < im.rgb.size(); ++i) {
      // Sum of three uniforms: close enough to Gaussian and far cheaper.
      uint64_t h = mix64(ns + i);
      float u = float(h & 0xFFFF) + float((h >> 16) & 0xFFFF) + float((h >> 32) & 0xFFFF);
      im.rgb[i] += sigma * 2.0f * (u / 65535.0f - 1.5f);
    }
  }
  if (g.chance(s.p_jpeg)) jpeg_like(im, g.uniform(0.1f, 0.7f));
}

}  // namespace fb::synth
