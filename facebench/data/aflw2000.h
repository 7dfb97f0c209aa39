#pragma once
// AFLW2000-3D (and 300W-LP): image<N>.jpg next to image<N>.mat (MATLAB v5)
// holding pt3d_68 (3 x 68: rows x, y, z in image pixels), Pose_Para (1 x 7:
// pitch, yaw, roll in radians, tdx, tdy, tdz, scale) and pt2d.
//
//   <root>/image00002.jpg, image00002.mat, ...          (AFLW2000-3D)
//   <root>/{AFW,HELEN,IBUG,LFPW}[_Flip]/*.jpg|.mat       (300W-LP; pass a subfolder or the root)
// Every .mat under the root with an image of the same stem is a sample
// (`facebench synth` writes aflw3d/<id>/<stem>.mat with images/<id>/<stem>.jpg:
// pass image_root = <out>/images for that layout).
//
// Sample landmarks = pt3d_68 x, y used as pixel-centre coordinates (3DDFA's
// convention; the synthetic writer uses the same); depth = the 68 z values;
// pose = yaw, pitch, roll in degrees. The head-pose test protocol drops
// samples with any |angle| > 99 degrees: `max_angle` (0 keeps all).
//
// 300W-LP (`w300lp`): only the eight image folders AFW, HELEN, IBUG, LFPW and
// their _Flip twins are walked (not the separate landmarks/ folder); split
// all | noflip (the four originals) | flip (the four _Flip) | one folder name.
// A sample's split() is its folder. A listed folder that is missing is a problem.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class Aflw2000Dataset : public Dataset {
 public:
  Aflw2000Dataset(const std::string& mat_root, const std::string& image_root, double max_angle, ProblemLog& log);
  // Walks only `subdirs` of mat_root (each a problem when missing); name() is `name`.
  Aflw2000Dataset(const std::string& mat_root, const std::string& image_root, double max_angle, ProblemLog& log,
                  const std::vector<std::string>& subdirs, const std::string& name);
  static std::shared_ptr<Aflw2000Dataset> w300lp(const std::string& root, const std::string& split,
                                                 const std::string& image_root, double max_angle, ProblemLog& log);
  std::string name() const override { return name_; }
  std::string split(int64_t i) const override { return items_[size_t(i)].group; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  int64_t excluded() const { return excluded_; }
  const std::array<float, 3>& pose(int64_t i) const { return items_[size_t(i)].pose; }

 private:
  struct Item {
    std::string image, mat, group;
    std::vector<float> landmarks, depth;
    std::array<float, 3> pose;
  };
  std::vector<Item> items_;
  int64_t excluded_ = 0;
  std::string name_ = "aflw2000-3d";
};

}  // namespace fb::data
