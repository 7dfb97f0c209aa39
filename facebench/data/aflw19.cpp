#include "facebench/data/aflw19.h"

#include <filesystem>

#include "facebench/data/mat5.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

Aflw19Dataset::Aflw19Dataset(const std::string& root, const std::string& split, ProblemLog& log, int64_t train_count) {
  FB_CHECK(split == "train" || split == "test" || split == "frontal" || split == "all",
           "aflw19: split must be train, test, frontal or all, got '", split, "'");
  const std::string matp = (fs::path(root) / "AFLWinfo_release.mat").string();
  auto vars = read_mat5(read_file_bytes(matp), matp);
  auto need = [&](const char* v) -> const MatArray& {
    auto it = vars.find(v);
    if (it == vars.end()) FB_FAIL(matp, ": variable '", v, "' is missing");
    return it->second;
  };
  const MatArray &bbox = need("bbox"), &data = need("data"), &mask = need("mask_new"), &names = need("nameList"),
                 &ra = need("ra");
  const int64_t n = bbox.rows();
  FB_CHECK(bbox.cols() == 4 && data.rows() == n && data.cols() == 38 && mask.rows() == n && mask.cols() == 19 &&
               int64_t(names.strings.size()) == n && int64_t(ra.data.size()) == n,
           matp, ": expected bbox N x 4, data N x 38, mask_new N x 19, nameList N cells, ra N values; got bbox ",
           bbox.rows(), "x", bbox.cols(), ", data ", data.rows(), "x", data.cols(), ", mask_new ", mask.rows(), "x",
           mask.cols(), ", nameList ", names.strings.size(), ", ra ", ra.data.size());
  FB_CHECK(train_count >= 0 && train_count <= n, "aflw19: train_count ", train_count, " exceeds the ", n, " samples");
  std::vector<char> seen(size_t(n), 0);
  for (int64_t k = 0; k < n; ++k) {
    const double one_based = ra.data[size_t(k)];  // range-checked before the conversion (NaN fails too)
    const int64_t i = one_based >= 1 && one_based <= double(n) ? int64_t(one_based) - 1 : -1;
    if (i < 0 || i >= n || seen[size_t(i)]) FB_FAIL(matp, ": 'ra' is not a permutation of 1..", n, " (entry ", k + 1, ")");
    seen[size_t(i)] = 1;
    Item it;
    it.split = k < train_count ? "train" : "test";
    bool all_visible = true;
    for (int p = 0; p < 19; ++p) {
      it.landmarks.push_back(float(data.at(i, p)));
      it.landmarks.push_back(float(data.at(i, 19 + p)));
      it.visible.push_back(mask.at(i, p) != 0);
      all_visible = all_visible && mask.at(i, p) != 0;
    }
    if (it.split == "test" && all_visible) it.split = "frontal";  // frontal test faces are test faces too
    const bool wanted = split == "all" || split == it.split || (split == "test" && it.split == "frontal");
    if (!wanted) continue;
    const double l = bbox.at(i, 0), r = bbox.at(i, 1), t = bbox.at(i, 2), b = bbox.at(i, 3);
    if (r <= l || b <= t) {
      log.report(matp, 0, "sample " + std::to_string(i + 1) + " has an empty bbox [left right top bottom]");
      continue;
    }
    it.box = {float(l), float(t), float(r - l), float(b - t)};
    it.image = (fs::path(root) / "data" / "flickr" / names.strings[size_t(i)]).string();
    if (!fs::is_regular_file(it.image)) {
      log.report(matp, 0, "sample " + std::to_string(i + 1) + ": image '" + it.image + "' does not exist");
      continue;
    }
    items_.push_back(std::move(it));
  }
}

Sample Aflw19Dataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "aflw19: index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  s.landmarks = it.landmarks;
  s.visible = it.visible;
  s.layout = LandmarkLayout::Aflw19;
  s.box = it.box;
  return s;
}

}  // namespace fb::data
