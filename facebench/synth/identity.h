#pragma once
// Identity = the traits that make one synthetic person recognisable: head and
// feature shape, and appearance (skin, eyes, brows, lips, hair, facial hair,
// glasses). Identity k is a pure function of k, the same in every run, every
// mode and every seed: the dataset seed only changes how a person is filmed.
#include <cstdint>

#include "facebench/synth/geometry.h"

namespace fb::synth {

enum class HairStyle : int { Bald = 0, Buzz = 1, Short = 2, Medium = 3, Long = 4 };
enum class FacialHair : int { None = 0, Stubble = 1, Moustache = 2, Beard = 3 };

struct IdentityParams {
  int64_t id = 0;
  // Head: half-width a, upper/lower half-heights, depth, jaw taper toward the
  // chin, and the flatness exponent of the face front (2 = sphere).
  float head_a, head_btop, head_bbot, head_c, jaw_taper, flat_p;
  // Eyes: centre height, half distance between centres, half-width, lid arc
  // heights (above/below the eye line at full opening), outer-corner tilt.
  float eye_y, eye_dx, eye_w, eye_hu, eye_hl, eye_tilt, iris_r;
  Rgb iris;
  // Brows: gap above the eye line, thickness, arch, reach past the eye.
  float brow_gap, brow_thick, brow_arch, brow_len;
  // Nose: tip and base heights, half-width at the wings, protrusion, bridge width.
  float nose_tip_y, nose_base_y, nose_w, nose_prot, bridge_w;
  // Mouth: line height, half-width, lip thicknesses, corner curvature.
  float mouth_y, mouth_w, lip_up, lip_lo, mouth_curve;
  // Relief: cheekbones, chin, brow ridge.
  float cheek, chin, brow_ridge, ear_size;
  // Appearance.
  Rgb skin, lip, brow, hair;
  float hairline, hair_volume;
  HairStyle hair_style;
  FacialHair facial_hair;
  bool wears_glasses;
  Rgb glasses;
  float glasses_rim;
};

// The traits of identity k (k >= 0).
IdentityParams make_identity(int64_t k);

}  // namespace fb::synth
