#pragma once
// What a sample shows, drawn from its random streams according to the mode:
// camera, light, the faces (primary first) with pose and expression, and the
// seeds of the background, occluder and degradations.
#include <cstdint>
#include <memory>
#include <vector>

#include "facebench/synth/degrade.h"
#include "facebench/synth/generator.h"
#include "facebench/synth/render.h"

namespace fb::synth {

struct SceneSpec {
  Camera cam;
  Lighting light;
  std::vector<FaceInstance> faces;  // faces[0] is the labelled one when has_face
  bool has_face = true;
  uint64_t background_seed = 0;
  bool occluder = false;
  uint64_t occluder_seed = 0;
  DegradeStrength degrade;
  uint64_t degrade_seed = 0;
};

SceneSpec make_scene(const Config& cfg, int64_t index, const Generator::Slot& slot);

// Rest model of identity k, cached per thread (building one costs ~1 ms;
// consecutive samples usually share the identity).
std::shared_ptr<const HeadModel> cached_head_model(int64_t identity, int detail = 2);

}  // namespace fb::synth
