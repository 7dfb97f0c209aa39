#include "facebench/data/aflw2000.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "facebench/data/mat5.h"
#include "facebench/data/text.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

Aflw2000Dataset::Aflw2000Dataset(const std::string& mat_root, const std::string& image_root, double max_angle,
                                 ProblemLog& log)
    : Aflw2000Dataset(mat_root, image_root, max_angle, log, {}, "aflw2000-3d") {}

std::shared_ptr<Aflw2000Dataset> Aflw2000Dataset::w300lp(const std::string& root, const std::string& split,
                                                         const std::string& image_root, double max_angle, ProblemLog& log) {
  const std::vector<std::string> originals = {"AFW", "HELEN", "IBUG", "LFPW"};
  std::vector<std::string> dirs;
  const std::string sp = split.empty() ? "all" : split;
  if (sp == "all" || sp == "noflip") dirs = originals;
  if (sp == "all" || sp == "flip")
    for (const auto& d : originals) dirs.push_back(d + "_Flip");
  if (dirs.empty()) {
    bool known = false;
    for (const auto& d : originals) known = known || sp == d || sp == d + "_Flip";
    FB_CHECK(known, "300w-lp: split must be all, noflip, flip or one of AFW, HELEN, IBUG, LFPW (optionally _Flip), got '",
             sp, "'");
    dirs = {sp};
  }
  return std::make_shared<Aflw2000Dataset>(root, image_root, max_angle, log, dirs, "300w-lp");
}

Aflw2000Dataset::Aflw2000Dataset(const std::string& mat_root, const std::string& image_root, double max_angle,
                                 ProblemLog& log, const std::vector<std::string>& subdirs, const std::string& name)
    : name_(name) {
  if (!fs::is_directory(mat_root)) FB_FAIL(name, ": folder '", mat_root, "' does not exist");
  const std::string img_root = image_root.empty() ? mat_root : image_root;
  std::vector<fs::path> mats;
  std::vector<fs::path> walk;
  if (subdirs.empty()) walk.push_back(mat_root);
  for (const auto& d : subdirs) {
    if (fs::is_directory(fs::path(mat_root) / d)) walk.push_back(fs::path(mat_root) / d);
    else log.report((fs::path(mat_root) / d).string(), 0, "folder does not exist");
  }
  for (const auto& w : walk)
    for (auto it = fs::recursive_directory_iterator(w); it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file() && it->path().extension() == ".mat") mats.push_back(it->path());
  std::sort(mats.begin(), mats.end(), [](const fs::path& a, const fs::path& b) { return natural_less(a.string(), b.string()); });
  for (const auto& m : mats) {
    Item it;
    it.mat = m.string();
    {
      const fs::path rel = fs::relative(m, mat_root);
      it.group = subdirs.empty() || rel.begin() == rel.end() ? "all" : rel.begin()->string();
    }
    fs::path stem = fs::path(img_root) / fs::relative(m, mat_root);
    for (const char* ext : {".jpg", ".png"})
      if (fs::is_regular_file(fs::path(stem).replace_extension(ext))) it.image = fs::path(stem).replace_extension(ext).string();
    if (it.image.empty()) {
      log.report(it.mat, 0, "no image with the same name (.jpg or .png)");
      continue;
    }
    std::map<std::string, MatArray> vars;
    try {
      vars = read_mat5(read_file_bytes(it.mat), it.mat);
    } catch (const fb::Error& e) {
      log.report("", 0, e.what());
      continue;
    }
    auto p3 = vars.find("pt3d_68"), pose = vars.find("Pose_Para");
    if (p3 == vars.end() || p3->second.rows() != 3 || p3->second.cols() != 68) {
      log.report(it.mat, 0, "needs pt3d_68 as a 3 x 68 matrix");
      continue;
    }
    if (pose == vars.end() || pose->second.data.size() < 3) {
      log.report(it.mat, 0, "needs Pose_Para (pitch, yaw, roll, ...)");
      continue;
    }
    const double deg = 180.0 / M_PI;
    const double pitch = pose->second.data[0] * deg, yaw = pose->second.data[1] * deg, roll = pose->second.data[2] * deg;
    if (max_angle > 0 && (std::abs(yaw) > max_angle || std::abs(pitch) > max_angle || std::abs(roll) > max_angle)) {
      ++excluded_;
      continue;
    }
    it.pose = {float(yaw), float(pitch), float(roll)};
    for (int k = 0; k < 68; ++k) {
      it.landmarks.push_back(float(p3->second.at(0, k)));
      it.landmarks.push_back(float(p3->second.at(1, k)));
    }
    for (int k = 0; k < 68; ++k) it.depth.push_back(float(p3->second.at(2, k)));
    items_.push_back(std::move(it));
  }
}

Sample Aflw2000Dataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), name_, ": index ", i, " out of range [0, ", size(), ")");
  const Item& it = items_[size_t(i)];
  Sample s;
  s.index = i;
  s.source = it.image;
  s.image = decode_image_file(it.image, 3);
  s.landmarks = it.landmarks;
  s.visible.assign(68, 1);
  s.layout = LandmarkLayout::Ibug68;
  s.depth = it.depth;
  s.has_pose = true;
  s.pose = it.pose;
  return s;
}

}  // namespace fb::data
