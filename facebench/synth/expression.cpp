// Action units, emotions and the expression deformation field.
#include "facebench/synth/expression.h"

#include <cmath>

#include "facebench/synth/rng.h"

namespace fb::synth {

namespace {
enum AuIndex { A1, A2, A4, A5, A6, A9, A12, A15, A17, A20, A25, A26 };

struct Prototype {
  float w[kNumAus];   // AU weights at full intensity
  float va[2];        // valence, arousal at full intensity
};
// Prototypical AU patterns (EMFACS-style) restricted to the 12 AUs we model.
const Prototype kPrototypes[kNumEmotions] = {
    /*neutral */ {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {0.0f, 0.0f}},
    /*happy   */ {{0, 0, 0, 0, 0.8f, 0, 1.0f, 0, 0, 0, 0.5f, 0.1f}, {0.85f, 0.45f}},
    /*sad     */ {{0.9f, 0, 0.7f, 0, 0, 0, 0, 0.9f, 0.4f, 0, 0, 0}, {-0.70f, -0.35f}},
    /*surprise*/ {{1.0f, 1.0f, 0, 0.8f, 0, 0, 0, 0, 0, 0, 0.8f, 0.9f}, {0.20f, 0.85f}},
    /*fear    */ {{0.9f, 0.7f, 0.7f, 0.9f, 0, 0, 0, 0, 0, 0.9f, 0.8f, 0.4f}, {-0.65f, 0.75f}},
    /*disgust */ {{0, 0, 0.4f, 0, 0.3f, 1.0f, 0, 0.6f, 0.6f, 0, 0.3f, 0}, {-0.70f, 0.35f}},
    /*anger   */ {{0, 0, 1.0f, 0.6f, 0, 0.2f, 0, 0, 0.7f, 0, 0.3f, 0}, {-0.70f, 0.70f}},
    /*contempt*/ {{0, 0, 0, 0, 0, 0, 0.8f, 0, 0, 0, 0, 0}, {-0.50f, 0.30f}},
};
const char* kEmotionNames[kNumEmotions] = {"neutral", "happy", "sad", "surprise",
                                           "fear", "disgust", "anger", "contempt"};
}  // namespace

const char* emotion_name(Emotion e) { return kEmotionNames[int(e)]; }

void emotion_valence_arousal(Emotion e, float k, float& valence, float& arousal) {
  valence = kPrototypes[int(e)].va[0] * k;
  arousal = kPrototypes[int(e)].va[1] * k;
}

Expression emotion_prototype(Emotion e, float k) {
  Expression x;
  x.emotion = e;
  for (int i = 0; i < kNumAus; ++i) x.au[i] = 5.0f * k * kPrototypes[int(e)].w[i];
  if (e == Emotion::Contempt) x.au12_side = {0.0f, 1.0f};
  emotion_valence_arousal(e, k, x.valence, x.arousal);
  return x;
}

Expression sample_expression(Rng& g, float p_neutral) {
  Expression x;
  Emotion e = g.chance(p_neutral) ? Emotion::Neutral : Emotion(g.integer(1, kNumEmotions - 1));
  float k = e == Emotion::Neutral ? 0.0f : g.uniform(0.35f, 1.0f);
  x.emotion = e;
  const Prototype& p = kPrototypes[int(e)];
  for (int i = 0; i < kNumAus; ++i) {
    float v = 5.0f * k * p.w[i] * g.uniform(0.75f, 1.2f);
    if (p.w[i] == 0 && g.chance(0.07f)) v = g.uniform(0.5f, 2.5f);  // unrelated activity
    x.au[i] = std::round(std::min(5.0f, v));
  }
  if (e == Emotion::Contempt) {
    int side = g.integer(0, 1);
    x.au12_side = {side == 0 ? 1.0f : 0.0f, side == 1 ? 1.0f : 0.0f};
  }
  float v, a;
  emotion_valence_arousal(e, k, v, a);
  x.valence = std::clamp(v + g.normal(0, 0.06f), -1.0f, 1.0f);
  x.arousal = std::clamp(a + g.normal(0, 0.06f), -1.0f, 1.0f);
  x.blink = g.chance(0.07f) ? g.uniform(0.6f, 1.0f) : 0.0f;
  x.gaze_x = g.normal(0, 0.018f);
  x.gaze_y = g.normal(0, 0.010f);
  return x;
}

ExpressionControls expression_controls(const Expression& e) {
  ExpressionControls c;
  for (int i = 0; i < kNumAus; ++i) c.a[i] = std::clamp(e.au[i], 0.0f, 5.0f) / 5.0f;
  c.eye_upper = std::clamp(0.68f + 0.32f * c.a[A5] - 0.22f * c.a[A6] - 0.15f * c.a[A4] -
                           0.12f * c.a[A9], 0.0f, 1.0f) * (1.0f - std::clamp(e.blink, 0.0f, 1.0f));
  c.eye_lower = std::clamp(0.92f - 0.5f * c.a[A6] - 0.15f * c.a[A9], 0.0f, 1.0f);
  c.mouth_open = std::clamp(0.35f * c.a[A25] + 0.65f * c.a[A26], 0.0f, 1.0f);
  c.jaw = 0.10f * c.a[A26];
  c.side12[0] = e.au12_side[0];
  c.side12[1] = e.au12_side[1];
  c.gaze_x = e.gaze_x;
  c.gaze_y = e.gaze_y;
  return c;
}

namespace {
// 1 at x <= 0 falling smoothly to 0 at x >= 1.
inline float taper(float x) { return 1.0f - smoothstep(0.0f, 1.0f, x); }

// Vertical offset that closes a lens-shaped opening between an upper arc (height
// hu above the line) and a lower arc (hl below) to the fractions fu and fl.
// Outside the lens the skin follows, fading over `reach`; reach > 1.5 * arc keeps
// the map monotonic (no fold-over), because smoothstep's slope is at most 1.5.
inline float close_lens(float d, float hu, float hl, float fu, float fl, float reach) {
  if (d >= 0) {
    if (hu <= 0) return 0;
    return d < hu ? (fu - 1) * d : (fu - 1) * hu * taper((d - hu) / reach);
  }
  if (hl <= 0) return 0;
  return -d < hl ? (1 - fl) * (-d) : (1 - fl) * hl * taper((-d - hl) / reach);
}
}  // namespace

Vec3 expression_offset(const IdentityParams& id, const ExpressionControls& c, float s, float t) {
  Vec3 o{0, 0, 0};
  // Nothing above the brows moves (the brow fields and the lid skin reach at
  // most ~0.35 above the eye line): most of the head returns here.
  if (t > id.eye_y + 0.42f) return o;
  const float* a = c.a;
  // Eyes: lids close toward the lower lid line; AU6 lifts the lower lid.
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;  // image-left eye has s < 0
    float u = (s - sg * id.eye_dx) / id.eye_w;
    if (std::fabs(u) < 1.0f && std::fabs(t - id.eye_y) < 0.4f) {
      float line = id.eye_y + id.eye_tilt * sg * u;
      float k = 1 - u * u;
      float hu = id.eye_hu * k, hl = id.eye_hl * k;
      float reach = std::max(0.16f, 2.0f * id.eye_hu);
      o.y += close_lens(t - line, hu, hl, c.eye_upper, c.eye_lower, reach);
    }
  }
  // Mouth: the lips close over the rest-layout gap; AU25/26 reopen it; the jaw
  // (AU26) drops the whole lower face, fading toward the ears.
  {
    float u = s / id.mouth_w;
    float line = id.mouth_y + id.mouth_curve * u * u;
    float d = t - line;
    float hm = 0.5f * kMouthGap * std::max(0.0f, 1 - u * u);
    if (std::fabs(u) < 1.0f) {
      o.y += close_lens(d, hm, hm, c.mouth_open, c.mouth_open, 0.2f);
      // The open mouth is a cavity: push the gap back so it is dark and recessed.
      if (std::fabs(d) < hm) {
        float open = c.mouth_open + c.jaw * 6.0f;
        o.z -= 0.10f * std::min(open, 1.0f) * (1 - (d / hm) * (d / hm));
      }
    }
    if (c.jaw > 0 && d < 0) {
      float cap = std::fabs(u) < 1.0f ? std::max(hm, 0.02f) : 0.02f;
      float w = smoothstep(0.0f, cap, -d) * (1 - smoothstep(0.45f, 0.9f, std::fabs(s) / id.head_a));
      o.y -= c.jaw * w;
      o.z -= 0.25f * c.jaw * w;
    }
  }
  float brow_y = id.eye_y + id.brow_gap;
  float corner_y = id.mouth_y + id.mouth_curve;
  for (int side = 0; side < 2; ++side) {
    float sg = side == 0 ? -1.0f : 1.0f;
    float w;
    if ((w = bump(s - sg * (id.eye_dx - 0.08f), t - brow_y, 0.16f, 0.2f)) > 0) {
      o.y += 0.055f * a[A1] * w;                                 // AU1 inner brow raiser
      o.y -= 0.015f * a[A9] * w;                                 // AU9 pulls the brows a little
    }
    if ((w = bump(s - sg * (id.eye_dx + id.eye_w), t - brow_y, 0.17f, 0.2f)) > 0)
      o.y += 0.05f * a[A2] * w;                                  // AU2 outer brow raiser
    if ((w = bump(s - sg * (id.eye_dx - 0.04f), t - brow_y, 0.2f, 0.17f)) > 0) {
      o.y -= 0.045f * a[A4] * w;                                 // AU4 brow lowerer
      o.x -= sg * 0.025f * a[A4] * w;
    }
    if ((w = bump(s - sg * 0.36f, t - (id.eye_y - 0.2f), 0.22f, 0.2f)) > 0) {
      o.y += (0.035f * a[A6] + 0.012f * a[A12] * c.side12[side]) * w;  // AU6 cheek raiser
      o.z += 0.015f * a[A6] * w;
    }
    if ((w = bump(s - sg * id.nose_w * 0.7f, t - (id.nose_base_y + 0.05f), 0.12f, 0.12f)) > 0)
      o.y += 0.03f * a[A9] * w;                                  // AU9 nose wrinkler
    if ((w = bump(s - sg * id.mouth_w, t - corner_y, 0.16f, 0.14f)) > 0) {
      float g12 = a[A12] * c.side12[side];
      o.y += (0.065f * g12 - 0.05f * a[A15] - 0.01f * a[A20]) * w;  // AU12 / AU15 / AU20
      o.x += sg * (0.035f * g12 + 0.055f * a[A20]) * w;
      o.z -= 0.02f * g12 * w;
    }
  }
  float w;
  if ((w = bump(s, t - (id.mouth_y + 0.07f), id.mouth_w, 0.1f)) > 0) o.y += 0.015f * a[A9] * w;
  if ((w = bump(s, t - (id.mouth_y - 0.2f), 0.28f, 0.2f)) > 0) {  // AU17 chin raiser
    o.y += 0.04f * a[A17] * w;
    o.z += 0.02f * a[A17] * w;
  }
  return o;
}

}  // namespace fb::synth
