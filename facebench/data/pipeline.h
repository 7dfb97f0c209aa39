#pragma once
// Augmentation pipelines: a Sample in, one or more Views out.
//
// A pipeline is a list of crop groups; each group makes `count` views with
// its own AugmentConfig. One group of count 1 is an ordinary single-view
// pipeline; SwAV's multi-crop is 2 × 224 px (scale 0.14-1) + 6 × 96 px
// (scale 0.05-0.14), each crop then flipped, colour-distorted and blurred.
//
// All randomness comes from the fb::Generator passed in, which the loader
// derives from (seed, epoch, sample index): a view is a pure function of those,
// whatever thread computes it.
#include <string>
#include <vector>

#include "facebench/data/color.h"
#include "facebench/data/sample.h"
#include "tensor/random.h"

namespace fb::data {

enum class CropMode {
  Resize,             // the whole image, stretched to size × size
  RandomResizedCrop,  // torchvision's, within [scale_min, scale_max] of the area
  Face,               // square around the face box (or landmarks), enlarged, jittered, rotated
};

struct AugmentConfig {
  int size = 224;  // the view is size × size
  CropMode crop = CropMode::RandomResizedCrop;
  float scale_min = 0.08f, scale_max = 1.0f;        // RandomResizedCrop area fraction
  float ratio_min = 3.0f / 4, ratio_max = 4.0f / 3;  // RandomResizedCrop aspect ratio
  float face_enlarge = 1.25f;                        // Face: box side multiplier
  float face_scale_jitter = 0;                       // Face: side × U[1 - j, 1 + j]
  float face_shift = 0;                              // Face: centre shift, fraction of side
  float rotate_degrees = 0;                          // Face: rotation U[-r, r]
  float flip_p = 0;                                  // horizontal mirror probability
  float jitter_p = 0;                                // colour jitter probability
  ColorJitter jitter;
  float gray_p = 0;                                  // grayscale probability
  float blur_p = 0, blur_sigma_min = 0.1f, blur_sigma_max = 2.0f;
  float solarize_p = 0, solarize_threshold = 0.5f;
};

struct CropGroup {
  int count = 1;
  AugmentConfig aug;
};

class Pipeline {
 public:
  explicit Pipeline(std::vector<CropGroup> groups);
  // Views in group order (all of group 0, then group 1, ...).
  std::vector<View> operator()(const Sample& s, fb::Generator& rng) const;
  int num_views() const;
  int view_size(int v) const;  // size of view v
  const std::vector<CropGroup>& groups() const { return groups_; }

 private:
  std::vector<CropGroup> groups_;
};

// One view from one config (what each crop of a group does).
View augment(const Sample& s, const AugmentConfig& c, fb::Generator& rng);

// SwAV's multi-crop. sizes/counts/scale ranges are parallel lists; the
// defaults reproduce the paper: 2 × 224 (0.14-1.0) + 6 × 96 (0.05-0.14), flip 0.5,
// jitter 0.8 with (0.8, 0.8, 0.8, 0.2), grayscale 0.2, blur 0.5 with sigma 0.1-2.
// color_strength scales the jitter's four ranges (SimCLR's s; 0 turns jitter
// and grayscale off).
Pipeline swav_multicrop(std::vector<int> sizes = {224, 96}, std::vector<int> counts = {2, 6},
                        std::vector<float> scale_min = {0.14f, 0.05f}, std::vector<float> scale_max = {1.0f, 0.14f},
                        float color_strength = 1.0f);
// A single view for supervised face tasks: face square, optional flip/jitter.
Pipeline face_pipeline(int size, float flip_p, float rotate_degrees, float scale_jitter);
// Evaluation: the whole image resized (no randomness).
Pipeline resize_pipeline(int size);

}  // namespace fb::data
