#pragma once
// Heatmap targets for landmark regression: one Gaussian per point, drawn on a
// grid `stride` times coarser than the view (the head predicts at 1/4 of the
// input by default). A point that is not visible, or whose peak falls outside
// the grid, gets an all-zero map and weight 0, so the loss ignores it instead
// of learning "nothing here".
#include <vector>

#include "facebench/data/sample.h"

namespace fb::data {

struct HeatmapConfig {
  int stride = 4;
  float sigma = 1.5f;  // in heatmap pixels
};

// Writes (size/stride)² × K values, HWK order (channels last, like the
// batches), into `out`, and K weights (1 or 0) into `weight`.
void render_heatmaps(const View& v, const HeatmapConfig& c, float* out, float* weight);

}  // namespace fb::data
