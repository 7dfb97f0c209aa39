#pragma once
// The paper's HDF5 image stores (vggface2_train.h5, 300w_lp.h5, widerface.h5,
// imdbface.h5, affectnet_train.h5, flickr_train.h5): one 1-D dataset `images`
// whose element i is the encoded image file (JPEG/PNG bytes), as the paper's
// unsupervised loader reads it (`Image.open(BytesIO(np.array(f['images'][i])))`).
//
//   <path>                     one .h5 file, or
//   <path>/vggface2_train.h5   when <path> is a folder
//
// Elements may be variable-length uint8 sequences (h5py's vlen uint8), opaque
// blobs or byte strings; trailing zero padding of fixed-size elements is
// harmless to the decoders. The stores carry no labels: label = -1.
// Images are read from the file on demand (thread-safe).
#include <memory>
#include <string>

#include "facebench/data/dataset.h"

namespace fb::data {

class H5File;

class H5ImagesDataset : public Dataset {
 public:
  H5ImagesDataset(const std::string& path, ProblemLog& log);
  ~H5ImagesDataset() override;
  std::string name() const override { return "h5"; }
  int64_t size() const override { return n_; }
  Sample get(int64_t i) const override;
  std::string file(int64_t i) const override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::shared_ptr<H5File> file_;
  int64_t n_ = 0;
};

}  // namespace fb::data
