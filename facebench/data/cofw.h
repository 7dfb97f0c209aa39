#pragma once
// COFW (Caltech Occluded Faces in the Wild), the colour release used by RCPR,
// HRNet and PIPNet: two MATLAB v7.3 (HDF5) files, read through data/hdf5.
//
//   <root>/COFW_train_color.mat   IsTr (N x 1 cell of images), phisTr (N x 87), bboxesTr (N x 4)
//   <root>/COFW_test_color.mat    IsT, phisT, bboxesT
//
// phis rows are [x1..x29 | y1..y29 | occ1..occ29] (occlusion 1 = occluded);
// bboxes rows are [x, y, w, h]; each image is H x W x 3 uint8 RGB, or H x W
// grayscale (converted to RGB). On disk the HDF5 dimensions are MATLAB's
// reversed (phis is 87 x N) and the cell holds object references to arrays
// under "#refs#" whose HDF5 dimensions are 3 x W x H.
//
// Sample: the image, 29 points (LandmarkLayout::Cofw29, all marked visible:
// occluded points are annotated and count in COFW's NME), the 29 occlusion
// flags as values "occ1".."occ29", the box. Coordinates are used as stored
// (their base is undocumented; HRNet and PIPNet use them as they are).
// Images are read from the file on demand (thread-safe).
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class H5File;

class CofwDataset : public Dataset {
 public:
  // path: the COFW folder (split train|test picks the file) or one of the two
  // .mat files (the split then follows from the variables inside).
  CofwDataset(const std::string& path, const std::string& split, ProblemLog& log);
  ~CofwDataset() override;
  std::string name() const override { return "cofw"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string split(int64_t) const override { return split_; }
  std::vector<std::string> value_names() const override;
  std::string file(int64_t i) const override;

 private:
  struct Item {
    int64_t row = 0;          // 0-based row in the .mat arrays
    uint64_t ref = 0;         // object reference of the image
    std::vector<float> landmarks, occluded;
    std::array<float, 4> box{0, 0, 0, 0};
  };
  std::string path_, split_, images_var_;
  std::shared_ptr<H5File> file_;
  std::vector<Item> items_;
};

}  // namespace fb::data
