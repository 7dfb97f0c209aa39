#pragma once
// AffectNet, the official CSV release:
//   <root>/Manually_Annotated_file_lists/training.csv, validation.csv
//   <root>/Manually_Annotated_Images/<subdir>/<file>.jpg
// Header (verbatim):
//   subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal
// facial_landmarks is one field of ';'-separated floats x;y;x;y;...; expression
// is an id (0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust, 6 Anger,
// 7 Contempt, 8 None, 9 Uncertain, 10 Non-Face); valence and arousal in [-1, 1].
//
// `classes` (8 or 7) keeps rows whose expression is below it; the rest
// (None/Uncertain/Non-Face, or Contempt for 7 classes) are excluded on purpose
// and counted, not reported as problems. Rows that do not parse, a negative box
// size or valence/arousal outside [-1, 1] are problems.
// Sample label = expression; values = (valence, arousal); box from the face
// fields; landmarks when the field holds 68 points.
#include <array>
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class AffectNetDataset : public Dataset {
 public:
  AffectNetDataset(const std::string& csv, const std::string& image_root, int classes, ProblemLog& log);
  std::string name() const override { return "affectnet"; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return items_[size_t(i)].image; }
  int64_t excluded() const { return excluded_; }
  std::vector<std::string> value_names() const override { return {"valence", "arousal"}; }
  int expression(int64_t i) const { return items_[size_t(i)].expression; }

  static constexpr const char* kHeader =
      "subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal";

 private:
  struct Item {
    std::string image;
    std::array<float, 4> box;
    std::vector<float> landmarks;
    int expression;
    float valence, arousal;
  };
  std::vector<Item> items_;
  int64_t excluded_ = 0;
};

}  // namespace fb::data
