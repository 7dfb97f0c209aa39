// Sampling of identity traits. The ranges are tuned so that the rendered
// faces look like plausible adults with clearly different proportions.
#include "facebench/synth/identity.h"

#include "facebench/synth/rng.h"

namespace fb::synth {

namespace {
// Skin tones from light to dark (display-space RGB): an identity picks a point
// along this ramp, then a small hue jitter.
const Rgb kSkinRamp[] = {{0.96f, 0.80f, 0.70f}, {0.90f, 0.70f, 0.58f}, {0.80f, 0.58f, 0.44f},
                         {0.64f, 0.44f, 0.32f}, {0.45f, 0.30f, 0.21f}, {0.30f, 0.20f, 0.14f}};
const Rgb kHairColours[] = {{0.06f, 0.05f, 0.05f}, {0.20f, 0.13f, 0.08f}, {0.38f, 0.25f, 0.15f},
                            {0.72f, 0.58f, 0.36f}, {0.55f, 0.25f, 0.12f}, {0.62f, 0.60f, 0.58f},
                            {0.12f, 0.09f, 0.07f}};
const Rgb kIrisColours[] = {{0.25f, 0.15f, 0.08f}, {0.35f, 0.22f, 0.10f}, {0.25f, 0.40f, 0.55f},
                            {0.30f, 0.42f, 0.28f}, {0.15f, 0.10f, 0.06f}};

Rgb ramp(const Rgb* r, int n, float t) {
  float x = clamp01(t) * float(n - 1);
  int i = std::min(int(x), n - 2);
  return mix(r[i], r[i + 1], x - float(i));
}
}  // namespace

IdentityParams make_identity(int64_t k) {
  Rng g(hash_words(0x1D3A7u, uint64_t(k), kStreamIdentity));
  IdentityParams p;
  p.id = k;
  p.head_a = g.clipped(0.74f, 0.045f, 0.64f, 0.84f);
  p.head_btop = g.clipped(1.30f, 0.05f, 1.18f, 1.42f);
  p.head_bbot = g.clipped(1.0f, 0.05f, 0.9f, 1.12f);
  p.head_c = g.clipped(0.92f, 0.05f, 0.80f, 1.04f);
  p.jaw_taper = g.clipped(0.16f, 0.08f, 0.0f, 0.36f);
  p.flat_p = g.clipped(2.5f, 0.25f, 2.0f, 3.1f);

  p.eye_y = g.clipped(0.22f, 0.03f, 0.14f, 0.30f);
  p.eye_dx = g.clipped(0.30f, 0.02f, 0.25f, 0.35f);
  p.eye_w = g.clipped(0.115f, 0.01f, 0.09f, 0.14f);
  p.eye_hu = g.clipped(0.070f, 0.010f, 0.050f, 0.095f);
  p.eye_hl = g.clipped(0.040f, 0.007f, 0.028f, 0.055f);
  p.eye_tilt = g.clipped(0.012f, 0.012f, -0.015f, 0.04f);
  p.iris_r = g.clipped(0.052f, 0.004f, 0.044f, 0.060f);
  p.iris = kIrisColours[g.integer(0, 4)];

  p.brow_gap = g.clipped(0.13f, 0.018f, 0.09f, 0.17f);
  p.brow_thick = g.clipped(0.040f, 0.010f, 0.022f, 0.062f);
  p.brow_arch = g.clipped(0.030f, 0.012f, 0.0f, 0.06f);
  p.brow_len = g.clipped(0.06f, 0.02f, 0.02f, 0.10f);

  p.nose_tip_y = g.clipped(-0.20f, 0.04f, -0.30f, -0.10f);
  p.nose_base_y = p.nose_tip_y - g.clipped(0.075f, 0.012f, 0.05f, 0.10f);
  p.nose_w = g.clipped(0.115f, 0.014f, 0.085f, 0.15f);
  p.nose_prot = g.clipped(0.24f, 0.04f, 0.15f, 0.34f);
  p.bridge_w = g.clipped(0.055f, 0.01f, 0.035f, 0.075f);

  p.mouth_y = p.nose_base_y - g.clipped(0.21f, 0.025f, 0.15f, 0.27f);
  p.mouth_w = g.clipped(0.21f, 0.02f, 0.16f, 0.26f);
  p.lip_up = g.clipped(0.040f, 0.009f, 0.022f, 0.060f);
  p.lip_lo = g.clipped(0.052f, 0.010f, 0.030f, 0.075f);
  p.mouth_curve = g.clipped(0.0f, 0.012f, -0.025f, 0.025f);

  p.cheek = g.clipped(1.0f, 0.3f, 0.3f, 1.7f);
  p.chin = g.clipped(1.0f, 0.3f, 0.3f, 1.7f);
  p.brow_ridge = g.clipped(1.0f, 0.3f, 0.3f, 1.7f);
  p.ear_size = g.clipped(1.0f, 0.1f, 0.8f, 1.2f);

  Rgb skin = ramp(kSkinRamp, 6, g.uniform() * g.uniform() * 1.3f);  // lighter tones more common
  skin.r *= g.uniform(0.96f, 1.04f);
  skin.b *= g.uniform(0.92f, 1.06f);
  p.skin = skin;
  p.lip = mix(skin, Rgb{0.62f, 0.25f, 0.27f}, g.uniform(0.35f, 0.6f));
  int hc = g.integer(0, 6);
  p.hair = kHairColours[hc] * g.uniform(0.85f, 1.15f);
  p.brow = mix(p.hair, Rgb{0.08f, 0.06f, 0.05f}, hc == 5 ? 0.2f : 0.35f);

  float s = g.uniform();
  p.hair_style = s < 0.07f ? HairStyle::Bald : s < 0.2f ? HairStyle::Buzz : s < 0.55f ? HairStyle::Short
                : s < 0.78f ? HairStyle::Medium : HairStyle::Long;
  p.hairline = g.clipped(0.66f, 0.06f, 0.54f, 0.82f);
  p.hair_volume = p.hair_style == HairStyle::Buzz ? 0.015f : g.uniform(0.03f, 0.11f);
  float f = g.uniform();
  bool long_hair = p.hair_style == HairStyle::Long;
  p.facial_hair = long_hair || f < 0.65f ? FacialHair::None
                : f < 0.78f ? FacialHair::Stubble : f < 0.88f ? FacialHair::Moustache : FacialHair::Beard;
  p.wears_glasses = g.chance(0.22f);
  p.glasses = g.chance(0.5f) ? Rgb{0.05f, 0.05f, 0.06f}
                             : Rgb{g.uniform(0.1f, 0.7f), g.uniform(0.1f, 0.5f), g.uniform(0.1f, 0.5f)};
  p.glasses_rim = g.uniform(0.012f, 0.028f);
  return p;
}

}  // namespace fb::synth
