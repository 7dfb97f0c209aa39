#pragma once
// A reader for MATLAB level-5 .mat files (what scipy.io.savemat and MATLAB's
// default -v7 write): numeric matrices, compressed (miCOMPRESSED, zlib via
// stb_image's inflater) or not. Enough for AFLW2000-3D / 300W-LP annotations
// (pt3d_68, pt2d, Pose_Para). Cells, structs and strings are skipped; v7.3
// files (HDF5) are refused with a clear message.
#include <map>
#include <string>
#include <vector>

namespace fb::data {

struct MatArray {
  std::vector<int64_t> dims;  // MATLAB dimensions (rows, cols, ...)
  std::vector<double> data;   // column-major, converted to double
  int64_t rows() const { return dims.empty() ? 0 : dims[0]; }
  int64_t cols() const;       // product of the remaining dimensions
  double at(int64_t r, int64_t c) const { return data[size_t(c * rows() + r)]; }
};

// Throws fb::Error naming `name` on any malformed or truncated content.
std::map<std::string, MatArray> read_mat5(const std::string& bytes, const std::string& name);

}  // namespace fb::data
