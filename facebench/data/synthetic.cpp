#include "facebench/data/synthetic.h"

#include "tensor/error.h"

namespace fb::data {

SyntheticDataset::SyntheticDataset(const synth::Config& cfg, bool images_only)
    : gen_(cfg), images_only_(images_only) {}

std::vector<std::string> SyntheticDataset::value_names() const {
  std::vector<std::string> v;
  for (int au : synth::kAuNumbers) v.push_back("AU" + std::to_string(au));
  v.insert(v.end(), {"valence", "arousal", "emotion"});
  return v;
}

Sample SyntheticDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "synthetic: index ", i, " out of range [0, ", size(), ")");
  synth::Sample r = gen_.sample(i);
  Sample s;
  s.index = i;
  s.source = "synthetic #" + std::to_string(i);
  s.image.width = r.image.width;
  s.image.height = r.image.height;
  s.image.channels = 3;
  s.image.px = std::move(r.image.data);
  if (images_only_) return s;
  s.mask.width = r.image.width;
  s.mask.height = r.image.height;
  s.mask.channels = 1;
  s.mask.px = std::move(r.parsing);
  s.mask_layout = MaskLayout::Synth;
  if (!r.has_face) return s;
  s.layout = LandmarkLayout::Ibug68;
  s.landmarks.reserve(2 * synth::kNumLandmarks);
  for (int k = 0; k < synth::kNumLandmarks; ++k) {
    s.landmarks.push_back(r.landmarks[size_t(k)].x);
    s.landmarks.push_back(r.landmarks[size_t(k)].y);
  }
  s.visible.assign(r.visible.begin(), r.visible.end());
  s.label = r.identity;
  for (int a = 0; a < synth::kNumAus; ++a) s.values.push_back(float(r.au[size_t(a)]));
  s.values.insert(s.values.end(), {r.valence, r.arousal, float(r.emotion)});
  s.has_pose = true;
  s.pose = {r.yaw, r.pitch, r.roll};
  for (int k = 0; k < synth::kNumLandmarks; ++k) s.depth.push_back(r.landmarks_3d[size_t(k)].z);
  // The generator's box is (x, y, w, h) of the landmarks in centre coordinates;
  // as an edge box it starts half a pixel earlier.
  s.box = {r.box[0] - 0.5f, r.box[1] - 0.5f, r.box[2] + 1.0f, r.box[3] + 1.0f};
  return s;
}

}  // namespace fb::data
