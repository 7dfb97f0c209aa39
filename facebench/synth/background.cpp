#include "facebench/synth/background.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "facebench/synth/geometry.h"
#include "facebench/synth/rng.h"

namespace fb::synth {

Image8 to_image8(const ImageF& im) {
  Image8 out;
  out.width = im.width;
  out.height = im.height;
  out.data.resize(im.rgb.size());
  // Branch-free clamp, and the conversion through int32 (the clamped value is
  // in [0, 255], so the result is the same), so that the compiler vectorises
  // the loop: a direct float -> uint8 conversion stays scalar.
  const float* src = im.rgb.data();
  uint8_t* dst = out.data.data();
  const size_t n = im.rgb.size();
  for (size_t i = 0; i < n; ++i)
    dst[i] = uint8_t(int32_t(std::min(255.0f, std::max(0.0f, src[i] * 255.0f + 0.5f))));
  return out;
}

namespace {
Rgb random_colour(Rng& g, float sat) {
  float l = g.uniform(0.15f, 0.9f);
  Rgb c{g.uniform(), g.uniform(), g.uniform()};
  return mix(Rgb{l, l, l}, c, sat * g.uniform());
}
}  // namespace

namespace {
void paint(uint64_t seed, ImageF& im) {
  Rng g(seed);
  const int W = im.width, H = im.height;
  Rgb top = random_colour(g, 0.8f), bottom = random_colour(g, 0.8f);
  for (int y = 0; y < H; ++y) {
    Rgb c = mix(top, bottom, float(y) / float(std::max(1, H - 1)));
    float* row = im.at(0, y);
    for (int x = 0; x < W; ++x) {
      row[3 * x] = c.r;
      row[3 * x + 1] = c.g;
      row[3 * x + 2] = c.b;
    }
  }
  // Clutter: rectangles (shelves, frames, windows), ellipses (lamps, plants), bars.
  int n = g.integer(2, 12);
  for (int k = 0; k < n; ++k) {
    int kind = g.integer(0, 2);
    Rgb c = random_colour(g, 1.0f);
    float alpha = g.uniform(0.5f, 1.0f);
    float cx = g.uniform(-0.1f, 1.1f) * W, cy = g.uniform(-0.1f, 1.1f) * H;
    float rx = g.uniform(0.05f, 0.45f) * W, ry = g.uniform(0.05f, 0.45f) * H;
    if (kind == 2) {  // long thin bar, horizontal or vertical
      if (g.chance(0.5f)) { rx = float(W); ry *= 0.15f; }
      else { ry = float(H); rx *= 0.15f; }
    }
    float shade = g.uniform(-0.3f, 0.3f);  // light falloff across the shape
    int x0 = std::max(0, int(cx - rx)), x1 = std::min(W - 1, int(cx + rx));
    int y0 = std::max(0, int(cy - ry)), y1 = std::min(H - 1, int(cy + ry));
    for (int y = y0; y <= y1; ++y) {
      float dy = (float(y) - cy) / ry;
      for (int x = x0; x <= x1; ++x) {
        float dx = (float(x) - cx) / rx;
        if (kind == 1 && dx * dx + dy * dy > 1) continue;
        float f = 1 + shade * dy;
        float* p = im.at(x, y);
        p[0] += alpha * (c.r * f - p[0]);
        p[1] += alpha * (c.g * f - p[1]);
        p[2] += alpha * (c.b * f - p[2]);
      }
    }
  }
  // Texture: two octaves of value noise, luminance only.
  float amp = g.uniform(0.02f, 0.12f), scale = g.uniform(4.0f, 20.0f) / float(W);
  uint64_t ns = g.next_u64();
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      float d = amp * (value_noise(ns, x * scale, y * scale) - 0.5f);
      float* p = im.at(x, y);
      p[0] += d;
      p[1] += d;
      p[2] += d;
    }
}

}  // namespace

void paint_background(uint64_t seed, ImageF& im) {
  // Painted at half resolution and enlarged bilinearly: a quarter of the work,
  // and the softness reads as the shallow depth of field of a portrait.
  ImageF small;
  small.reset((im.width + 1) / 2, (im.height + 1) / 2);
  paint(seed, small);
  const int W = im.width, H = im.height, w = small.width, h = small.height;
  // The source columns and weights are the same for every row: compute them once.
  std::vector<int> col0(size_t(W), 0), col1(size_t(W), 0);
  std::vector<float> col_t(size_t(W), 0.0f);
  for (int x = 0; x < W; ++x) {
    float fx = std::clamp((float(x) - 0.5f) * 0.5f, 0.0f, float(w - 1));
    int x0 = std::min(int(fx), w - 1);
    col0[size_t(x)] = 3 * x0;
    col1[size_t(x)] = 3 * std::min(x0 + 1, w - 1);
    col_t[size_t(x)] = fx - float(x0);
  }
  for (int y = 0; y < H; ++y) {
    float fy = std::clamp((float(y) - 0.5f) * 0.5f, 0.0f, float(h - 1));
    int y0 = std::min(int(fy), h - 1), y1 = std::min(y0 + 1, h - 1);
    float ty = fy - float(y0);
    const float *r0 = small.at(0, y0), *r1 = small.at(0, y1);
    float* p = im.at(0, y);
    for (int x = 0; x < W; ++x, p += 3) {
      const float *a = r0 + col0[size_t(x)], *b = r0 + col1[size_t(x)];
      const float *c = r1 + col0[size_t(x)], *d = r1 + col1[size_t(x)];
      const float tx = col_t[size_t(x)];
      for (int k = 0; k < 3; ++k) {
        float top = a[k] + (b[k] - a[k]) * tx, bot = c[k] + (d[k] - c[k]) * tx;
        p[k] = top + (bot - top) * ty;
      }
    }
  }
}

}  // namespace fb::synth
