#pragma once
// Procedural backgrounds: a coloured gradient, clutter of flat shapes
// (furniture, windows, posters, foliage blobs) and a little texture noise.
// Pure function of the seed: video frames reuse their sequence's seed.
#include <cstdint>

#include "facebench/synth/image.h"

namespace fb::synth {

void paint_background(uint64_t seed, ImageF& im);

}  // namespace fb::synth
