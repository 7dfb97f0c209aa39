// AFLW-19 from an AFLWinfo_release.mat laid out as the release's (bbox,
// data, mask_new, nameList cell, 1-based ra), encoded here as MATLAB v5.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>

#include "facebench/data/aflw19.h"
#include "facebench/data/mat5.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
// Minimal MAT v5 encoder for the test: double matrices and cells of char rows.
struct MatWriter {
  std::string out;
  MatWriter() {
    std::string head = "MATLAB 5.0 MAT-file, test fixture";
    head.resize(116, ' ');
    out = head + std::string(8, '\0') + std::string("\x00\x01", 2) + "IM";
  }
  static void u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
  static void pad(std::string& b) { b.append((8 - b.size() % 8) % 8, '\0'); }
  static std::string element(uint32_t type, const std::string& payload) {
    std::string b;
    u32(b, type);
    u32(b, uint32_t(payload.size()));
    b += payload;
    pad(b);
    return b;
  }
  static std::string header(uint32_t cls, std::vector<int32_t> dims, const std::string& name) {
    std::string flags, d;
    u32(flags, cls);
    u32(flags, 0);
    for (int32_t v : dims) u32(d, uint32_t(v));
    return element(6, flags) + element(5, d) + element(1, name);
  }
  static std::string char_row(const std::string& s) {
    std::string data;
    for (char c : s) data.append({c, '\0'});  // miUINT16 code units
    return element(14, header(4, {1, int32_t(s.size())}, "") + element(4, data));
  }
  void doubles(const std::string& name, int rows, int cols, const std::vector<double>& colmajor) {
    std::string data(reinterpret_cast<const char*>(colmajor.data()), colmajor.size() * 8);
    out += element(14, header(6, {rows, cols}, name) + element(9, data));
  }
  void cell_of_strings(const std::string& name, const std::vector<std::string>& v) {
    std::string body = header(1, {int32_t(v.size()), 1}, name);
    for (const auto& s : v) body += char_row(s);
    out += element(14, body);
  }
};
}  // namespace

TEST_CASE("AFLW-19: AFLWinfo_release.mat variables - train/test/frontal from ra - bbox as left right top bottom") {
  auto root = fbt::scratch("aflw19");
  const int n = 5;
  std::vector<std::string> names = {"0/image00001.jpg", "2/image00002.jpg", "3/image00003.jpg", "3/image00004.jpg",
                                    "0/image00005.jpg"};
  for (const auto& nm : names) {
    fs::create_directories((root / "data" / "flickr" / nm).parent_path());
    write_jpeg((root / "data" / "flickr" / nm).string(), fbt::pattern(60, 50));
  }
  MatWriter w;
  std::vector<double> bbox(n * 4), data(n * 38), mask(n * 19, 1.0);
  for (int i = 0; i < n; ++i) {
    bbox[size_t(0 * n + i)] = 5 + i;   // left
    bbox[size_t(1 * n + i)] = 45 + i;  // right
    bbox[size_t(2 * n + i)] = 3;       // top
    bbox[size_t(3 * n + i)] = 40;      // bottom
    for (int p = 0; p < 19; ++p) {
      data[size_t(p * n + i)] = 10 + p + i;         // x_p in column p
      data[size_t((19 + p) * n + i)] = 20 + p;      // y_p in column 19 + p
    }
  }
  mask[size_t(7 * n + 3)] = 0;  // sample 4 has point 7 hidden: not frontal
  w.doubles("bbox", n, 4, bbox);
  w.doubles("data", n, 38, data);
  w.doubles("mask_new", n, 19, mask);
  w.cell_of_strings("nameList", names);
  w.doubles("ra", 1, n, {3, 1, 5, 2, 4});  // 1-based: train = samples 3, 1, 5 (train_count 3)
  fbt::write_text(root / "AFLWinfo_release.mat", w.out);

  auto vars = read_mat5(w.out, "x.mat");
  CHECK(vars.at("nameList").strings == names);

  ProblemLog log(OnError::Fail);
  Aflw19Dataset train(root.string(), "train", log, 3);
  REQUIRE(train.size() == 3);
  CHECK(train.file(0).find("3/image00003.jpg") != std::string::npos);  // ra[0] = 3
  Sample s = train.get(0);
  CHECK(s.layout == LandmarkLayout::Aflw19);
  CHECK(s.num_points() == 19);
  CHECK(s.landmarks[0] == 12);   // x_1 of sample 3 = 10 + 0 + 2
  CHECK(s.landmarks[1] == 20);
  CHECK(s.landmarks[2 * 18] == 30);
  CHECK(s.box[0] == 7);          // left
  CHECK(s.box[2] == 40);         // right - left
  CHECK(s.box[3] == 37);         // bottom - top
  Aflw19Dataset test(root.string(), "test", log, 3);
  CHECK(test.size() == 2);       // samples 2 and 4
  Aflw19Dataset frontal(root.string(), "frontal", log, 3);
  REQUIRE(frontal.size() == 1);  // sample 4 has a hidden point
  CHECK(frontal.file(0).find("2/image00002.jpg") != std::string::npos);
  CHECK(test.get(1).visible[7] == 0);
  // ra that is not a permutation, a missing image.
  MatWriter bad = w;
  bad.out = w.out.substr(0, w.out.rfind(std::string("\x0e\x00\x00\x00", 4)));
  bad.doubles("ra", 1, n, {3, 1, 5, 2, 2});
  fbt::write_text(root / "AFLWinfo_release.mat", bad.out);
  CHECK_THROWS_WITH(Aflw19Dataset(root.string(), "all", log, 3), doctest::Contains("not a permutation"));
  fbt::write_text(root / "AFLWinfo_release.mat", w.out);
  fs::remove(root / "data" / "flickr" / names[1]);
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  CHECK(Aflw19Dataset(root.string(), "all", skip, 3).size() == 4);
  CHECK(skip.count() == 1);
}
