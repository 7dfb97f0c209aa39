#pragma once
// A small layer over libhdf5 (optional: CMake's FB_HDF5, found through
// pkg-config `hdf5`, Debian's libhdf5-dev) for the two HDF5 formats facebench
// reads: MATLAB v7.3 .mat files (COFW) and the paper's image stores
// (vggface2_train.h5 ...). Built without libhdf5, every entry point throws
// fb::Error saying so; hdf5_available() tells which.
//
// MATLAB v7.3 conventions handled here: a 512-byte user block holding the
// MAT header precedes the HDF5 data; an m x n MATLAB array is stored with
// HDF5 dimensions reversed (n, m), so HDF5's row-major order is MATLAB's
// column-major one; a cell array is a dataset of object references (to
// datasets under "#refs#"); each variable carries a MATLAB_class attribute.
//
// libhdf5 here is the serial build, which is not thread-safe: every call into
// it goes through one process-wide lock, so H5File may be used from several
// threads (the loader's workers) at once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fb::data {

bool hdf5_available();

// A numeric dataset read as doubles, dimensions in HDF5 order.
struct H5Array {
  std::vector<int64_t> dims;
  std::vector<double> data;
};

// A dataset of 8-bit values (a MATLAB uint8 image), dimensions in HDF5 order.
struct H5Bytes {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

class H5File {
 public:
  // Opens read-only. Throws fb::Error naming the file when it is not HDF5.
  explicit H5File(const std::string& path);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  const std::string& path() const { return path_; }

  bool has(const std::string& dataset) const;  // a dataset (not a group) of that path
  std::vector<int64_t> dims(const std::string& dataset) const;
  std::string attribute_string(const std::string& dataset, const std::string& attr) const;  // "" when absent
  // Any integer or float dataset, converted; at most `max_elements` values.
  H5Array read_numeric(const std::string& dataset, int64_t max_elements) const;
  // A dataset of object references (a MATLAB cell), as opaque tokens.
  std::vector<uint64_t> read_references(const std::string& dataset, int64_t max_elements) const;
  // The dataset an object reference points to, as 8-bit values.
  H5Bytes read_referenced_bytes(uint64_t ref, int64_t max_elements) const;
  // Element i of a 1-D dataset whose elements are byte strings: variable-length
  // sequences of 8-bit integers, opaque blobs, or (variable or fixed) strings.
  std::string read_blob(const std::string& dataset, int64_t i, int64_t max_bytes) const;

 private:
  std::string path_;
  int64_t id_ = -1;
};

// Writing, for tests and synthetic data: MATLAB v7.3-style files and h5py-style image stores.
class H5Writer {
 public:
  // matlab_header: reserve the 512-byte user block and write the MAT 7.3 header into it.
  H5Writer(const std::string& path, bool matlab_header);
  ~H5Writer();  // closes; writes the MAT header when asked
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;
  // HDF5 dimensions (MATLAB's reversed); MATLAB_class "double" when matlab_header.
  void write_doubles(const std::string& name, const std::vector<int64_t>& dims, const std::vector<double>& data);
  void write_u8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& data);
  // A MATLAB cell: object references to existing datasets (full paths, e.g. "/#refs#/a").
  void write_cell(const std::string& name, const std::vector<int64_t>& dims, const std::vector<std::string>& targets);
  // A 1-D dataset of variable-length uint8 sequences (h5py's special_dtype(vlen=uint8)).
  void write_vlen_bytes(const std::string& name, const std::vector<std::string>& items);
  // The same as opaque blobs of one fixed size (shorter items zero-padded).
  void write_opaque(const std::string& name, const std::vector<std::string>& items);
  void close();

 private:
  std::string path_;
  bool matlab_ = false;
  int64_t id_ = -1;
};

}  // namespace fb::data
