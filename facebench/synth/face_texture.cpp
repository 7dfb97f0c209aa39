// Facial regions and procedural textures (skin, eyes, brows, lips, hair).
#include "facebench/synth/face_texture.h"

#include <cmath>

#include "facebench/synth/face_model.h"
#include "facebench/synth/labels.h"
#include "facebench/synth/rng.h"

namespace fb::synth {

namespace {
float upper_lip_height(const IdentityParams& id, float u) {
  float k = std::max(0.0f, 1 - u * u);
  return id.lip_up * std::sqrt(k) *
         (1 + 0.25f * bump(std::fabs(u) - 0.25f, 0, 0.2f, 1) - 0.3f * bump(u, 0, 0.12f, 1));
}
float lower_lip_height(const IdentityParams& id, float u) {
  return id.lip_lo * std::pow(std::max(0.0f, 1 - u * u), 0.4f);
}
}  // namespace

bool in_eye(const IdentityParams& id, int side, float s, float t, float margin) {
  float sg = side == 0 ? -1.0f : 1.0f;
  float u = (s - sg * id.eye_dx) / id.eye_w;
  if (std::fabs(u) >= 1) return false;
  float k = 1 - u * u;
  float d = t - (id.eye_y + id.eye_tilt * sg * u);
  return d < id.eye_hu * k + margin && d > -id.eye_hl * k - margin;
}

bool in_brow(const IdentityParams& id, int side, float s, float t, float* depth) {
  if (std::fabs(t - (id.eye_y + id.brow_gap)) > 0.12f) return false;  // cheap reject
  Vec2 a = brow_point(id, side, 0), b = brow_point(id, side, 1);
  float v = (s - a.x) / (b.x - a.x);
  if (v < -0.03f || v > 1.03f) return false;
  float th;
  Vec2 c = brow_point(id, side, std::clamp(v, 0.0f, 1.0f), &th);
  float d = std::fabs(t - c.y) / (0.5f * th);
  if (depth) *depth = d;
  return d < 1;
}

bool in_nose(const IdentityParams& id, float s, float t) {
  float top = id.eye_y - 0.005f, bottom = id.nose_base_y - 0.012f;
  if (t > top || t < bottom) return false;
  float f = (top - t) / (top - id.nose_base_y);
  float w = id.bridge_w + (0.95f * id.nose_w - id.bridge_w) * smoothstep(0.25f, 0.95f, f);
  if (t < id.nose_base_y + 0.02f) w *= std::sqrt(std::max(0.0f, (t - bottom) / (id.nose_base_y + 0.02f - bottom)));
  return std::fabs(s) < w;
}

int mouth_region(const IdentityParams& id, float s, float t) {
  float u = s / id.mouth_w;
  if (std::fabs(u) >= 1) return 0;
  float d = t - (id.mouth_y + id.mouth_curve * u * u);
  float hm = 0.5f * kMouthGap * (1 - u * u);
  if (std::fabs(d) < hm) return 2;
  if (d > 0 && d < hm + upper_lip_height(id, u)) return 1;
  if (d < 0 && -d < hm + lower_lip_height(id, u)) return 3;
  return 0;
}

SurfaceSample shade_head(const IdentityParams& id, const ExpressionControls& c, float s, float t,
                         float hair, float front, float hx, float hy) {
  const uint64_t tex = mix64(uint64_t(id.id) * 7919u + 17u);
  // Hair wins over everything; its edge is frayed by noise so the hairline is not a clean curve.
  float hn = hair > 0.37f ? value_noise(tex ^ 0xA1, s * 40, t * 9) : 0.0f;
  if (hair > 0.37f && hair + 0.25f * (hn - 0.5f) > 0.5f) {
    float strand = value_noise(tex ^ 0xB2, s * 90, t * 14) * 0.6f + 0.4f * hn;
    return {kHair, id.hair * (0.65f + 0.7f * strand), 0.25f};
  }
  Rgb skin = id.skin * (0.95f + 0.1f * value_noise(tex ^ 0xC3, s * 30, t * 30));
  if (front > 0.02f) {
    // Mouth.
    int mr = mouth_region(id, s, t);
    if (mr == 2) {
      // Teeth are fixed to the skull (upper) and the jaw (lower): test the moved position.
      float line = id.mouth_y;
      bool upper_teeth = hy > line - 0.035f && hy < line + 0.02f;
      bool lower_teeth = hy < line - 0.05f - c.jaw * 0.95f && hy > line - 0.09f - c.jaw;
      if ((upper_teeth || lower_teeth) && std::fabs(hx) < id.mouth_w * 0.75f)
        return {kInnerMouth, Rgb{0.86f, 0.83f, 0.74f}, 0.5f};
      return {kInnerMouth, Rgb{0.28f, 0.07f, 0.08f}, 0.1f};
    }
    if (mr == 1 || mr == 3) {
      float n = value_noise(tex ^ 0xD4, s * 60, t * 20);
      return {uint8_t(mr == 1 ? kUpperLip : kLowerLip), id.lip * (0.92f + 0.12f * n),
              mr == 3 ? 0.45f : 0.3f};
    }
    // Eyes.
    for (int side = 0; side < 2; ++side) {
      float sg = side == 0 ? -1.0f : 1.0f;
      if (in_eye(id, side, s, t)) {
        uint8_t label = side == 0 ? kLeftEye : kRightEye;
        // The eyeball is rigid: the iris is a disc around its (gaze-shifted) centre.
        float gx = hx - (sg * id.eye_dx + c.gaze_x), gy = hy - (id.eye_y + 0.012f + c.gaze_y);
        float r = std::sqrt(gx * gx + gy * gy) / id.iris_r;
        float u = (s - sg * id.eye_dx) / id.eye_w;
        Rgb sclera = Rgb{0.90f, 0.87f, 0.84f} * (1 - 0.25f * u * u);
        if (r < 0.42f) return {label, Rgb{0.03f, 0.03f, 0.03f}, 1.0f};
        if (r < 1.0f) return {label, id.iris * (0.8f + 0.5f * r * r) * (r > 0.85f ? 0.6f : 1.0f), 0.8f};
        return {label, sclera, 0.6f};
      }
      // Lash line just above the upper lid and a darker crease.
      float u = (s - sg * id.eye_dx) / id.eye_w;
      if (std::fabs(u) < 1.12f) {
        float k = std::max(0.0f, 1 - u * u);
        float d = t - (id.eye_y + id.eye_tilt * sg * u) - id.eye_hu * k;
        if (d > 0 && d < 0.016f) skin = skin * 0.35f;
        else if (d > 0.045f && d < 0.06f) skin = skin * 0.85f;
        float dl = t - (id.eye_y + id.eye_tilt * sg * u) + id.eye_hl * k;
        if (dl < 0 && dl > -0.008f) skin = skin * 0.75f;
      }
    }
    // Brows.
    for (int side = 0; side < 2; ++side) {
      float d;
      if (in_brow(id, side, s, t, &d)) {
        float n = value_noise(tex ^ 0xE5, s * 120, t * 30);
        float density = std::clamp(1.2f - 0.6f * d + 0.3f * (n - 0.5f), 0.35f, 1.0f);
        return {uint8_t(side == 0 ? kLeftBrow : kRightBrow), mix(skin, id.brow, density), 0.1f};
      }
    }
    // Cheeks and nose are a little redder; nostrils are dark.
    for (int side = 0; side < 2; ++side) {
      float sg = side == 0 ? -1.0f : 1.0f;
      float w = bump(s - sg * 0.36f, t - (id.mouth_y + 0.25f), 0.18f, 0.16f);
      skin = mix(skin, Rgb{skin.r, skin.g * 0.85f, skin.b * 0.85f}, 0.5f * w);
    }
    bool nose = in_nose(id, s, t);
    if (nose) {
      for (int side = 0; side < 2; ++side) {
        float sg = side == 0 ? -1.0f : 1.0f;
        if (bump(s - sg * id.nose_w * 0.45f, t - (id.nose_base_y + 0.022f), 0.038f, 0.017f) > 0.05f)
          return {kNose, skin * 0.3f, 0.0f};
      }
    }
    // Facial hair below the nose.
    if (id.facial_hair != FacialHair::None && t < id.nose_base_y - 0.02f) {
      float fade = 1 - smoothstep(0.55f, 0.85f, std::fabs(s) / head_half_width(id, t));
      bool moustache = t > id.mouth_y + 0.03f && std::fabs(s) < id.mouth_w + 0.04f;
      float dens = id.facial_hair == FacialHair::Stubble ? 0.35f
                 : id.facial_hair == FacialHair::Beard ? 0.85f : (moustache ? 0.85f : 0.0f);
      if (id.facial_hair == FacialHair::Beard && t > id.mouth_y + 0.03f && !moustache) dens = 0.3f;
      float n = value_noise(tex ^ 0xF6, s * 110, t * 60);
      dens *= fade * (0.6f + 0.6f * n);
      if (dens > 0) skin = mix(skin, id.hair, std::min(dens, 1.0f));
    }
    return {uint8_t(nose ? kNose : kSkin), skin, 0.35f};
  }
  return {kSkin, skin, 0.3f};
}

}  // namespace fb::synth
