#pragma once
// Unlabelled images for inference (`facebench embed`, `facebench predict`):
// a folder (searched recursively; .jpg .jpeg .png .bmp .pgm .ppm .tga, sorted
// by path), a text file listing one image per line (relative paths are taken
// from the list's folder; blank lines and lines starting with # skipped), or
// explicit paths. Samples carry the image only (label -1).
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

class ImageListDataset : public Dataset {
 public:
  explicit ImageListDataset(std::vector<std::string> paths);
  // DIR or LIST file, as described above; throws fb::Error when it holds no image.
  static ImageListDataset from_folder_or_list(const std::string& path);
  std::string name() const override { return "images"; }
  int64_t size() const override { return static_cast<int64_t>(paths_.size()); }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override { return paths_[static_cast<size_t>(i)]; }

 private:
  std::vector<std::string> paths_;
};

}  // namespace fb::data
