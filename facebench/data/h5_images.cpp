#include "facebench/data/h5_images.h"

#include <filesystem>

#include "facebench/data/hdf5.h"
#include "tensor/error.h"

namespace fb::data {

namespace fs = std::filesystem;

namespace {
constexpr int64_t kMaxEncodedBytes = int64_t(256) << 20;  // one encoded image
}

H5ImagesDataset::H5ImagesDataset(const std::string& path, ProblemLog& log) {
  (void)log;  // the store has no annotation lines; decode failures are reported by get()
  path_ = fs::is_directory(path) ? (fs::path(path) / "vggface2_train.h5").string() : path;
  if (!fs::is_regular_file(path_)) FB_FAIL("h5: '", path_, "' does not exist");
  file_ = std::make_shared<H5File>(path_);
  if (!file_->has("images")) FB_FAIL(path_, ": no dataset 'images'");
  std::vector<int64_t> d = file_->dims("images");
  if (!(d.size() == 1 || (d.size() == 2 && d[1] == 1)))
    FB_FAIL(path_, ": 'images' should be 1-D (one encoded image per element), has ", d.size(), " dimensions");
  n_ = d[0];
}

H5ImagesDataset::~H5ImagesDataset() = default;

std::string H5ImagesDataset::file(int64_t i) const {
  FB_CHECK(i >= 0 && i < n_, "h5: index ", i, " out of range [0, ", n_, ")");
  return path_ + ":images[" + std::to_string(i) + "]";
}

Sample H5ImagesDataset::get(int64_t i) const {
  Sample s;
  s.index = i;
  s.source = file(i);
  const std::string bytes = file_->read_blob("images", i, kMaxEncodedBytes);
  s.image = decode_image_memory(bytes.data(), bytes.size(), s.source, 3);
  return s;
}

}  // namespace fb::data
