#pragma once
// Face recognition training sets stored as one folder per identity.
//
// VGGFace2 (release layout):            ORL / AT&T faces:
//   <root>/train/n000001/0001_01.jpg      <root>/s1/1.pgm ... <root>/s40/10.pgm
//   <root>/train/n000002/...              (40 subjects x 10 gray 92x112 PGMs)
//   <root>/train_list.txt or meta/train.txt
// MS1M-style folder dumps are read the same way. Identity folders are sorted
// in natural order ("s2" before "s10", "n000001" before "n000002") and labelled
// 0, 1, 2 ... in that order; images within a folder likewise.
//
// With a list file (one "n000002/0001_01.jpg" per line, relative to the image
// root: VGGFace2's train_list.txt / meta/train.txt, also written by
// `facebench synth`), only the listed images are used and the identities are
// those the list names; a listed file that does not exist is a problem (skip
// or fail). Without a list the folders are scanned.
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class IdentityFolderDataset : public Dataset {
 public:
  IdentityFolderDataset(const std::string& image_root, const std::string& list_file, ProblemLog& log,
                        std::string name = "identity-folders");
  std::string name() const override { return name_; }
  int64_t size() const override { return int64_t(items_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override;
  int64_t num_identities() const { return int64_t(identities_.size()); }
  const std::vector<std::string>& identities() const { return identities_; }
  int64_t label(int64_t i) const { return items_[size_t(i)].label; }

 private:
  struct Item {
    std::string rel;  // path relative to the root
    int64_t label;
  };
  std::string root_, name_;
  std::vector<std::string> identities_;
  std::vector<Item> items_;
};

// VGGFace2's list file next to a split folder: <root>/<split>_list.txt or
// <root>/meta/<split>.txt, whichever exists ("" if neither).
std::string find_vggface2_list(const std::string& root, const std::string& split);

}  // namespace fb::data
