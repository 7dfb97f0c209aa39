// The on-disk dataset: formats, completeness, and independence from thread count.
#include <doctest/doctest.h>

#include <stb_image.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "facebench/synth/dataset_writer.h"
#include "facebench/synth/mat_file.h"

using namespace fb::synth;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> m;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) m[fs::relative(e.path(), root).string()] = slurp(e.path());
  return m;
}
fs::path scratch(const std::string& name) {
  fs::path p = fs::path(FB_BINARY_DIR) / "synth_test_out" / name;
  fs::remove_all(p);
  return p;
}
}  // namespace

TEST_CASE("the dataset on disk does not depend on the thread count") {
  for (Mode m : {Mode::Curated, Mode::Uncurated}) {
    Config c;
    c.mode = m;
    c.identities = 3;
    c.per_identity = 4;
    c.size = 64;
    c.seed = 5;
    Generator g(c);
    WriteOptions o1, o2;
    o1.out_dir = scratch(std::string("t1_") + mode_name(m)).string();
    o1.threads = 1;
    o2.out_dir = scratch(std::string("t2_") + mode_name(m)).string();
    o2.threads = 2;
    write_dataset(g, o1);
    write_dataset(g, o2);
    auto a = tree(o1.out_dir), b = tree(o2.out_dir);
    CHECK(a.size() == b.size());
    CHECK(a == b);
    // Writing into an existing dataset is refused.
    CHECK_THROWS_WITH(write_dataset(g, o1), doctest::Contains("already holds a dataset"));
  }
}

TEST_CASE("curated dataset files are complete and in the expected formats") {
  Config c;
  c.identities = 2;
  c.per_identity = 3;
  c.size = 64;
  Generator g(c);
  WriteOptions o;
  o.out_dir = scratch("formats").string();
  write_dataset(g, o);
  fs::path r(o.out_dir);
  for (const char* f : {"manifest.json", "identity_meta.csv", "train_list.txt", "affectnet.csv", "labels.csv"})
    CHECK_MESSAGE(fs::exists(r / f), f);
  // VGGFace2 layout and list.
  CHECK(fs::exists(r / "images/n000000/0001_01.jpg"));
  CHECK(fs::exists(r / "images/n000001/0003_01.jpg"));
  std::string list = slurp(r / "train_list.txt");
  CHECK(list.rfind("n000000/0001_01.jpg\n", 0) == 0);
  CHECK(std::count(list.begin(), list.end(), '\n') == 6);
  // The JPEG decodes to the configured size.
  int w, h, ch;
  unsigned char* px = stbi_load((r / "images/n000000/0002_01.jpg").c_str(), &w, &h, &ch, 3);
  REQUIRE(px);
  CHECK(w == 64);
  CHECK(h == 64);
  stbi_image_free(px);
  // Parsing PNG: one channel, values within the class range.
  px = stbi_load((r / "parsing/n000000/0002_01.png").c_str(), &w, &h, &ch, 0);
  REQUIRE(px);
  CHECK(ch == 1);
  int maxv = 0, skin = 0;
  for (int i = 0; i < w * h; ++i) { maxv = std::max(maxv, int(px[i])); skin += px[i] == kSkin; }
  CHECK(maxv < kNumParsingClasses);
  CHECK(skin > 50);
  stbi_image_free(px);
  // 300W .pts: header, 68 lines, closing brace.
  std::string pts = slurp(r / "images/n000000/0001_01.pts");
  CHECK(pts.rfind("version: 1\nn_points:  68\n{\n", 0) == 0);
  CHECK(std::count(pts.begin(), pts.end(), '\n') == 68 + 4);
  CHECK(pts.substr(pts.size() - 2) == "}\n");
  // AffectNet header, verbatim.
  std::string aff = slurp(r / "affectnet.csv");
  CHECK(aff.rfind("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal\n", 0) == 0);
  // DISFA: one file per AU per subject, one line per frame.
  std::string au12 = slurp(r / "disfa/ActionUnit_Labels/SN002/SN002_au12.txt");
  CHECK(std::count(au12.begin(), au12.end(), '\n') == 3);
  CHECK(au12.rfind("1,", 0) == 0);
  // AFLW2000-3D .mat: a level-5 header and the three variables.
  std::string mat = slurp(r / "aflw3d/n000000/0001_01.mat");
  CHECK(mat.rfind("MATLAB 5.0 MAT-file", 0) == 0);
  CHECK(mat.find("pt3d_68") != std::string::npos);
  CHECK(mat.find("Pose_Para") != std::string::npos);
  std::string man = slurp(r / "manifest.json");
  CHECK(man.find(kGeneratorVersion) != std::string::npos);
}

TEST_CASE("mat encoding: element sizes and alignment") {
  MatVariable v{"ab", 2, 3, {1, 2, 3, 4, 5, 6}};
  auto b = encode_mat_file({v});
  // 128 header + 8 tag + 16 flags + 16 dims + 8+8 name + 8+48 data.
  CHECK(b.size() == 128 + 8 + 16 + 16 + 16 + 56);
  CHECK(b[126] == 'I');
  CHECK(b[127] == 'M');
  CHECK(b[128] == 14);  // miMATRIX
  CHECK(b.size() % 8 == 0);
  CHECK_THROWS_AS(encode_mat_file({MatVariable{"x", 2, 2, {1}}}), std::invalid_argument);
}

TEST_CASE("pts coordinates are 1-based") {
  Sample s;
  s.landmarks[0] = {0.0f, 9.5f};
  std::string t = pts_text(s);
  CHECK(t.find("{\n1.0000 10.5000\n") != std::string::npos);
}
