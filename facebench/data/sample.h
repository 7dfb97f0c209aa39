#pragma once
// One decoded example and one augmented view of it.
//
// Coordinates everywhere in facebench/data: x to the right (column), y down
// (row), 0-based, with integer values at pixel CENTRES, so the image spans
// [-0.5, W - 0.5]. Readers convert each format's own convention (1-based .pts
// files, for instance) to this one on load, and say so in their header.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facebench/data/image.h"
#include "facebench/data/layouts.h"

namespace fb::data {

struct Sample {
  int64_t index = -1;     // position in its dataset
  std::string source;     // image file (or a description), for messages
  Image8 image;           // RGB, 3 channels (readers decode gray files to RGB)
  Image8 mask;            // parsing label map, 1 channel, same size as image; empty if none
  MaskLayout mask_layout = MaskLayout::None;
  std::vector<float> landmarks;  // x0, y0, x1, y1, ... (pixels)
  std::vector<uint8_t> visible;  // one per point: 1 visible / labelled, 0 not
  LandmarkLayout layout = LandmarkLayout::None;
  std::vector<float> depth;      // per landmark z (pixels, toward the camera); empty if 2-D
  bool has_pose = false;
  std::array<float, 3> pose{0, 0, 0};  // yaw, pitch, roll in degrees (yaw > 0: nose to image right,
                                       // roll > 0: counter-clockwise in the image)
  int64_t label = -1;            // identity or class id; -1 when the task has none
  std::vector<float> values;     // regression targets (AU intensities, valence/arousal, pose ...)
  std::array<float, 4> box{0, 0, 0, 0};  // face box x, y, w, h (pixels); w <= 0 when unknown
  int num_points() const { return int(landmarks.size() / 2); }
};

// An augmented view: a float image of the crop size and the labels moved with it.
struct View {
  ImageF image;                  // 3 channels, values in [0, 1] (not yet normalised)
  Image8 mask;                   // 1 channel, same size; empty if the sample has none
  std::vector<float> landmarks;  // in the view's pixels, permuted if the view is mirrored
  std::vector<uint8_t> visible;  // permuted alike; points that left the view are kept (see heatmap.h)
  std::vector<float> depth;      // permuted alike, scaled with the view
  // Pose seen in the view: an in-plane rotation adds to roll; a mirror negates yaw and roll.
  bool has_pose = false;
  std::array<float, 3> pose{0, 0, 0};
  bool flipped = false;
};

}  // namespace fb::data
