#include "facebench/data/cofw.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "facebench/data/hdf5.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

namespace {
constexpr int kPoints = 29;
constexpr int64_t kMaxRows = int64_t(1) << 22;  // far above COFW's 1345 + 507

// A MATLAB N x cols matrix stored in HDF5 as (cols, N) — or, tolerated, (N, cols).
struct Matrix {
  int64_t rows = 0, cols = 0;
  bool transposed = true;  // HDF5 (cols, N): MATLAB's own layout
  std::vector<double> v;
  double at(int64_t r, int64_t c) const { return transposed ? v[size_t(c * rows + r)] : v[size_t(r * cols + c)]; }
};

Matrix read_matrix(const H5File& f, const std::string& var, int64_t cols) {
  H5Array a = f.read_numeric(var, kMaxRows * cols);
  Matrix m;
  m.cols = cols;
  if (a.dims.size() == 2 && a.dims[0] == cols) {
    m.rows = a.dims[1];
  } else if (a.dims.size() == 2 && a.dims[1] == cols) {
    m.rows = a.dims[0];
    m.transposed = false;
  } else {
    std::string d;
    for (int64_t x : a.dims) d += (d.empty() ? "" : " x ") + std::to_string(x);
    FB_FAIL(f.path(), ": '", var, "' should be N x ", cols, " (HDF5 ", cols, " x N), has HDF5 dimensions ", d.empty() ? "()" : d);
  }
  m.v = std::move(a.data);
  return m;
}
}  // namespace

CofwDataset::CofwDataset(const std::string& path, const std::string& split, ProblemLog& log) {
  if (fs::is_directory(path)) {
    const std::string sp = split.empty() ? "test" : split;
    FB_CHECK(sp == "train" || sp == "test", "cofw: split must be train or test, got '", sp, "'");
    path_ = (fs::path(path) / (sp == "train" ? "COFW_train_color.mat" : "COFW_test_color.mat")).string();
    if (!fs::is_regular_file(path_)) FB_FAIL("cofw: '", path_, "' does not exist");
    split_ = sp;
  } else {
    path_ = path;
  }
  file_ = std::make_shared<H5File>(path_);
  if (split_.empty()) {
    if (file_->has("IsTr")) split_ = "train";
    else if (file_->has("IsT")) split_ = "test";
    else FB_FAIL(path_, ": holds neither IsTr (COFW_train_color.mat) nor IsT (COFW_test_color.mat)");
    FB_CHECK(split.empty() || split == split_, "cofw: '", path_, "' holds the ", split_, " split, not '", split, "'");
  }
  const std::string suf = split_ == "train" ? "Tr" : "T";
  images_var_ = "Is" + suf;
  const std::string phis_var = "phis" + suf, boxes_var = "bboxes" + suf;
  for (const std::string& v : {images_var_, phis_var})
    if (!file_->has(v)) FB_FAIL(path_, ": no variable '", v, "'");
  const std::string cls = file_->attribute_string(images_var_, "MATLAB_class");
  if (!cls.empty() && cls != "cell") FB_FAIL(path_, ": '", images_var_, "' is a MATLAB ", cls, ", expected a cell of images");

  Matrix phis = read_matrix(*file_, phis_var, 3 * kPoints);
  std::vector<uint64_t> refs = file_->read_references(images_var_, kMaxRows);
  Matrix boxes;
  const bool has_boxes = file_->has(boxes_var);
  if (has_boxes) boxes = read_matrix(*file_, boxes_var, 4);
  int64_t n = phis.rows;
  if (int64_t(refs.size()) != n) {
    log.report(path_, 0, "'" + images_var_ + "' holds " + std::to_string(refs.size()) + " images, '" + phis_var + "' " +
                             std::to_string(n) + " rows");
    n = std::min<int64_t>(n, int64_t(refs.size()));
  }
  if (has_boxes && boxes.rows != phis.rows)
    log.report(path_, 0, "'" + boxes_var + "' has " + std::to_string(boxes.rows) + " rows, '" + phis_var + "' " +
                             std::to_string(phis.rows));
  for (int64_t r = 0; r < n; ++r) {
    Item it;
    it.row = r;
    it.ref = refs[size_t(r)];
    bool finite = true;
    for (int k = 0; k < kPoints; ++k) {
      const double x = phis.at(r, k), y = phis.at(r, kPoints + k), o = phis.at(r, 2 * kPoints + k);
      finite = finite && std::isfinite(x) && std::isfinite(y) && std::isfinite(o);
      it.landmarks.push_back(float(x));
      it.landmarks.push_back(float(y));
      it.occluded.push_back(o > 0.5 ? 1.0f : 0.0f);
    }
    if (!finite) {
      log.report(path_, 0, phis_var + " row " + std::to_string(r + 1) + ": a coordinate or flag is not a finite number");
      continue;
    }
    if (has_boxes && r < boxes.rows) {
      for (int c = 0; c < 4; ++c) it.box[size_t(c)] = float(boxes.at(r, c));
      if (!(std::isfinite(it.box[2]) && std::isfinite(it.box[3]) && std::isfinite(it.box[0]) && std::isfinite(it.box[1])))
        it.box = {0, 0, 0, 0};
    }
    items_.push_back(std::move(it));
  }
}

CofwDataset::~CofwDataset() = default;

std::vector<std::string> CofwDataset::value_names() const {
  std::vector<std::string> v;
  for (int k = 1; k <= kPoints; ++k) v.push_back("occ" + std::to_string(k));
  return v;
}

std::string CofwDataset::file(int64_t i) const {
  FB_CHECK(i >= 0 && i < size(), "cofw: index ", i, " out of range [0, ", size(), ")");
  return path_ + ":" + images_var_ + "{" + std::to_string(items_[size_t(i)].row + 1) + "}";
}

Sample CofwDataset::get(int64_t i) const {
  const std::string where = file(i);
  const Item& it = items_[size_t(i)];
  H5Bytes b = file_->read_referenced_bytes(it.ref, 3 * kMaxImagePixels);
  // MATLAB H x W x 3 is HDF5 (3, W, H); H x W is (W, H).
  int c = 0;
  int64_t w = 0, h = 0;
  if (b.dims.size() == 3 && (b.dims[0] == 3 || b.dims[0] == 1)) c = int(b.dims[0]), w = b.dims[1], h = b.dims[2];
  else if (b.dims.size() == 2) c = 1, w = b.dims[0], h = b.dims[1];
  if (c == 0 || w <= 0 || h <= 0 || w * h > kMaxImagePixels)
    FB_FAIL(where, ": expected an H x W x 3 or H x W uint8 image, got HDF5 dimensions with ", b.dims.size(), " axes");
  Sample s;
  s.index = i;
  s.source = where;
  s.image.reset(int(w), int(h), 3);
  const size_t plane = size_t(w) * size_t(h);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      uint8_t* px = s.image.px.data() + (size_t(y) * size_t(w) + size_t(x)) * 3;
      for (int ch = 0; ch < 3; ++ch) px[ch] = b.data[size_t(c == 3 ? ch : 0) * plane + size_t(x) * size_t(h) + size_t(y)];
    }
  s.landmarks = it.landmarks;
  s.visible.assign(kPoints, 1);
  s.layout = LandmarkLayout::Cofw29;
  s.values = it.occluded;
  s.box = it.box;
  return s;
}

}  // namespace fb::data
