#include "facebench/data/w300.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

std::vector<float> parse_pts(const std::string& text, const std::string& file) {
  std::vector<std::string> lines = split_char(text, '\n');
  int64_t declared = -1;
  bool in_body = false, closed = false;
  std::vector<float> pts;
  for (size_t ln = 0; ln < lines.size(); ++ln) {
    std::string l = trim(lines[ln]);
    auto where = [&] { return file + ":" + std::to_string(ln + 1) + ": "; };
    if (l.empty()) continue;
    if (closed) FB_FAIL(where(), "text after the closing '}'");
    if (!in_body) {
      if (l == "{") {
        if (declared < 0) FB_FAIL(where(), "'{' before the n_points line");
        in_body = true;
      } else if (l.rfind("version:", 0) == 0) {
        continue;
      } else if (l.rfind("n_points:", 0) == 0) {
        if (!parse_int(l.substr(9), &declared) || declared <= 0)
          FB_FAIL(where(), "bad n_points value '", trim(l.substr(9)), "'");
      } else {
        FB_FAIL(where(), "unexpected header line '", l, "'");
      }
      continue;
    }
    if (l == "}") {
      closed = true;
      continue;
    }
    auto tok = split_ws(l);
    float x, y;
    if (tok.size() != 2 || !parse_float(tok[0], &x) || !parse_float(tok[1], &y))
      FB_FAIL(where(), "expected 'x y', got '", l, "'");
    pts.push_back(x - 1.0f);  // 1-based -> 0-based pixel centres
    pts.push_back(y - 1.0f);
  }
  if (!closed) FB_FAIL(file, ": missing the closing '}' (truncated file?)");
  if (int64_t(pts.size() / 2) != declared)
    FB_FAIL(file, ": n_points says ", declared, " but ", pts.size() / 2, " points follow");
  return pts;
}

std::vector<std::string> W300Dataset::split_names() { return {"train", "common", "challenging", "full", "test", "all"}; }

W300Dataset::W300Dataset(const std::string& root, const std::string& split, ProblemLog& log) {
  if (!fs::is_directory(root)) FB_FAIL("300w: folder '", root, "' does not exist");
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> folders = {
      {"train", {{"afw", "train"}, {"helen/trainset", "train"}, {"lfpw/trainset", "train"}}},
      {"common", {{"helen/testset", "common"}, {"lfpw/testset", "common"}}},
      {"challenging", {{"ibug", "challenging"}}},
      {"full", {{"helen/testset", "common"}, {"lfpw/testset", "common"}, {"ibug", "challenging"}}},
      {"test", {{"01_Indoor", "test"}, {"02_Outdoor", "test"}, {"Test/01_Indoor", "test"}, {"Test/02_Outdoor", "test"}}},
  };
  std::vector<std::pair<std::string, std::string>> pts_files;  // path, split
  if (split == "all") {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file() && it->path().extension() == ".pts") pts_files.push_back({it->path().string(), "all"});
    }
    if (ec) FB_FAIL("300w: cannot list '", root, "': ", ec.message());
  } else {
    auto f = folders.find(split);
    if (f == folders.end()) FB_FAIL("300w: unknown split '", split, "' (train, common, challenging, full, test, all)");
    for (const auto& [sub, name] : f->second) {
      fs::path dir = fs::path(root) / sub;
      if (!fs::is_directory(dir)) {
        if (split != "test") log.report(dir.string(), 0, "folder of split '" + split + "' is missing");
        continue;
      }
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".pts") pts_files.push_back({e.path().string(), name});
    }
  }
  std::sort(pts_files.begin(), pts_files.end(), [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
  for (const auto& [pts, sp] : pts_files) {
    Item it;
    it.pts = pts;
    it.split = sp;
    for (const char* ext : {".jpg", ".png", ".jpeg", ".JPG", ".PNG"}) {
      fs::path img = fs::path(pts).replace_extension(ext);
      if (fs::is_regular_file(img)) {
        it.image = img.string();
        break;
      }
    }
    if (it.image.empty()) {
      log.report(pts, 0, "no image with the same name (.jpg or .png) next to it");
      continue;
    }
    try {
      it.landmarks = parse_pts(read_file_bytes(pts), pts);
    } catch (const fb::Error& e) {
      log.report("", 0, e.what());
      continue;
    }
    if (it.landmarks.size() != 136) {
      log.report(pts, 0, "has " + std::to_string(it.landmarks.size() / 2) + " points; 300W has 68");
      continue;
    }
    items_.push_back(std::move(it));
  }
}

Sample W300Dataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "300w: index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  s.landmarks = it.landmarks;
  s.visible.assign(68, 1);
  s.layout = LandmarkLayout::Ibug68;
  return s;
}

}  // namespace fb::data
