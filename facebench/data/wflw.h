#pragma once
// WFLW: 98 landmarks per face, one face per line of
//   <root>/WFLW_annotations/list_98pt_rect_attr_train_test/list_98pt_rect_attr_{train,test}.txt
// with the images under <root>/WFLW_images/<event folder>/<file>.jpg.
//
// A line holds 207 tokens separated by single spaces:
//   0-195    x0 y0 x1 y1 ... x97 y97   (interleaved, pixels)
//   196-199  face box x_min y_min x_max y_max
//   200-205  six 0/1 flags: pose, expression, illumination, make-up, occlusion, blur
//   206      image path relative to WFLW_images
// One image can hold several faces (several lines). The coordinates are used
// as they are (their base is not documented; FaRL uses them unchanged).
// Sample values = the six attribute flags, in the order above.
#include <array>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class WflwDataset : public Dataset {
 public:
  // split: "train" or "test" (the rect_attr lists), or a path to any file in the same format.
  WflwDataset(const std::string& root, const std::string& split, ProblemLog& log);
  std::string name() const override { return "wflw"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  std::string split(int64_t i) const override { (void)i; return split_; }
  static const char* const kAttributes[6];
  std::vector<std::string> value_names() const override { return {kAttributes, kAttributes + 6}; }

 private:
  struct Item {
    std::string image;
    std::vector<float> landmarks;
    std::array<float, 4> box;
    std::vector<float> attributes;
  };
  std::string split_;
  std::vector<Item> items_;
};

}  // namespace fb::data
