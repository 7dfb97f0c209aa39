#pragma once
// Landmark overlays for the report: sample faces in a grid, true landmarks in
// green and predicted ones in red, each with a title.
#include <string>
#include <vector>

#include "facebench/data/image.h"
#include "facebench/report/canvas.h"

namespace fb::report {

struct Point2 {
  double x = 0, y = 0;  // pixels of the sample's image
};

struct LandmarkOverlay {
  std::string title;              // e.g. "swav-uncurated, 5 %"
  data::Image8 image;             // RGB (3 channels) or grey (1 channel)
  std::vector<Point2> predicted;  // drawn red
  std::vector<Point2> truth;      // drawn green
};

const Rgb kTruthColor{0, 200, 0};
const Rgb kPredictionColor{230, 20, 20};

// Each face is scaled so its longer side is `tile` pixels. Throws fb::Error on
// no samples, an empty image, 2 or 4 channels, or a non-finite point.
data::Image8 render_landmark_sheet(const std::vector<LandmarkOverlay>& samples, int columns = 4, int tile = 256);

}  // namespace fb::report
