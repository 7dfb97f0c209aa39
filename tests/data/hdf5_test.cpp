// HDF5 formats: COFW's MATLAB v7.3 .mat files (transposed arrays, a cell of
// images as object references, RGB and grayscale entries, the 29-point flip)
// and the paper's .h5 image stores; 300W-LP's folder layout (MAT v5). Without
// libhdf5 the HDF5 readers must refuse with a clear message.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "facebench/data/aflw2000.h"
#include "facebench/data/cofw.h"
#include "facebench/data/geometry.h"
#include "facebench/data/h5_images.h"
#include "facebench/data/hdf5.h"
#include "facebench/data/inspect.h"
#include "facebench/data/open.h"
#include "facebench/synth/mat_file.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
// A MATLAB H x W x C uint8 array as HDF5 stores it: dimensions (C, W, H), element [c][x][y].
std::vector<uint8_t> to_matlab_order(const Image8& im, int channels) {
  std::vector<uint8_t> v;
  for (int c = 0; c < channels; ++c)
    for (int x = 0; x < im.width; ++x)
      for (int y = 0; y < im.height; ++y) v.push_back(im.px[(size_t(y) * im.width + x) * im.channels + c]);
  return v;
}

// phis for row r: x_k = 10 r + k, y_k = 100 + 2k + r, occluded for odd k.
double phis_value(int r, int col) {
  const int k = col % 29;
  if (col < 29) return 10.0 * r + k;
  if (col < 58) return 100.0 + 2 * k + r;
  return k % 2;
}

// COFW_test_color.mat with three faces: RGB 7x5, grayscale 4x3, RGB 6x6.
fs::path write_cofw(const fs::path& dir, bool train = false) {
  const int n = 3;
  const std::string suf = train ? "Tr" : "T";
  fs::path p = dir / (train ? "COFW_train_color.mat" : "COFW_test_color.mat");
  H5Writer w(p.string(), true);
  Image8 a = fbt::pattern(7, 5, 1), g = fbt::pattern(4, 3, 2), c = fbt::pattern(6, 6, 3);
  w.write_u8("/#refs#/a", {3, 7, 5}, to_matlab_order(a, 3));
  w.write_u8("/#refs#/b", {4, 3}, to_matlab_order(g, 1));
  w.write_u8("/#refs#/c", {3, 6, 6}, to_matlab_order(c, 3));
  w.write_cell("Is" + suf, {1, n}, {"/#refs#/a", "/#refs#/b", "/#refs#/c"});
  std::vector<double> phis, boxes;  // MATLAB N x 87 -> HDF5 (87, N): index col * N + row
  for (int col = 0; col < 87; ++col)
    for (int r = 0; r < n; ++r) phis.push_back(phis_value(r, col));
  for (int col = 0; col < 4; ++col)
    for (int r = 0; r < n; ++r) boxes.push_back(1 + col + 10 * r);
  w.write_doubles("phis" + suf, {87, n}, phis);
  w.write_doubles("bboxes" + suf, {4, n}, boxes);
  return p;
}
}  // namespace

TEST_CASE("COFW MATLAB v7.3: cell of RGB and gray images, phis 87 columns, boxes, the 29-point flip") {
  auto root = fbt::scratch("cofw");
  if (!hdf5_available()) {
    fbt::write_text(root / "COFW_test_color.mat", "MATLAB 7.3 MAT-file");
    ProblemLog log(OnError::Fail);
    CHECK_THROWS_WITH(CofwDataset(root.string(), "test", log), doctest::Contains("built without HDF5"));
    return;
  }
  write_cofw(root);
  // The file starts with the MAT 7.3 header (MAT v5 readers refuse it by that).
  CHECK(read_file_bytes((root / "COFW_test_color.mat").string()).substr(0, 10) == "MATLAB 7.3");
  ProblemLog log(OnError::Fail);
  CofwDataset d(root.string(), "test", log);
  REQUIRE(d.size() == 3);
  CHECK(d.split(0) == "test");
  CHECK(d.value_names().size() == 29);
  CHECK(d.value_names()[28] == "occ29");
  Sample s = d.get(0);
  REQUIRE(s.image.width == 7);
  REQUIRE(s.image.height == 5);
  CHECK(s.image.px == fbt::pattern(7, 5, 1).px);
  CHECK(s.layout == LandmarkLayout::Cofw29);
  REQUIRE(s.landmarks.size() == 58);
  CHECK(s.landmarks[2 * 3] == 3);        // x_4 of row 0
  CHECK(s.landmarks[2 * 3 + 1] == 106);  // y_4
  CHECK(s.values[3] == 1);               // odd points are occluded
  CHECK(s.values[4] == 0);
  CHECK(s.visible == std::vector<uint8_t>(29, 1));
  CHECK(s.box == std::array<float, 4>{1, 2, 3, 4});
  Sample gray = d.get(1);
  REQUIRE(gray.image.width == 4);
  REQUIRE(gray.image.height == 3);
  Image8 g = fbt::pattern(4, 3, 2);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) CHECK(gray.image.px[(size_t(y) * 4 + x) * 3 + c] == g.px[(size_t(y) * 4 + x) * 3]);
  CHECK(gray.landmarks[0] == 10);
  CHECK(gray.box[0] == 11);
  CHECK(d.get(2).image.px == fbt::pattern(6, 6, 3).px);
  CHECK(d.file(2).find("IsT{3}") != std::string::npos);

  // Mirroring renumbers the points with COFW's table (FORMATS.md section 10).
  const std::vector<int> perm = {1, 0, 3, 2, 6, 7, 4, 5, 9, 8, 11, 10, 14, 15, 12, 13, 17, 16, 19, 18, 20, 21, 23, 22, 24, 25, 26, 27, 28};
  View v = warp(s, Affine{}, s.image.width, s.image.height, true);
  REQUIRE(v.landmarks.size() == 58);
  for (int k = 0; k < 29; ++k) {
    CHECK(v.landmarks[2 * size_t(k)] == doctest::Approx(6 - s.landmarks[2 * size_t(perm[size_t(k)])]));
    CHECK(v.landmarks[2 * size_t(k) + 1] == doctest::Approx(s.landmarks[2 * size_t(perm[size_t(k)]) + 1]));
  }

  // The file itself (split from its variables), the train file, open_dataset and inspect.
  CofwDataset f((root / "COFW_test_color.mat").string(), "", log);
  CHECK(f.size() == 3);
  CHECK_THROWS_WITH(CofwDataset((root / "COFW_test_color.mat").string(), "train", log), doctest::Contains("test split"));
  write_cofw(root, true);
  OpenOptions o;
  o.format = "cofw";
  o.path = root.string();
  o.split = "train";
  auto ds = open_dataset(o, log);
  CHECK(ds->split(0) == "train");
  InspectReport r = inspect_dataset(*ds, 0, 2);
  CHECK(r.checked == 3);
  CHECK(r.failed == 0);
  CHECK(r.points == 29);
}

TEST_CASE("COFW: damaged and inconsistent files are refused or counted, naming the file") {
  if (!hdf5_available()) return;  // the refusal without HDF5 is checked above
  auto root = fbt::scratch("cofw_bad");
  ProblemLog fail(OnError::Fail);
  // A MAT v5 file under the COFW name, a truncated v7.3 file, a missing split file.
  fbt::write_text(root / "v5" / "COFW_test_color.mat", std::string("MATLAB 5.0 MAT-file") + std::string(200, ' '));
  CHECK_THROWS_WITH(CofwDataset((root / "v5").string(), "test", fail), doctest::Contains("not an HDF5 file"));
  fs::path good = write_cofw(root);
  std::string bytes = read_file_bytes(good.string());
  fbt::write_text(root / "cut" / "COFW_test_color.mat", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH(CofwDataset((root / "cut").string(), "test", fail), doctest::Contains("cut"));
  CHECK_THROWS_WITH(CofwDataset(root.string(), "train", fail), doctest::Contains("COFW_train_color.mat' does not exist"));
  CHECK_THROWS_WITH(CofwDataset(root.string(), "val", fail), doctest::Contains("train or test"));
  // phis with 86 columns; a cell that is not a cell; fewer images than rows; a NaN row.
  fs::create_directories(root / "shape");
  {
    H5Writer w((root / "shape" / "COFW_test_color.mat").string(), true);
    w.write_u8("/#refs#/a", {3, 2, 2}, std::vector<uint8_t>(12, 7));
    w.write_cell("IsT", {1, 1}, {"/#refs#/a"});
    w.write_doubles("phisT", {86, 1}, std::vector<double>(86, 1));
  }
  CHECK_THROWS_WITH(CofwDataset((root / "shape").string(), "test", fail), doctest::Contains("should be N x 87"));
  {
    H5Writer w((root / "shape" / "COFW_test_color.mat").string(), true);
    w.write_doubles("IsT", {1, 2}, {1, 2});
    w.write_doubles("phisT", {87, 2}, std::vector<double>(174, 1));
  }
  CHECK_THROWS_WITH(CofwDataset((root / "shape").string(), "test", fail), doctest::Contains("MATLAB double"));
  {
    H5Writer w((root / "shape" / "COFW_test_color.mat").string(), true);
    w.write_u8("/#refs#/a", {3, 2, 2}, std::vector<uint8_t>(12, 7));
    w.write_u8("/#refs#/b", {2, 2, 2, 2}, std::vector<uint8_t>(16, 7));
    w.write_cell("IsT", {1, 2}, {"/#refs#/a", "/#refs#/b"});
    std::vector<double> phis(87 * 3, 1.0);
    phis[5 * 3 + 1] = std::nan("");  // column 5 of row 1 (0-based)
    w.write_doubles("phisT", {87, 3}, phis);
  }
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  CofwDataset d((root / "shape").string(), "test", skip);
  REQUIRE(skip.count() == 2);
  CHECK(skip.problems()[0].what.find("holds 2 images, 'phisT' 3 rows") != std::string::npos);
  CHECK(skip.problems()[1].what.find("phisT row 2") != std::string::npos);
  REQUIRE(d.size() == 1);
  CHECK(d.get(0).image.width == 2);
  CHECK_THROWS_WITH(CofwDataset((root / "shape").string(), "test", fail), doctest::Contains("COFW_test_color.mat: 'IsT' holds 2"));
}

TEST_CASE("HDF5 image stores: encoded images as vlen uint8 or opaque elements") {
  auto root = fbt::scratch("h5images");
  if (!hdf5_available()) {
    fbt::write_text(root / "vggface2_train.h5", "x");
    ProblemLog log(OnError::Fail);
    CHECK_THROWS_WITH(H5ImagesDataset(root.string(), log), doctest::Contains("built without HDF5"));
    return;
  }
  const std::string a = encode_jpeg(fbt::pattern(16, 12, 1), 95);
  std::string b;
  {
    write_png((root / "b.png").string(), fbt::pattern(9, 8, 2));
    b = read_file_bytes((root / "b.png").string());
  }
  {
    H5Writer w((root / "vggface2_train.h5").string(), false);
    w.write_vlen_bytes("images", {a, b, "not an image"});
  }
  {
    H5Writer w((root / "flickr_train.h5").string(), false);
    w.write_opaque("images", {a, b});
  }
  ProblemLog log(OnError::Fail);
  H5ImagesDataset d(root.string(), log);
  REQUIRE(d.size() == 3);
  Sample s = d.get(0);
  CHECK(s.image.width == 16);
  CHECK(s.image.height == 12);
  CHECK(s.label == -1);
  CHECK(s.image.px == decode_image_memory(a.data(), a.size(), "a", 3).px);
  CHECK(d.get(1).image.px == fbt::pattern(9, 8, 2).px);  // PNG is lossless
  CHECK_THROWS_WITH(d.get(2), doctest::Contains("vggface2_train.h5:images[2]"));
  InspectReport r = inspect_dataset(d, 0, 2);
  CHECK(r.checked == 3);
  CHECK(r.failed == 1);
  // Opaque elements are zero-padded to the longest; the decoders ignore the tail.
  OpenOptions o;
  o.format = "h5";
  o.path = (root / "flickr_train.h5").string();
  auto op = open_dataset(o, log);
  REQUIRE(op->size() == 2);
  CHECK(op->get(1).image.px == fbt::pattern(9, 8, 2).px);
  // No `images` dataset; a 2-D one; not HDF5.
  {
    H5Writer w((root / "other.h5").string(), false);
    w.write_doubles("pixels", {2, 2}, {1, 2, 3, 4});
    w.write_doubles("images", {2, 2}, {1, 2, 3, 4});
  }
  CHECK_THROWS_WITH(H5ImagesDataset((root / "other.h5").string(), log), doctest::Contains("should be 1-D"));
  CHECK_THROWS_WITH(H5ImagesDataset((root / "b.png").string(), log), doctest::Contains("not an HDF5 file"));
  CHECK_THROWS_WITH(H5ImagesDataset((root / "none.h5").string(), log), doctest::Contains("does not exist"));
}

// libhdf5 1.10 loops forever on a global heap collection (where vlen data
// lives) that holds a free-space object of size 0: the reader walks the
// collection first and refuses it.
TEST_CASE("HDF5 image stores: a damaged global heap is refused instead of hanging libhdf5") {
  if (!hdf5_available()) return;
  auto root = fbt::scratch("h5heap");
  const std::string a = encode_jpeg(fbt::pattern(16, 12, 1), 95);
  const std::string path = (root / "vggface2_train.h5").string();
  {
    H5Writer w(path, false);
    w.write_vlen_bytes("images", {a, a});
  }
  {
    ProblemLog log(OnError::Fail);
    H5ImagesDataset good(root.string(), log);
    CHECK(good.get(1).image.width == 16);  // the check passes a sound heap
  }
  const std::string sound = read_file_bytes(path);
  std::string bytes = sound;
  const size_t gcol = bytes.find("GCOL");
  REQUIRE(gcol != std::string::npos);
  {
    // The first object (element 0's) claims 2^40 bytes: more than its element and its collection hold.
    std::string big = sound;
    big[gcol + 16 + 8 + 5] = 1;
    fbt::write_text(path, big);
    ProblemLog log(OnError::Fail);
    H5ImagesDataset d(root.string(), log);
    CHECK_THROWS_WITH(d.get(0), doctest::Contains("damaged global heap"));
  }
  {
    // The first object (element 0's, index 1) renumbered 7: element 0 names an object the
    // collection does not hold, and libhdf5 would read past its table of objects (found by fuzz_hdf5).
    std::string renumbered = sound;
    renumbered[gcol + 16] = 7;
    fbt::write_text(path, renumbered);
    ProblemLog log(OnError::Fail);
    H5ImagesDataset d(root.string(), log);
    CHECK_THROWS_WITH(d.get(0), doctest::Contains("object 1 is not in the collection"));
  }
  // The first object follows the 16-byte collection header: index (2), references (2), reserved (4), size (8).
  const size_t object = gcol + 16;
  for (size_t k = 0; k < 16; ++k) bytes[object + k] = 0;
  fbt::write_text(path, bytes);
  ProblemLog log(OnError::Fail);
  H5ImagesDataset d(root.string(), log);
  CHECK_THROWS_WITH(d.get(0), doctest::Contains("damaged global heap"));
}

TEST_CASE("HDF5: a file whose group metadata crashes libhdf5 is refused, and this process survives") {
  if (!hdf5_available()) return;
  // Found by fuzz_hdf5: a damaged local heap of a group makes libhdf5 1.10
  // read through a null pointer inside H5Lexists. The walk in a child process
  // meets it first; the file is refused with a message instead.
  const std::string path = std::string(FB_TEST_DATA_DIR) + "/fuzz/corpus/hdf5/regression-local-heap-segv";
  REQUIRE(fs::exists(path));
  try {
    H5File f(path);
    FAIL("a file that crashes libhdf5 was opened");
  } catch (const fb::Error& e) {
    const std::string m = e.what();
    CHECK(m.find("regression-local-heap-segv") != std::string::npos);
    CHECK(m.find("damaged") != std::string::npos);
    CHECK(m.find("signal") != std::string::npos);
    MESSAGE(m);
  }
  // The readers report it through their usual paths.
  auto root = fbt::scratch("h5segv");
  fs::copy_file(path, root / "COFW_test_color.mat");
  ProblemLog log(OnError::Fail);
  CHECK_THROWS_WITH(CofwDataset((root / "COFW_test_color.mat").string(), "", log), doctest::Contains("damaged"));
}

TEST_CASE("300W-LP: the eight image folders, flip splits, landmarks/ folder not walked") {
  auto root = fbt::scratch("300wlp");
  using fb::synth::MatVariable;
  auto write = [&](const std::string& rel, double x0) {
    MatVariable pt{"pt3d_68", 3, 68, {}};
    for (int k = 0; k < 68; ++k) pt.data.insert(pt.data.end(), {x0 + k, 20.0 + k, -5.0 - k});
    MatVariable p2{"pt2d", 2, 68, {}};
    for (int k = 0; k < 68; ++k) p2.data.insert(p2.data.end(), {x0 + k, 20.0 + k});
    MatVariable pose{"Pose_Para", 1, 7, {0.1, 0.2, -0.05, 100, 120, 0, 0.001}};
    fs::create_directories((root / rel).parent_path());
    fb::synth::write_mat_file((root / (rel + ".mat")).string(), {pose, pt, p2});
    write_jpeg((root / (rel + ".jpg")).string(), fbt::pattern(90, 90));
  };
  write("AFW/AFW_134212_1_0", 1);
  write("AFW_Flip/AFW_134212_1_0", 2);
  write("HELEN/HELEN_1_0", 3);
  write("IBUG/IBUG_image_003_1_0", 4);
  write("LFPW/LFPW_image_test_0001_0", 5);
  write("HELEN_Flip/HELEN_1_0", 6);
  write("IBUG_Flip/IBUG_image_003_1_0", 7);
  write("LFPW_Flip/LFPW_image_test_0001_0", 8);
  fs::create_directories(root / "landmarks" / "AFW");
  fbt::write_text(root / "landmarks" / "AFW" / "AFW_134212_1_0_pts.mat", "not read");
  ProblemLog log(OnError::Fail);
  auto all = Aflw2000Dataset::w300lp(root.string(), "", "", 0, log);
  CHECK(all->name() == "300w-lp");
  REQUIRE(all->size() == 8);
  CHECK(all->split(0) == "AFW");
  CHECK(all->split(1) == "AFW_Flip");
  CHECK(all->get(0).landmarks[0] == 1);
  CHECK(all->get(0).depth[0] == -5);
  CHECK(Aflw2000Dataset::w300lp(root.string(), "noflip", "", 0, log)->size() == 4);
  auto flip = Aflw2000Dataset::w300lp(root.string(), "flip", "", 0, log);
  REQUIRE(flip->size() == 4);
  CHECK(flip->split(3) == "LFPW_Flip");
  CHECK(Aflw2000Dataset::w300lp(root.string(), "IBUG", "", 0, log)->size() == 1);
  CHECK_THROWS_WITH(Aflw2000Dataset::w300lp(root.string(), "ibug", "", 0, log), doctest::Contains("split must be"));
  // A folder of the release that is missing is a problem.
  fs::remove_all(root / "IBUG_Flip");
  CHECK_THROWS_WITH(Aflw2000Dataset::w300lp(root.string(), "flip", "", 0, log), doctest::Contains("IBUG_Flip: folder does not exist"));
  ProblemLog skip(OnError::Skip);
  skip.set_quiet(true);
  OpenOptions o;
  o.format = "300w-lp";
  o.path = root.string();
  CHECK(open_dataset(o, skip)->size() == 7);
  CHECK(skip.count() == 1);
}
