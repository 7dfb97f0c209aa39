#pragma once
// Face parsing: images with per-pixel class labels.
//
// LaPa:            <root>/{train,val,test}/images/<n>.jpg, labels/<n>.png
//                  one-channel PNG, values 0..10 (0 background, 1 skin,
//                  2 left eyebrow, 3 right eyebrow, 4 left eye, 5 right eye,
//                  6 nose, 7 upper lip, 8 inner mouth, 9 lower lip, 10 hair).
// Synthetic:       <root>/images/<id>/<stem>.jpg, <root>/parsing/<id>/<stem>.png
//                  (LaPa's classes plus 11 = glasses).
// CelebAMask-HQ:   <root>/CelebA-HQ-img/<k>.jpg (k = 0..29999, unpadded) and
//                  <root>/CelebAMask-HQ-mask-anno/<k / 2000>/<%05d k>_<part>.png,
//                  one binary PNG per part (pixel != 0 -> part); a part file
//                  may be missing. Parts are painted in the official order
//                  skin, nose, eye_g, l_eye, r_eye, l_brow, r_brow, l_ear, r_ear,
//                  mouth, u_lip, l_lip, hair, hat, ear_r, neck_l, neck, cloth
//                  with class = 1 + position, later parts over earlier ones
//                  (g_mask.py). Masks (512 px) smaller than their image are
//                  enlarged by nearest neighbour to the image size.
// A label value outside the layout's classes makes get() fail (never a silent
// wrong class); a label image whose size differs from its picture likewise.
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class ParsingDataset : public Dataset {
 public:
  // Pairs every image under image_dir (recursively) with label_dir/<same relative stem>.png.
  ParsingDataset(const std::string& image_dir, const std::string& label_dir, MaskLayout layout, std::string name,
                 ProblemLog& log);
  // CelebAMask-HQ's per-part files.
  static std::shared_ptr<ParsingDataset> celebamask_hq(const std::string& root, ProblemLog& log);
  std::string name() const override { return name_; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  MaskLayout layout() const { return layout_; }
  static const std::vector<std::string>& celebamask_parts();

 private:
  ParsingDataset() = default;
  struct Item {
    std::string image;
    std::vector<std::string> labels;  // one label PNG, or CelebAMask-HQ's part files
    int celeba_index = -1;
  };
  Image8 load_mask(const Item& it) const;
  std::string name_;
  MaskLayout layout_ = MaskLayout::None;
  std::vector<Item> items_;
};

}  // namespace fb::data
