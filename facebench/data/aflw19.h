#pragma once
// AFLW-19: <root>/AFLWinfo_release.mat with the images under <root>/data/flickr/.
//
// Variables (MATLAB v5, as scipy.io.loadmat reads them), N = 24386 in the release:
//   bbox      N x 4   [left, right, top, bottom]   (x_min, x_max, y_min, y_max; not x, y, w, h)
//   data      N x 38  [x1..x19, y1..y19]           (all x first, then all y)
//   mask_new  N x 19  1 = visible
//   nameList  N x 1   cell of char: path joined onto data/flickr/ (e.g. "3/image00035.jpg")
//   ra        1 x N   a random permutation of 1..N (1-based): train = ra[0:20000], test = the rest
// Split "frontal" = test samples whose 19 points are all visible.
// Coordinates are used as they are (their base is not documented).
// Points: brows 0-5, eyes 6-11, nose 12-14, mouth 15-17, chin 18 (see layouts.cpp).
#include <array>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class Aflw19Dataset : public Dataset {
 public:
  // split: "train", "test", "frontal" or "all"; train_count: how many of `ra`
  // form the training set (20000 in the standard protocol).
  Aflw19Dataset(const std::string& root, const std::string& split, ProblemLog& log, int64_t train_count = 20000);
  std::string name() const override { return "aflw19"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  std::string split(int64_t i) const override { return items_[size_t(i)].split; }

 private:
  struct Item {
    std::string image, split;
    std::vector<float> landmarks;
    std::vector<uint8_t> visible;
    std::array<float, 4> box;
  };
  std::vector<Item> items_;
};

}  // namespace fb::data
