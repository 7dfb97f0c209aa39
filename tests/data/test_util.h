#pragma once
// Helpers shared by the data tests: scratch folders and small files.
#include <filesystem>
#include <fstream>
#include <string>

#include "facebench/data/image.h"

namespace fbt {
namespace fs = std::filesystem;

inline fs::path scratch(const std::string& name) {
  fs::path p = fs::path(FB_BINARY_DIR) / "data_test_out" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

inline void write_text(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << s;
}

// A w × h RGB image with a smooth pattern that depends on `seed`.
inline fb::data::Image8 pattern(int w, int h, int seed = 0) {
  fb::data::Image8 im;
  im.reset(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.px[(size_t(y) * w + x) * 3 + c] = uint8_t((x * (c + 1) + y * 2 + seed * 37) % 256);
  return im;
}
}  // namespace fbt
