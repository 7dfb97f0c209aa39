#pragma once
// Image degradations of in-the-wild photos: colour casts, blur, low
// resolution, sensor noise and JPEG-like block quantisation. They change
// pixels only, never geometry, so every label stays exact.
#include <cstdint>

#include "facebench/synth/image.h"

namespace fb::synth {

struct DegradeStrength {
  float p_cast = 0.4f, p_blur = 0.25f, p_lowres = 0.08f, p_noise = 0.35f, p_jpeg = 0.12f;
  float scale = 1.0f;  // multiplies every magnitude
};

void degrade(uint64_t seed, const DegradeStrength& s, ImageF& im);

// Building blocks, exposed for tests.
void box_blur(ImageF& im, int radius);
void jpeg_like(ImageF& im, float quality);

}  // namespace fb::synth
