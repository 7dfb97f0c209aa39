#pragma once
// Per-pixel appearance of the head: which facial part a surface point belongs
// to (its parsing label) and its albedo. Regions are tests on the rest
// face-plane coordinates (s, t), the same shapes that place the landmarks.
#include <cstdint>

#include "facebench/synth/expression.h"
#include "facebench/synth/geometry.h"
#include "facebench/synth/identity.h"

namespace fb::synth {

struct SurfaceSample {
  uint8_t label;   // ParsingClass
  Rgb albedo;      // display-space colour before lighting
  float specular;  // strength of the highlight
};

// (s, t): rest face-plane coordinates; hair: interpolated hair coverage;
// front: > 0 on the face side; (hx, hy): head-space position after the
// expression (the eyeball and teeth are rigid, so iris and teeth are drawn there).
SurfaceSample shade_head(const IdentityParams& id, const ExpressionControls& c, float s, float t,
                         float hair, float front, float hx, float hy);

// Region tests used by the shader and by tests of the labels.
bool in_eye(const IdentityParams& id, int side, float s, float t, float margin = 0);
bool in_nose(const IdentityParams& id, float s, float t);
// 0 none, 1 upper lip, 2 inner mouth, 3 lower lip.
int mouth_region(const IdentityParams& id, float s, float t);
bool in_brow(const IdentityParams& id, int side, float s, float t, float* depth = nullptr);

}  // namespace fb::synth
