// Every reader against small files written in the dataset's own format
// (FORMATS.md), including malformed lines, missing and corrupt files.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "facebench/data/affectnet.h"
#include "facebench/data/disfa.h"
#include "facebench/data/identity_folders.h"
#include "facebench/data/lfw.h"
#include "facebench/data/orl.h"
#include "facebench/data/parsing.h"
#include "facebench/data/w300.h"
#include "facebench/data/wflw.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
void jpg(const fs::path& p, int w = 24, int h = 20, int seed = 0) {
  fs::create_directories(p.parent_path());
  write_jpeg(p.string(), fbt::pattern(w, h, seed));
}
std::string pts_text(int n, float base) {
  std::string s = "version: 1\nn_points:  " + std::to_string(n) + "\n{\n";
  for (int k = 0; k < n; ++k) s += std::to_string(base + k) + " " + std::to_string(base + 2 * k) + "\n";
  return s + "}\n";
}
}  // namespace

TEST_CASE("300W .pts: header 1-based coordinates CRLF malformed files") {
  auto v = parse_pts("version: 1\r\nn_points:  2\r\n{\r\n212.716603 499.771793\r\n1 1\r\n}\r\n", "a.pts");
  REQUIRE(v.size() == 4);
  CHECK(v[0] == doctest::Approx(211.716603));  // 1-based -> 0-based
  CHECK(v[1] == doctest::Approx(498.771793));
  CHECK(v[2] == 0.0f);
  CHECK_THROWS_WITH(parse_pts("version: 1\nn_points:  3\n{\n1 2\n3 4\n}\n", "b.pts"), doctest::Contains("n_points says 3"));
  CHECK_THROWS_WITH(parse_pts("version: 1\nn_points:  1\n{\n1 x\n}\n", "c.pts"), doctest::Contains("c.pts:4:"));
  CHECK_THROWS_WITH(parse_pts("version: 1\nn_points:  1\n{\n1 2\n", "d.pts"), doctest::Contains("closing"));

  auto root = fbt::scratch("w300");
  for (auto [dir, n] : std::vector<std::pair<std::string, int>>{{"afw", 2}, {"helen/trainset", 1}, {"lfpw/trainset", 1},
                                                                {"helen/testset", 2}, {"lfpw/testset", 1}, {"ibug", 2}}) {
    for (int i = 0; i < n; ++i) {
      fs::path stem = root / dir / ("image_" + std::to_string(i));
      fbt::write_text(stem.string() + ".pts", pts_text(68, 2.0f));
      if (dir.rfind("lfpw", 0) == 0) write_png(stem.string() + ".png", fbt::pattern(200, 200));
      else jpg(stem.string() + ".jpg", 200, 200);
    }
  }
  ProblemLog log(OnError::Fail);
  CHECK(W300Dataset(root.string(), "train", log).size() == 4);
  CHECK(W300Dataset(root.string(), "common", log).size() == 3);
  CHECK(W300Dataset(root.string(), "challenging", log).size() == 2);
  W300Dataset full(root.string(), "full", log);
  CHECK(full.size() == 5);
  Sample s = full.get(0);
  CHECK(s.num_points() == 68);
  CHECK(s.layout == LandmarkLayout::Ibug68);
  CHECK(s.landmarks[2] == doctest::Approx(2.0f));  // point 1: x = 3 in the file
  CHECK(s.image.width == 200);
  // Damage: a malformed .pts, an image without landmarks' partner, a corrupt image.
  fbt::write_text(root / "ibug" / "image_0.pts", "version: 1\nn_points:  68\n{\n1 2\n");
  fbt::write_text(root / "ibug" / "lonely.pts", pts_text(68, 2.0f));
  CHECK_THROWS_WITH(W300Dataset(root.string(), "challenging", log), doctest::Contains("image_0.pts"));
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  W300Dataset ch(root.string(), "challenging", skip);
  CHECK(ch.size() == 1);
  CHECK(skip.count() == 2);
  CHECK(skip.problems()[0].str().find("image_0.pts") != std::string::npos);
  fbt::write_text(root / "ibug" / "image_1.jpg", "\xFF\xD8\xFF garbage");
  CHECK_THROWS_WITH(ch.get(0), doctest::Contains("image_1.jpg"));
}

TEST_CASE("WFLW: 207-token lines box attributes several faces per image bad lines") {
  auto root = fbt::scratch("wflw");
  jpg(root / "WFLW_images" / "0--Parade" / "0_Parade_1.jpg", 120, 100);
  auto line = [](float off, const std::string& path, const std::string& attrs = "1 0 0 1 0 1") {
    std::string s;
    for (int k = 0; k < 98; ++k) s += std::to_string(off + k) + " " + std::to_string(off + 0.5f * k) + " ";
    return s + "10 12 90 95 " + attrs + " " + path;
  };
  fs::path list = root / "WFLW_annotations" / "list_98pt_rect_attr_train_test" / "list_98pt_rect_attr_train.txt";
  fbt::write_text(list, line(1, "0--Parade/0_Parade_1.jpg") + "\n" + line(3, "0--Parade/0_Parade_1.jpg", "0 0 0 0 0 0") +
                            "\n1 2 3\n" + line(1, "0--Parade/missing.jpg") + "\n" + line(1, "0--Parade/0_Parade_1.jpg", "0 2 0 0 0 0") + "\n");
  ProblemLog log(OnError::Skip);
  log.set_quiet(true);
  WflwDataset d(root.string(), "train", log);
  REQUIRE(d.size() == 2);  // two faces of one image
  CHECK(log.count() == 3);
  auto pr = log.problems();
  CHECK(pr[0].line == 3);
  CHECK(pr[1].line == 4);
  CHECK(pr[1].what.find("does not exist") != std::string::npos);
  CHECK(pr[2].line == 5);
  Sample s = d.get(0);
  CHECK(s.num_points() == 98);
  CHECK(s.layout == LandmarkLayout::Wflw98);
  CHECK(s.landmarks[2 * 97] == doctest::Approx(98.0f));
  CHECK(s.landmarks[2 * 97 + 1] == doctest::Approx(1 + 0.5f * 97));
  CHECK(s.box[0] == 10);
  CHECK(s.box[2] == 80);  // x_max - x_min
  CHECK(s.values == std::vector<float>{1, 0, 0, 1, 0, 1});
  CHECK(d.get(1).values == std::vector<float>{0, 0, 0, 0, 0, 0});
  ProblemLog fail(OnError::Fail);
  CHECK_THROWS_WITH(WflwDataset(root.string(), "train", fail), doctest::Contains("list_98pt_rect_attr_train.txt:3:"));
}

TEST_CASE("LFW pairs.txt: folds of matched then mismatched pairs 1-based zero-padded numbers") {
  auto root = fbt::scratch("lfw");
  for (auto [n, k] : std::vector<std::pair<std::string, int>>{{"Abel_Pacheco", 4}, {"Akhmed_Zakayev", 3}, {"Bob", 1}})
    for (int i = 1; i <= k; ++i) {
      char b[16];
      std::snprintf(b, sizeof b, "_%04d.jpg", i);
      jpg(root / "lfw" / n / (n + b));
    }
  // 2 folds x 1 pair per half: matched, mismatched, matched, mismatched.
  fbt::write_text(root / "pairs.txt",
                  "2\t1\nAbel_Pacheco\t1\t4\nAbel_Pacheco\t1\tAkhmed_Zakayev\t3\nAkhmed_Zakayev\t1\t2\nBob\t1\tAbel_Pacheco\t2\n");
  ProblemLog log(OnError::Fail);
  LfwPairs p((root / "pairs.txt").string(), (root / "lfw").string(), log);
  CHECK(p.folds() == 2);
  REQUIRE(p.pairs().size() == 4);
  CHECK(p.pairs()[0].same);
  CHECK_FALSE(p.pairs()[1].same);
  CHECK(p.pairs()[2].fold == 1);
  CHECK(p.file(p.pairs()[0].b).find("Abel_Pacheco/Abel_Pacheco_0004.jpg") != std::string::npos);
  CHECK(p.pairs()[0].a == p.pairs()[1].a);  // the same image is listed once
  CHECK(p.size() == 7);
  CHECK(p.get(0).image.width == 24);
  // A missing image, a malformed line, a pair in the wrong half, a short file.
  fbt::write_text(root / "bad.txt", "2\t1\nAbel_Pacheco\t1\t9\nAbel_Pacheco\tx\tBob\t1\nAkhmed_Zakayev\t1\tBob\t1\n");
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  LfwPairs b((root / "bad.txt").string(), (root / "lfw").string(), skip);
  CHECK(b.pairs().empty());
  REQUIRE(skip.count() == 4);
  CHECK(skip.problems()[0].line == 2);
  CHECK(skip.problems()[0].what.find("Abel_Pacheco_0009.jpg") != std::string::npos);
  CHECK(skip.problems()[1].line == 3);
  CHECK(skip.problems()[2].what.find("mismatched pair where") != std::string::npos);
  CHECK(skip.problems()[3].what.find("announces 4 pairs") != std::string::npos);
  CHECK_THROWS_WITH(LfwPairs((root / "bad.txt").string(), (root / "lfw").string(), log), doctest::Contains("bad.txt:2:"));
}

TEST_CASE("folder per identity: VGGFace2 layout with and without a list file") {
  auto root = fbt::scratch("vggface2");
  for (int id : {1, 2, 10})
    for (int k = 1; k <= 3; ++k) {
      char b[32];
      std::snprintf(b, sizeof b, "n%06d/%04d_01.jpg", id, k);
      jpg(root / "train" / b, 16, 16, id * 10 + k);
    }
  fbt::write_text(root / "train" / "n000001" / "notes.txt", "not an image");
  ProblemLog log(OnError::Fail);
  IdentityFolderDataset scan((root / "train").string(), "", log);
  CHECK(scan.num_identities() == 3);
  CHECK(scan.size() == 9);
  CHECK(scan.identities()[2] == "n000010");
  CHECK(scan.label(8) == 2);
  CHECK(scan.get(4).label == 1);
  fbt::write_text(root / "meta" / "train.txt", "n000002/0003_01.jpg\r\nn000010/0001_01.jpg\n\nn000002/0009_01.jpg\nbroken\n");
  CHECK(find_vggface2_list(root.string(), "train") == (root / "meta" / "train.txt").string());
  fbt::write_text(root / "train_list.txt", "n000001/0001_01.jpg\n");
  CHECK(find_vggface2_list(root.string(), "train") == (root / "train_list.txt").string());
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  IdentityFolderDataset listed((root / "train").string(), (root / "meta" / "train.txt").string(), skip);
  CHECK(listed.size() == 2);
  CHECK(listed.num_identities() == 2);
  CHECK(skip.count() == 2);
  CHECK(skip.problems()[0].line == 4);
  CHECK(skip.problems()[1].line == 5);
  CHECK_THROWS_WITH(IdentityFolderDataset((root / "train").string(), (root / "meta" / "train.txt").string(), log),
                    doctest::Contains("train.txt:4:"));
  // A truncated image is found when decoded.
  std::string bytes = read_file_bytes((root / "train" / "n000002" / "0001_01.jpg").string());
  fbt::write_text(root / "train" / "n000002" / "0001_01.jpg", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH(scan.get(3), doctest::Contains("n000002/0001_01.jpg"));
}

TEST_CASE("ORL: the real data 40 subjects x 10 images labels follow sN") {
  const std::string root = std::string(FB_SHARED_DIR) + "/data/orl-faces";
  if (!fs::is_directory(root)) {
    MESSAGE("ORL data not found at " << root << "; skipped");
    return;
  }
  ProblemLog log(OnError::Fail);
  auto orl = open_orl(root, log);
  CHECK(orl->num_identities() == 40);
  REQUIRE(orl->size() == 400);
  for (int64_t i = 0; i < 400; ++i) CHECK(orl->label(i) == i / 10);
  CHECK(orl->identities()[9] == "s10");
  CHECK(orl->file(9).find("s1/10.pgm") != std::string::npos);
  CHECK(orl->file(10).find("s2/1.pgm") != std::string::npos);
  Sample s = orl->get(123);
  CHECK(s.image.width == 92);
  CHECK(s.image.height == 112);
  CHECK(s.image.channels == 3);
  CHECK(s.label == 12);
}

TEST_CASE("DISFA: per-AU label files subject parts frame pattern malformed and inconsistent files") {
  auto root = fbt::scratch("disfa");
  auto write_subject = [&](const std::string& subj, int frames, int bias) {
    for (int au : kDisfaAus) {
      std::string s;
      for (int f = 1; f <= frames; ++f) s += std::to_string(f) + "," + std::to_string((f + au + bias) % 6) + "\n";
      fbt::write_text(root / "ActionUnit_Labels" / subj / (subj + "_au" + std::to_string(au) + ".txt"), s);
    }
    for (int f = 0; f < frames; ++f) jpg(root / "frames" / subj / (std::to_string(f) + ".png"), 8, 8);
  };
  write_subject("SN001", 4, 0);
  write_subject("SN003", 3, 1);
  ProblemLog log(OnError::Fail);
  DisfaDataset d(root.string(), (root / "frames").string(), "{subject}/{index}.png", log);
  REQUIRE(d.size() == 7);
  CHECK(d.split(0) == "part1");
  CHECK(d.split(4) == "part3");
  REQUIRE(d.value_names().size() == 12);
  CHECK(d.value_names()[11] == "AU26");
  Sample s = d.get(1);  // SN001, second line: frame 2
  REQUIRE(s.values.size() == 12);
  CHECK(s.values[0] == float((2 + 1) % 6));   // AU1
  CHECK(s.values[11] == float((2 + 26) % 6)); // AU26
  CHECK(d.file(5).find("SN003/1.png") != std::string::npos);
  CHECK(expand_frame_pattern("n{sn0:6}/{frame:4}_01.jpg", "SN012", 4, 5) == "n000011/0005_01.jpg");
  CHECK_THROWS(expand_frame_pattern("{bogus}", "SN001", 0, 1));
  // Damage: an intensity of 7, a frame count that disagrees, a missing AU file.
  fbt::write_text(root / "ActionUnit_Labels" / "SN001" / "SN001_au4.txt", "1,0\n2,7\n3,0\n4,0\n");
  fbt::write_text(root / "ActionUnit_Labels" / "SN003" / "SN003_au2.txt", "1,0\n2,1\n");
  write_subject("SN005", 2, 0);
  fs::remove(root / "ActionUnit_Labels" / "SN005" / "SN005_au26.txt");
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  DisfaDataset bad(root.string(), "", "{subject}/{index}.png", skip);
  CHECK(bad.size() == 0);
  REQUIRE(skip.count() == 3);
  CHECK(skip.problems()[0].str().find("SN001_au4.txt:2: intensity 7") != std::string::npos);
  CHECK(skip.problems()[1].what.find("has 2 frames") != std::string::npos);
  CHECK(skip.problems()[2].what.find("missing AU label file") != std::string::npos);
}

TEST_CASE("AffectNet CSV: header landmarks field class filter malformed rows") {
  auto root = fbt::scratch("affectnet");
  jpg(root / "Manually_Annotated_Images" / "689" / "737db2.jpg", 40, 40);
  jpg(root / "Manually_Annotated_Images" / "392" / "c4db2f.jpg", 40, 40);
  std::string lm;
  for (int k = 0; k < 68; ++k) lm += (k ? ";" : "") + std::to_string(k) + ";" + std::to_string(2 * k) + ".5";
  std::string csv = std::string(AffectNetDataset::kHeader) + "\n" +
                    "689/737db2.jpg,134,134,899,899," + lm + ",1,0.785714,-0.055556\n" +
                    "392/c4db2f.jpg,20,30,40,50,,7,-0.1,0.2\n" +
                    "392/c4db2f.jpg,20,30,40,50,,9,-2,-2\n" +
                    "392/c4db2f.jpg,20,30,-40,50,,3,0.1,0.1\n" +
                    "392/c4db2f.jpg,20,30,40,50,,3,0.1\n" +
                    "392/c4db2f.jpg,20,30,40,50,,3,1.5,0.1\n";
  fbt::write_text(root / "Manually_Annotated_file_lists" / "training.csv", csv);
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  AffectNetDataset d((root / "Manually_Annotated_file_lists" / "training.csv").string(),
                     (root / "Manually_Annotated_Images").string(), 8, skip);
  REQUIRE(d.size() == 2);
  CHECK(d.excluded() == 1);  // "Uncertain" is left out on purpose, not a problem
  REQUIRE(skip.count() == 3);
  CHECK(skip.problems()[0].line == 5);
  CHECK(skip.problems()[0].what.find("negative face size") != std::string::npos);
  CHECK(skip.problems()[1].line == 6);
  CHECK(skip.problems()[2].line == 7);
  Sample s = d.get(0);
  CHECK(s.label == 1);
  CHECK(s.values[0] == doctest::Approx(0.785714));
  CHECK(s.values[1] == doctest::Approx(-0.055556));
  CHECK(s.box[2] == 899);
  CHECK(s.num_points() == 68);
  CHECK(s.landmarks[2 * 67 + 1] == doctest::Approx(134.5));
  CHECK(d.get(1).num_points() == 0);
  ProblemLog log(OnError::Fail);
  AffectNetDataset seven((root / "Manually_Annotated_file_lists" / "training.csv").string(),
                         (root / "Manually_Annotated_Images").string(), 7, skip);
  CHECK(seven.size() == 1);  // contempt (7) excluded too
  fbt::write_text(root / "wrong.csv", "path,class\n");
  CHECK_THROWS_WITH(AffectNetDataset((root / "wrong.csv").string(), root.string(), 8, log), doctest::Contains("wrong.csv:1:"));
}

TEST_CASE("parsing labels: LaPa PNGs CelebAMask-HQ part files in paint order bad labels") {
  auto root = fbt::scratch("parsing");
  Image8 lab;
  lab.reset(10, 8, 1);
  for (int i = 0; i < 80; ++i) lab.px[size_t(i)] = uint8_t(i % 11);
  fs::create_directories(root / "LaPa" / "train" / "labels");
  jpg(root / "LaPa" / "train" / "images" / "100.jpg", 10, 8);
  write_png((root / "LaPa" / "train" / "labels" / "100.png").string(), lab);
  jpg(root / "LaPa" / "train" / "images" / "101.jpg", 10, 8);  // no label
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  ParsingDataset lapa((root / "LaPa" / "train" / "images").string(), (root / "LaPa" / "train" / "labels").string(),
                      MaskLayout::LaPa, "lapa", skip);
  REQUIRE(lapa.size() == 1);
  CHECK(skip.count() == 1);
  Sample s = lapa.get(0);
  CHECK(s.mask.px == lab.px);
  CHECK(s.mask_layout == MaskLayout::LaPa);
  lab.px[5] = 11;  // not a LaPa class
  write_png((root / "LaPa" / "train" / "labels" / "100.png").string(), lab);
  CHECK_THROWS_WITH(lapa.get(0), doctest::Contains("holds class 11"));

  // CelebAMask-HQ: image 2001 (folder 1), 4x4 masks under an 8x8 image.
  jpg(root / "cm" / "CelebA-HQ-img" / "2001.jpg", 8, 8);
  auto part = [&](const std::string& name, std::vector<int> on) {
    Image8 m;
    m.reset(4, 4, 1);
    for (int i : on) m.px[size_t(i)] = 255;
    fs::create_directories(root / "cm" / "CelebAMask-HQ-mask-anno" / "1");
    write_png((root / "cm" / "CelebAMask-HQ-mask-anno" / "1" / ("02001_" + name + ".png")).string(), m);
  };
  part("skin", {0, 1, 2, 3, 4, 5});
  part("l_eye", {1});
  part("hair", {2, 15});  // painted after skin: wins
  part("cloth", {15});    // last in the list: wins over hair
  ProblemLog log(OnError::Fail);
  auto cm = ParsingDataset::celebamask_hq((root / "cm").string(), log);
  REQUIRE(cm->size() == 1);
  Sample c = cm->get(0);
  REQUIRE(c.mask.width == 8);
  auto at = [&](int x, int y) { return c.mask.px[size_t(y) * 8 + x]; };
  CHECK(at(0, 0) == 1);    // skin
  CHECK(at(2, 0) == 4);    // l_eye = 1 + 3
  CHECK(at(3, 1) == 4);    // enlarged 2x by nearest neighbour
  CHECK(at(4, 0) == 13);   // hair = 1 + 12
  CHECK(at(7, 7) == 18);   // cloth = 1 + 17
  CHECK(at(6, 5) == 0);    // background
  CHECK(c.mask_layout == MaskLayout::CelebAMaskHQ);
}

#include <stb_image_write.h>

#include "facebench/data/aflw2000.h"
#include "facebench/data/mat5.h"
#include "facebench/synth/mat_file.h"

// stb_image_write's deflate encoder is compiled into the library but only
// declared in its implementation section.
extern "C" unsigned char* stbi_zlib_compress(unsigned char* data, int data_len, int* out_len, int quality);

TEST_CASE("MAT v5: plain and compressed matrices - truncated and v7.3 files are refused") {
  using fb::synth::MatVariable;
  std::vector<MatVariable> vars = {{"pt3d_68", 3, 2, {1, 2, 3, 4, 5, 6}}, {"Pose_Para", 1, 3, {0.1, -0.2, 0.3}}};
  auto raw = fb::synth::encode_mat_file(vars);
  std::string bytes(raw.begin(), raw.end());
  auto m = read_mat5(bytes, "plain.mat");
  REQUIRE(m.count("pt3d_68"));
  CHECK(m["pt3d_68"].rows() == 3);
  CHECK(m["pt3d_68"].cols() == 2);
  CHECK(m["pt3d_68"].at(2, 1) == 6);  // column-major
  CHECK(m["Pose_Para"].at(0, 1) == doctest::Approx(-0.2));
  // The same variables as miCOMPRESSED elements (tag 15 + zlib stream), as MATLAB -v7 writes.
  std::string comp = bytes.substr(0, 128);
  size_t pos = 128;
  while (pos < bytes.size()) {
    uint32_t len;
    std::memcpy(&len, bytes.data() + pos + 4, 4);
    std::string elem = bytes.substr(pos, 8 + len);
    int zlen = 0;
    unsigned char* z = stbi_zlib_compress((unsigned char*)elem.data(), int(elem.size()), &zlen, 6);
    uint32_t tag[2] = {15, uint32_t(zlen)};
    comp.append((const char*)tag, 8);
    comp.append((const char*)z, size_t(zlen));
    std::free(z);
    pos += 8 + len;
  }
  auto mc = read_mat5(comp, "comp.mat");
  CHECK(mc["pt3d_68"].data == m["pt3d_68"].data);
  CHECK(mc["Pose_Para"].data == m["Pose_Para"].data);
  CHECK_THROWS_WITH(read_mat5(bytes.substr(0, bytes.size() - 20), "cut.mat"), doctest::Contains("cut.mat"));
  std::string v73 = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: HDF5 schema 1.00 .";
  v73.resize(128, ' ');
  CHECK_THROWS_WITH(read_mat5(v73, "new.mat"), doctest::Contains("v7.3"));
  CHECK_THROWS_WITH(read_mat5("hello", "tiny.mat"), doctest::Contains("not a MAT file"));
}

namespace {
// One miMATRIX element of class mxCHAR with the given dimensions and codes,
// stored as UTF-16 (miUINT16) or, as a file may declare, as doubles (miDOUBLE).
std::string mat_char_array(const std::string& var, int32_t rows, int32_t cols, const std::vector<double>& codes,
                           bool as_double = false) {
  auto element = [](uint32_t type, const std::string& payload) {
    std::string e(8, '\0');
    const uint32_t tag[2] = {type, uint32_t(payload.size())};
    std::memcpy(e.data(), tag, 8);
    e += payload;
    e.resize((e.size() + 7) / 8 * 8, '\0');
    return e;
  };
  const uint32_t flags[2] = {4 /* mxCHAR */, 0};
  const int32_t dims[2] = {rows, cols};
  std::string body = element(6 /* miUINT32 */, std::string((const char*)flags, 8)) +
                     element(5 /* miINT32 */, std::string((const char*)dims, 8)) + element(1 /* miINT8 */, var) +
                     [&] {
                       if (as_double) return element(9 /* miDOUBLE */, std::string((const char*)codes.data(), codes.size() * 8));
                       std::vector<uint16_t> u(codes.begin(), codes.end());
                       return element(4 /* miUINT16 */, std::string((const char*)u.data(), u.size() * 2));
                     }();
  std::string file = "MATLAB 5.0 MAT-file";
  file.resize(124, ' ');
  file += std::string("\x00\x01IM", 4);
  return file + element(14 /* miMATRIX */, body);
}
}  // namespace

TEST_CASE("MAT v5: char arrays - rows of text, empty rows, and an absurd count of empty rows refused") {
  auto m = read_mat5(mat_char_array("names", 2, 3, {'a', 'd', 'b', 'e', 'c', 'f'}), "text.mat");  // column-major
  REQUIRE(m["names"].strings.size() == 2);
  CHECK(m["names"].strings[0] == "abc");
  CHECK(m["names"].strings[1] == "def");
  m = read_mat5(mat_char_array("names", 3, 0, {}), "empty_rows.mat");
  CHECK(m["names"].strings == std::vector<std::string>{"", "", ""});
  // 2^31 - 1 rows of nothing would be 2^31 strings: refused before any is made.
  CHECK_THROWS_WITH(read_mat5(mat_char_array("names", 2147483647, 0, {}), "huge.mat"),
                    doctest::Contains("claims 2147483647 empty rows"));
  // Codes stored as doubles: read when they are character codes, refused when not.
  CHECK(read_mat5(mat_char_array("names", 1, 2, {'o', 'k'}, true), "d.mat")["names"].strings[0] == "ok");
  for (double bad : {-1.0, 1e252, std::nan("")})
    CHECK_THROWS_WITH(read_mat5(mat_char_array("names", 1, 2, {'o', bad}, true), "bad.mat"),
                      doctest::Contains("not a character code"));
}

TEST_CASE("AFLW2000-3D: pt3d_68 and Pose_Para per image - the 99-degree filter") {
  auto root = fbt::scratch("aflw2000");
  using fb::synth::MatVariable;
  auto write = [&](const std::string& stem, double yaw_deg) {
    MatVariable pt{"pt3d_68", 3, 68, {}};
    for (int k = 0; k < 68; ++k) pt.data.insert(pt.data.end(), {10.0 + k, 20.0 + k, -5.0 - k});
    const double r = M_PI / 180;
    MatVariable pose{"Pose_Para", 1, 7, {0.1, yaw_deg * r, -0.05, 100, 120, 0, 0.001}};
    fb::synth::write_mat_file((root / (stem + ".mat")).string(), {pose, pt});
    jpg(root / (stem + ".jpg"), 120, 120);
  };
  write("image00002", 30);
  write("image00004", 120);  // excluded by the head-pose protocol
  write("image00006", -10);
  fbt::write_text(root / "image00008.mat", "MATLAB 5.0 MAT-file broken");
  jpg(root / "image00008.jpg");
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  Aflw2000Dataset d(root.string(), "", 99, skip);
  REQUIRE(d.size() == 2);
  CHECK(d.excluded() == 1);
  CHECK(skip.count() == 1);
  CHECK(skip.problems()[0].str().find("image00008.mat") != std::string::npos);
  Sample s = d.get(0);
  CHECK(s.pose[0] == doctest::Approx(30));
  CHECK(s.pose[1] == doctest::Approx(0.1 * 180 / M_PI));
  CHECK(s.landmarks[2 * 67] == doctest::Approx(77));
  CHECK(s.depth[67] == doctest::Approx(-72));
  CHECK(Aflw2000Dataset(root.string(), "", 0, skip).size() == 3);
}
