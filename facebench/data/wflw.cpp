#include "facebench/data/wflw.h"

#include <filesystem>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

const char* const WflwDataset::kAttributes[6] = {"pose", "expression", "illumination", "make-up", "occlusion", "blur"};

WflwDataset::WflwDataset(const std::string& root, const std::string& split, ProblemLog& log) : split_(split) {
  std::string list = split;
  if (split == "train" || split == "test")
    list = (fs::path(root) / "WFLW_annotations" / "list_98pt_rect_attr_train_test" /
            ("list_98pt_rect_attr_" + split + ".txt")).string();
  else
    split_ = fs::path(split).stem().string();
  const fs::path images = fs::path(root) / "WFLW_images";
  auto lines = read_lines(list);
  for (size_t ln = 0; ln < lines.size(); ++ln) {
    if (trim(lines[ln]).empty()) continue;
    auto bad = [&](const std::string& what) { log.report(list, int64_t(ln + 1), what); };
    auto tok = split_ws(lines[ln]);
    if (tok.size() != 207) {
      bad("expected 207 fields (196 coordinates, 4 box, 6 attributes, path), got " + std::to_string(tok.size()));
      continue;
    }
    Item it;
    it.landmarks.resize(196);
    bool ok = true;
    for (int k = 0; k < 196 && ok; ++k) ok = parse_float(tok[size_t(k)], &it.landmarks[size_t(k)]);
    if (!ok) {
      bad("landmark coordinates are not all numbers");
      continue;
    }
    float b[4];
    for (int k = 0; k < 4 && ok; ++k) ok = parse_float(tok[size_t(196 + k)], &b[k]);
    if (!ok || b[2] < b[0] || b[3] < b[1]) {
      bad("bad face box '" + tok[196] + " " + tok[197] + " " + tok[198] + " " + tok[199] + "'");
      continue;
    }
    it.box = {b[0], b[1], b[2] - b[0], b[3] - b[1]};
    for (int k = 0; k < 6 && ok; ++k) {
      int64_t f;
      ok = parse_int(tok[size_t(200 + k)], &f) && (f == 0 || f == 1);
      it.attributes.push_back(float(f));
    }
    if (!ok) {
      bad("attribute flags must be 0 or 1");
      continue;
    }
    it.image = (images / tok[206]).string();
    if (!fs::is_regular_file(it.image)) {
      bad("image '" + it.image + "' does not exist");
      continue;
    }
    items_.push_back(std::move(it));
  }
}

Sample WflwDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "wflw: index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  s.landmarks = it.landmarks;
  s.visible.assign(98, 1);
  s.layout = LandmarkLayout::Wflw98;
  s.box = it.box;
  s.values = it.attributes;
  return s;
}

}  // namespace fb::data
