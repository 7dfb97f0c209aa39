#include "facebench/data/color.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/error.h"

namespace fb::data {

namespace {
inline float clamp01(float v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }
inline float gray(const float* p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }
void need_rgb(const ImageF& im, const char* op) { FB_CHECK(im.channels == 3, op, ": expects 3 channels, got ", im.channels); }
}  // namespace

void adjust_brightness(ImageF& im, float f) {
  for (float& v : im.px) v = clamp01(v * f);
}

void adjust_contrast(ImageF& im, float f) {
  need_rgb(im, "adjust_contrast");
  double sum = 0;
  const size_t n = im.px.size() / 3;
  for (size_t i = 0; i < n; ++i) sum += gray(&im.px[3 * i]);
  const float mean = n ? float(sum / double(n)) : 0.f;
  for (float& v : im.px) v = clamp01(f * v + (1 - f) * mean);
}

void adjust_saturation(ImageF& im, float f) {
  need_rgb(im, "adjust_saturation");
  for (size_t i = 0; i < im.px.size(); i += 3) {
    float* p = &im.px[i];
    float g = gray(p);
    for (int c = 0; c < 3; ++c) p[c] = clamp01(f * p[c] + (1 - f) * g);
  }
}

void adjust_hue(ImageF& im, float shift) {
  need_rgb(im, "adjust_hue");
  FB_CHECK(shift >= -0.5f && shift <= 0.5f, "adjust_hue: shift must lie in [-0.5, 0.5], got ", shift);
  for (size_t i = 0; i < im.px.size(); i += 3) {
    float* p = &im.px[i];
    float r = p[0], g = p[1], b = p[2];
    float mx = std::max(r, std::max(g, b)), mn = std::min(r, std::min(g, b)), d = mx - mn;
    if (d <= 0) continue;  // grey pixels have no hue
    float h;
    if (mx == r) h = (g - b) / d;
    else if (mx == g) h = 2 + (b - r) / d;
    else h = 4 + (r - g) / d;
    h = h / 6 + shift;
    h -= std::floor(h);
    float s = d / mx, v = mx;
    float hh = h * 6;
    int sector = int(hh) % 6;
    float f = hh - std::floor(hh);
    float pp = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    switch (sector) {
      case 0: p[0] = v; p[1] = t; p[2] = pp; break;
      case 1: p[0] = q; p[1] = v; p[2] = pp; break;
      case 2: p[0] = pp; p[1] = v; p[2] = t; break;
      case 3: p[0] = pp; p[1] = q; p[2] = v; break;
      case 4: p[0] = t; p[1] = pp; p[2] = v; break;
      default: p[0] = v; p[1] = pp; p[2] = q; break;
    }
  }
}

void to_grayscale(ImageF& im) {
  need_rgb(im, "to_grayscale");
  for (size_t i = 0; i < im.px.size(); i += 3) {
    float g = gray(&im.px[i]);
    im.px[i] = im.px[i + 1] = im.px[i + 2] = g;
  }
}

void solarize(ImageF& im, float t) {
  for (float& v : im.px)
    if (v >= t) v = 1 - v;
}

void gaussian_blur(ImageF& im, float sigma) {
  FB_CHECK(sigma > 0, "gaussian_blur: sigma must be positive, got ", sigma);
  const int r = std::max(1, int(std::ceil(3 * sigma)));
  std::vector<float> k(size_t(2 * r + 1));
  float sum = 0;
  for (int i = -r; i <= r; ++i) sum += k[size_t(i + r)] = std::exp(-0.5f * float(i * i) / (sigma * sigma));
  for (float& v : k) v /= sum;
  const int W = im.width, H = im.height, C = im.channels;
  const size_t stride = size_t(W) * C;
  std::vector<float> tmp(im.px.size()), pad(size_t(W + 2 * r) * C);
  // Horizontal pass: copy the row with its edge pixels repeated r times on
  // each side, then accumulate one tap at a time over the whole row, so the
  // inner loop is a contiguous multiply-add the compiler vectorises.
  for (int y = 0; y < H; ++y) {
    const float* row = &im.px[size_t(y) * stride];
    for (int x = -r; x < W + r; ++x) {
      const float* src = row + size_t(std::clamp(x, 0, W - 1)) * C;
      for (int c = 0; c < C; ++c) pad[size_t(x + r) * C + c] = src[c];
    }
    float* out = &tmp[size_t(y) * stride];
    for (size_t j = 0; j < stride; ++j) out[j] = 0;
    for (int i = 0; i <= 2 * r; ++i) {
      const float w = k[size_t(i)];
      const float* in = pad.data() + size_t(i) * C;
      for (size_t j = 0; j < stride; ++j) out[j] += w * in[j];
    }
  }
  // Vertical pass back into the image, rows clamped at the borders.
  for (int y = 0; y < H; ++y) {
    float* out = &im.px[size_t(y) * stride];
    for (size_t j = 0; j < stride; ++j) out[j] = 0;
    for (int i = -r; i <= r; ++i) {
      const float* in = &tmp[size_t(std::clamp(y + i, 0, H - 1)) * stride];
      const float w = k[size_t(i + r)];
      for (size_t j = 0; j < stride; ++j) out[j] += w * in[j];
    }
  }
}

void ColorJitter::operator()(ImageF& im, fb::Generator& rng) const {
  auto factor = [&](float v) { return float(std::max(0.0, 1.0 - v) + (1.0 + v - std::max(0.0, 1.0 - v)) * rng.uniform()); };
  // Draw all four parameters first, then the order, as torchvision does.
  const float b = factor(brightness), c = factor(contrast), s = factor(saturation);
  const float h = float(-hue + 2.0 * hue * rng.uniform());
  int order[4] = {0, 1, 2, 3};
  for (int i = 3; i > 0; --i) std::swap(order[i], order[rng.randint(i + 1)]);
  for (int op : order) {
    if (op == 0 && brightness > 0) adjust_brightness(im, b);
    if (op == 1 && contrast > 0) adjust_contrast(im, c);
    if (op == 2 && saturation > 0) adjust_saturation(im, s);
    if (op == 3 && hue > 0) adjust_hue(im, h);
  }
}

}  // namespace fb::data
