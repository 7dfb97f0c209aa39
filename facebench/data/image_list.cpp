#include "facebench/data/image_list.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "facebench/data/image.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

namespace {
bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".pgm" || ext == ".ppm" ||
         ext == ".tga";
}
}  // namespace

ImageListDataset::ImageListDataset(std::vector<std::string> paths) : paths_(std::move(paths)) {
  FB_CHECK(!paths_.empty(), "images: no image files given");
}

ImageListDataset ImageListDataset::from_folder_or_list(const std::string& path) {
  FB_CHECK(fs::exists(path), "images: '", path, "' does not exist");
  std::vector<std::string> paths;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::recursive_directory_iterator(path))
      if (e.is_regular_file() && is_image_file(e.path())) paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    FB_CHECK(!paths.empty(), "images: no image files (.jpg .png .bmp .pgm .ppm .tga) under ", path);
  } else {
    std::ifstream in(path);
    FB_CHECK(in, "images: cannot read the list ", path);
    fs::path base = fs::path(path).parent_path();
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      fs::path p(line);
      paths.push_back((p.is_absolute() ? p : base / p).string());
    }
    FB_CHECK(!paths.empty(), "images: the list ", path, " names no image");
  }
  return ImageListDataset(std::move(paths));
}

Sample ImageListDataset::get(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "images: index ", i, " out of range");
  Sample s;
  s.index = i;
  s.source = paths_[static_cast<size_t>(i)];
  s.image = decode_image_file(s.source, 3);
  return s;
}

}  // namespace fb::data
