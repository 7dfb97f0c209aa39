#pragma once
// 2D occluders painted over a rendered face: a hand (palm and fingers) or an
// object (phone, cup, book, ball). Where they cover, the parsing label becomes
// background and the occlusion mask is set, so landmarks under them are
// reported invisible.
#include <cstdint>
#include <vector>

#include "facebench/synth/geometry.h"
#include "facebench/synth/image.h"

namespace fb::synth {

class Rng;

void paint_occluder(Rng& g, ImageF& im, std::vector<uint8_t>& label, std::vector<uint8_t>& mask,
                    Vec2 face_centre, float face_size);

}  // namespace fb::synth
