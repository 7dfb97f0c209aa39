#include "facebench/data/affectnet.h"

#include <cmath>
#include <filesystem>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

AffectNetDataset::AffectNetDataset(const std::string& csv, const std::string& image_root, int classes, ProblemLog& log) {
  FB_CHECK(classes >= 1 && classes <= 11, "affectnet: classes must be in [1, 11], got ", classes);
  auto lines = read_lines(csv);
  if (lines.empty() || trim(lines[0]) != kHeader)
    FB_FAIL(csv, ":1: not an AffectNet CSV: expected the header '", kHeader, "'");
  for (size_t ln = 1; ln < lines.size(); ++ln) {
    if (trim(lines[ln]).empty()) continue;
    auto bad = [&](const std::string& what) { log.report(csv, int64_t(ln + 1), what); };
    auto tok = split_char(lines[ln], ',');
    if (tok.size() != 9) {
      bad("expected 9 comma-separated fields, got " + std::to_string(tok.size()));
      continue;
    }
    Item it;
    int64_t b[4], ex;
    bool ok = true;
    for (int k = 0; k < 4 && ok; ++k) ok = parse_int(tok[size_t(1 + k)], &b[k]);
    if (!ok) {
      bad("face box fields are not integers");
      continue;
    }
    if (b[2] < 0 || b[3] < 0) {
      bad("negative face size " + std::to_string(b[2]) + "x" + std::to_string(b[3]));
      continue;
    }
    it.box = {float(b[0]), float(b[1]), float(b[2]), float(b[3])};
    if (!parse_int(tok[6], &ex) || ex < 0 || ex > 10) {
      bad("expression '" + tok[6] + "' is not an id 0..10");
      continue;
    }
    if (!parse_float(tok[7], &it.valence) || !parse_float(tok[8], &it.arousal)) {
      bad("valence/arousal are not numbers");
      continue;
    }
    if (ex >= classes) {
      ++excluded_;
      continue;
    }
    // Valence/arousal are checked only for kept emotion rows: the release marks
    // None/Uncertain/Non-Face rows with out-of-range sentinels.
    if (std::abs(it.valence) > 1.0f || std::abs(it.arousal) > 1.0f) {
      bad("valence/arousal outside [-1, 1]");
      continue;
    }
    it.expression = int(ex);
    if (!trim(tok[5]).empty()) {
      for (const auto& v : split_char(tok[5], ';')) {
        float f;
        if (!parse_float(v, &f)) {
          ok = false;
          break;
        }
        it.landmarks.push_back(f);
      }
      if (!ok || it.landmarks.size() % 2) {
        bad("facial_landmarks is not a ';'-separated list of x;y numbers");
        continue;
      }
    }
    it.image = (fs::path(image_root) / trim(tok[0])).string();
    if (!fs::is_regular_file(it.image)) {
      bad("image '" + it.image + "' does not exist");
      continue;
    }
    items_.push_back(std::move(it));
  }
}

Sample AffectNetDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "affectnet: index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  s.label = it.expression;
  s.values = {it.valence, it.arousal};
  s.box = it.box;
  if (it.landmarks.size() == 136) {
    s.landmarks = it.landmarks;
    s.visible.assign(68, 1);
    s.layout = LandmarkLayout::Ibug68;
  }
  return s;
}

}  // namespace fb::data
