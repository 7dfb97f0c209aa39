#include "facebench/synth/occluders.h"

#include <algorithm>
#include <cmath>

#include "facebench/synth/labels.h"
#include "facebench/synth/rng.h"

namespace fb::synth {

namespace {
struct Capsule {
  Vec2 a, b;
  float r;
};
// Distance from p to segment ab, divided by the radius (< 1 inside).
float capsule_depth(const Capsule& c, float px, float py) {
  float dx = c.b.x - c.a.x, dy = c.b.y - c.a.y;
  float t = ((px - c.a.x) * dx + (py - c.a.y) * dy) / std::max(1e-6f, dx * dx + dy * dy);
  t = std::clamp(t, 0.0f, 1.0f);
  float ex = px - (c.a.x + t * dx), ey = py - (c.a.y + t * dy);
  return std::sqrt(ex * ex + ey * ey) / c.r;
}
}  // namespace

void paint_occluder(Rng& g, ImageF& im, std::vector<uint8_t>& label, std::vector<uint8_t>& mask,
                    Vec2 fc, float fs) {
  const int W = im.width, H = im.height;
  Vec2 c{fc.x + g.uniform(-0.45f, 0.45f) * fs, fc.y + g.uniform(-0.2f, 0.55f) * fs};
  float ang = g.uniform(0, 2 * kPi);
  float ca = std::cos(ang), sa = std::sin(ang);
  std::vector<Capsule> caps;
  Rgb col;
  float gloss = 0;
  bool hand = g.chance(0.55f);
  if (hand) {
    // Palm as a fat capsule, four fingers fanning out from its far edge, a thumb.
    float pw = g.uniform(0.22f, 0.3f) * fs;
    caps.push_back({{c.x - ca * pw * 0.4f, c.y - sa * pw * 0.4f}, {c.x + ca * pw * 0.4f, c.y + sa * pw * 0.4f}, pw * 0.75f});
    float fl = g.uniform(0.3f, 0.42f) * fs, fr = 0.25f * pw;  // finger radius in pixels
    float curl = g.uniform(-0.25f, 0.25f);
    for (int k = 0; k < 4; ++k) {
      float off = (float(k) - 1.5f) * pw * 0.36f;
      Vec2 base{c.x + ca * pw * 0.6f - sa * off, c.y + sa * pw * 0.6f + ca * off};
      float a2 = ang + curl + 0.08f * (float(k) - 1.5f);
      float len = fl * (k == 0 || k == 3 ? 0.8f : 1.0f);
      caps.push_back({base, {base.x + std::cos(a2) * len, base.y + std::sin(a2) * len}, fr});
    }
    float ta = ang + (g.chance(0.5f) ? 1.2f : -1.2f);
    caps.push_back({c, {c.x + std::cos(ta) * fl, c.y + std::sin(ta) * fl}, fr * 1.1f});
    const Rgb tones[] = {{0.93f, 0.76f, 0.64f}, {0.78f, 0.56f, 0.42f}, {0.55f, 0.37f, 0.26f}, {0.35f, 0.23f, 0.16f}};
    col = tones[g.integer(0, 3)];
  } else {
    // An object: a long rounded bar (phone, book edge, microphone) or a round one.
    float len = g.uniform(0.2f, 0.5f) * fs, rad = g.uniform(0.08f, 0.22f) * fs;
    caps.push_back({{c.x - ca * len, c.y - sa * len}, {c.x + ca * len, c.y + sa * len}, rad});
    col = {g.uniform(0.05f, 0.95f), g.uniform(0.05f, 0.95f), g.uniform(0.05f, 0.95f)};
    gloss = g.uniform(0.0f, 0.4f);
  }
  float xmin = 1e9f, xmax = -1e9f, ymin = 1e9f, ymax = -1e9f;
  for (const auto& k : caps) {
    xmin = std::min({xmin, k.a.x - k.r, k.b.x - k.r});
    xmax = std::max({xmax, k.a.x + k.r, k.b.x + k.r});
    ymin = std::min({ymin, k.a.y - k.r, k.b.y - k.r});
    ymax = std::max({ymax, k.a.y + k.r, k.b.y + k.r});
  }
  int x0 = std::max(0, int(xmin)), x1 = std::min(W - 1, int(xmax) + 1);
  int y0 = std::max(0, int(ymin)), y1 = std::min(H - 1, int(ymax) + 1);
  float light = g.uniform(0.75f, 1.1f);
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      float best = 2;
      for (const auto& k : caps) best = std::min(best, capsule_depth(k, float(x), float(y)));
      if (best >= 1) continue;
      // Round shading: darker toward the rim, plus an optional glossy band.
      float sh = light * (0.55f + 0.45f * std::sqrt(1 - best * best));
      float hl = gloss * std::max(0.0f, 1 - std::fabs(best - 0.35f) * 6);
      float* p = im.at(x, y);
      p[0] = col.r * sh + hl;
      p[1] = col.g * sh + hl;
      p[2] = col.b * sh + hl;
      size_t i = size_t(y) * W + x;
      label[i] = kBackground;
      mask[i] = 1;
    }
}

}  // namespace fb::synth
