#pragma once
// Helpers shared by the .pth reader tests: fixture paths, temporary folders, byte files.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>

#include "nn/checkpoint/safetensors.h"

namespace pth_test {

inline std::string fixture(const std::string& name) { return std::string(FB_TEST_DATA_DIR) + "/golden/pth/" + name; }

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("fb_pth_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

inline std::map<std::string, fb::Tensor> by_name(const fb::checkpoint::NamedTensors& v) {
  std::map<std::string, fb::Tensor> m;
  for (const auto& [n, t] : v) m[n] = t;
  return m;
}

}  // namespace pth_test
