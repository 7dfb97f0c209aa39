#pragma once
// A reader for MATLAB level-5 .mat files (what scipy.io.savemat and MATLAB's
// default -v7 write): numeric matrices, compressed (miCOMPRESSED, zlib via
// stb_image's inflater) or not. Enough for AFLW2000-3D / 300W-LP annotations
// (pt3d_68, pt2d, Pose_Para) and AFLW-19 (bbox, data, mask_new, ra and the
// nameList cell of strings). Char arrays and cells of char arrays become
// `strings`; structs, objects and sparse matrices are skipped; v7.3 files
// (HDF5) are refused with a clear message.
#include <map>
#include <string>
#include <vector>

#include "tensor/error.h"

namespace fb::data {

struct MatArray {
  std::vector<int64_t> dims;  // MATLAB dimensions (rows, cols, ...)
  std::vector<double> data;   // column-major, converted to double
  std::vector<std::string> strings;  // char array: one per row; cell: one per cell (column-major)
  int64_t rows() const { return dims.empty() ? 0 : dims[0]; }
  int64_t cols() const;       // product of the remaining dimensions
  // Element (r, c) of a numeric array; throws when the array holds no such
  // value (e.g. a cell or char array whose dimensions match what was expected).
  double at(int64_t r, int64_t c) const {
    const int64_t i = c * rows() + r;
    FB_CHECK(r >= 0 && c >= 0 && r < rows() && i < int64_t(data.size()), "MAT array: element (", r, ", ", c,
             ") of a ", rows(), " x ", cols(), " array holding ", data.size(), " numeric values");
    return data[size_t(i)];
  }
};

// Throws fb::Error naming `name` on any malformed or truncated content.
std::map<std::string, MatArray> read_mat5(const std::string& bytes, const std::string& name);

}  // namespace fb::data
