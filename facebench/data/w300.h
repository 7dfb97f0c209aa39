#pragma once
// 300W: 68 iBUG landmarks in `.pts` files next to their images.
//
//   <root>/afw/*.jpg|.pts  helen/trainset  lfpw/trainset      -> "train"  (3148)
//   <root>/helen/testset  lfpw/testset                        -> "common" (554)
//   <root>/ibug                                               -> "challenging" (135)
//   <root>/01_Indoor  02_Outdoor  (or Test/01_Indoor ...)     -> "test"   (600, private set)
// Splits "full" = common + challenging; "all" = every .pts under the root,
// wherever it lies (the layout `facebench synth` writes: images/n000000/*.pts).
//
// A .pts file reads
//   version: 1
//   n_points:  68
//   {
//   212.716603 499.771793        (x y, one point per line)
//   ...
//   }
// Its coordinates are 1-based (as menpo reads them): this reader subtracts 1
// so that they follow the pixel-centre convention of sample.h. The image is the
// file with the same stem and extension .jpg, .png (lfpw) or .jpeg.
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

// Parses .pts text; throws fb::Error "<file>:<line>: ..." on malformed input.
// Returns x0, y0, x1, y1 ... in 0-based pixel-centre coordinates.
std::vector<float> parse_pts(const std::string& text, const std::string& file);

class W300Dataset : public Dataset {
 public:
  W300Dataset(const std::string& root, const std::string& split, ProblemLog& log);
  std::string name() const override { return "300w"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  std::string split(int64_t i) const override { return items_[size_t(i)].split; }
  static std::vector<std::string> split_names();

 private:
  struct Item {
    std::string image, pts, split;
    std::vector<float> landmarks;
  };
  std::vector<Item> items_;
};

}  // namespace fb::data
