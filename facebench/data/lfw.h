#pragma once
// LFW verification pairs (pairs.txt) over <lfw_dir>/<name>/<name>_NNNN.jpg.
//
// pairs.txt: tab-separated ASCII. Line 1 "10\t300" = folds and pairs per half
// fold; then, for each fold, 300 matched lines "name\tn1\tn2" followed by 300
// mismatched lines "name1\tn1\tname2\tn2". Image numbers are 1-based and
// zero-padded to 4 digits in file names (Abel_Pacheco_0001.jpg); .png is
// accepted when no .jpg exists.
//
// LfwPairs holds the pairs; LfwImages (a Dataset) the distinct images they use,
// so each is embedded once; pairs refer to images by index into it.
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

struct LfwPair {
  int64_t a = 0, b = 0;  // indices into the image list
  bool same = false;
  int fold = 0;          // 0-based
  int64_t line = 0;      // in pairs.txt
};

class LfwPairs : public Dataset {
 public:
  // Missing images and malformed lines are problems (the pair is dropped under skip).
  LfwPairs(const std::string& pairs_txt, const std::string& lfw_dir, ProblemLog& log);
  std::string name() const override { return "lfw"; }
  int64_t size() const override { return int64_t(images_.size()); }  // distinct images
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return images_[size_t(i)]; }
  const std::vector<LfwPair>& pairs() const { return pairs_; }
  int folds() const { return folds_; }
  int per_half_fold() const { return per_fold_; }

 private:
  std::vector<std::string> images_;
  std::vector<LfwPair> pairs_;
  int folds_ = 0, per_fold_ = 0;
};

}  // namespace fb::data
