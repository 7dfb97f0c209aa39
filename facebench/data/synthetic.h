#pragma once
// The in-memory synthetic source: fb::synth::Generator behind the Dataset
// interface, rendering each face on demand (no files). Sample i is
// gen.sample(i): RGB image, LaPa-style parsing mask (plus 11 = glasses),
// 68 iBUG landmarks with visibility, identity label, and values in this order:
//   [0, 12)  AU intensities 0..5 in DISFA order (1,2,4,5,6,9,12,15,17,20,25,26)
//   12, 13   valence, arousal in [-1, 1]
//   14       emotion id (AffectNet 0..7)
// Head pose and landmark depth travel in Sample::pose / Sample::depth, which
// the transforms update (a mirror negates yaw and roll, renumbers depths).
// Uncurated non-face images have label -1 and no landmarks; a loader batch
// needs every sample to have the same fields, so use curated or video mode
// for supervised batches (the uncurated mode suits self-supervised pipelines,
// which the `faces_only = false` default keeps).
#include "facebench/data/dataset.h"
#include "facebench/synth/generator.h"

namespace fb::data {

constexpr int kSynthValues = 15;

class SyntheticDataset : public Dataset {
 public:
  // images_only: return just the picture (no labels), as self-supervised
  // pre-training reads uncurated data.
  explicit SyntheticDataset(const synth::Config& cfg, bool images_only = false);
  std::string name() const override { return "synthetic"; }
  int64_t size() const override { return gen_.size(); }
  Sample get(int64_t i) const override;
  const synth::Generator& generator() const { return gen_; }
  std::vector<std::string> value_names() const override;

 private:
  synth::Generator gen_;
  bool images_only_;
};

}  // namespace fb::data
