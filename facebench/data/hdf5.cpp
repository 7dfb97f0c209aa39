#include "facebench/data/hdf5.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>

#include "facebench/common/child_process.h"
#include "tensor/error.h"

#ifdef FB_HAVE_HDF5
#include <hdf5.h>
#endif

namespace fb::data {

#ifndef FB_HAVE_HDF5

bool hdf5_available() { return false; }

namespace {
[[noreturn]] void no_hdf5(const std::string& path) {
  FB_FAIL("'", path, "': facebench was built without HDF5 support (install libhdf5-dev and reconfigure; "
          "MATLAB v7.3 .mat files and .h5 image stores need it)");
}
}  // namespace

H5File::H5File(const std::string& path) : path_(path) { no_hdf5(path); }
H5File::~H5File() = default;
bool H5File::has(const std::string&) const { no_hdf5(path_); }
std::vector<int64_t> H5File::dims(const std::string&) const { no_hdf5(path_); }
std::string H5File::attribute_string(const std::string&, const std::string&) const { no_hdf5(path_); }
H5Array H5File::read_numeric(const std::string&, int64_t) const { no_hdf5(path_); }
std::vector<uint64_t> H5File::read_references(const std::string&, int64_t) const { no_hdf5(path_); }
H5Bytes H5File::read_referenced_bytes(uint64_t, int64_t) const { no_hdf5(path_); }
std::string H5File::read_blob(const std::string&, int64_t, int64_t) const { no_hdf5(path_); }

H5Writer::H5Writer(const std::string& path, bool) : path_(path) { no_hdf5(path); }
H5Writer::~H5Writer() = default;
void H5Writer::write_doubles(const std::string&, const std::vector<int64_t>&, const std::vector<double>&) { no_hdf5(path_); }
void H5Writer::write_u8(const std::string&, const std::vector<int64_t>&, const std::vector<uint8_t>&) { no_hdf5(path_); }
void H5Writer::write_cell(const std::string&, const std::vector<int64_t>&, const std::vector<std::string>&) { no_hdf5(path_); }
void H5Writer::write_vlen_bytes(const std::string&, const std::vector<std::string>&) { no_hdf5(path_); }
void H5Writer::write_opaque(const std::string&, const std::vector<std::string>&) { no_hdf5(path_); }
void H5Writer::close() {}

#else  // FB_HAVE_HDF5

static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is expected to be 64 bits (HDF5 >= 1.10)");
static_assert(sizeof(hobj_ref_t) == sizeof(uint64_t), "object references are expected to be 64 bits");

bool hdf5_available() { return true; }

namespace {

// libhdf5's serial build is not thread-safe: one lock for every call.
std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex m;
  return m;
}

struct Lock {
  std::lock_guard<std::recursive_mutex> g{h5_mutex()};
  Lock() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }  // errors become return codes, not stderr dumps
};

// An HDF5 identifier closed with the matching function.
struct Id {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id >= 0 && close) close(id);
  }
  bool ok() const { return id >= 0; }
};

std::vector<int64_t> space_dims(hid_t space, const std::string& what) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > 32) FB_FAIL(what, ": unreadable dataspace");
  std::vector<hsize_t> d(static_cast<size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, d.data(), nullptr) < 0) FB_FAIL(what, ": unreadable dataspace");
  std::vector<int64_t> out;
  for (hsize_t v : d) {
    if (v > hsize_t(INT64_MAX)) FB_FAIL(what, ": dimension ", v, " too large");
    out.push_back(int64_t(v));
  }
  return out;
}

// Product of the dimensions, refusing overflow and anything above `max`.
int64_t element_count(const std::vector<int64_t>& dims, int64_t max, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d != 0 && n > max / d) FB_FAIL(what, ": ", d, " x ... exceeds the ", max, " elements accepted here");
    n *= d;
  }
  if (n > max) FB_FAIL(what, ": ", n, " elements exceed the ", max, " accepted here");
  return n;
}

void attach_class(hid_t obj, const char* cls) {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id, std::strlen(cls));
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id attr(H5Acreate2(obj, "MATLAB_class", type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.ok() || H5Awrite(attr.id, type.id, cls) < 0) FB_FAIL("HDF5: cannot write the MATLAB_class attribute");
}

// Variable-length data (byte sequences, strings) lives in global heap
// collections, which libhdf5 1.10 walks object by object with each object's
// size taken from the file: a free-space object of size 0 (or one that points
// backwards) never advances the walk, and libhdf5 loops forever on it. Before
// a variable-length element is read, the collection it points into is walked
// here the same way and such a file is refused, as is an element that claims
// more than max_bytes (libhdf5 would allocate that first). Only datasets stored
// contiguously can be checked (the element's heap ID is read from the raw
// data); the heaps of chunked ones are left to libhdf5.
void check_global_heap(hid_t file, hid_t ds, const std::string& path, int64_t i, int64_t max_bytes,
                       const std::string& what) {
  const haddr_t data = H5Dget_offset(ds);
  if (data == HADDR_UNDEF) return;
  Id fcpl(H5Fget_create_plist(file), H5Pclose);
  size_t sa = 0, ss = 0;
  hsize_t base = 0;
  if (!fcpl.ok() || H5Pget_sizes(fcpl.id, &sa, &ss) < 0 || H5Pget_userblock(fcpl.id, &base) < 0) return;
  if (sa < 2 || sa > 8 || ss < 2 || ss > 8) return;
  std::ifstream f(path, std::ios::binary);
  auto read = [&](uint64_t at, size_t n, std::string& out) {
    out.assign(n, '\0');
    f.clear();
    f.seekg(std::streamoff(at));
    return at < (uint64_t(1) << 62) && f.read(out.data(), std::streamsize(n)) && size_t(f.gcount()) == n;
  };
  auto le = [](const std::string& b, size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v |= uint64_t(uint8_t(b[at + k])) << (8 * k);
    return v;
  };
  // The element on disk: sequence length (4), collection address (sa), object index (4).
  const uint64_t elem = 4 + sa + 4;
  std::string buf;
  // H5Dget_offset counts from the start of the file; addresses inside the file count from the user block's end.
  if (uint64_t(i) > (uint64_t(1) << 40) || !read(data + uint64_t(i) * elem, elem, buf)) return;
  // libhdf5 allocates the length the element claims before it reads the heap.
  const uint64_t length = le(buf, 0, 4);
  if (length > uint64_t(max_bytes))
    FB_FAIL(what, ": element ", i, " holds more than ", max_bytes, " bytes (it claims ", length, ")");
  const uint64_t heap = base + le(buf, 4, sa), wanted = le(buf, 4 + sa, 4);
  // Collection header: "GCOL", version, 3 reserved bytes, collection size (ss).
  const size_t header = 8 + ss, object_header = 8 + ss;
  if (!read(heap, header, buf) || buf.compare(0, 4, "GCOL") != 0) return;  // libhdf5 refuses it itself
  const uint64_t size = le(buf, 8, ss);
  if (size < header || size > (uint64_t(1) << 31) || !read(heap, size_t(size), buf)) return;  // likewise
  uint64_t p = header, found = 0, found_size = 0;
  bool have = false;
  while (p < size) {
    if (p + object_header > size) break;  // a tail too short for an object: free space
    const uint64_t index = le(buf, size_t(p), 2), object = le(buf, size_t(p) + 8, ss);
    const uint64_t need = index > 0 ? object_header + (object + 7) / 8 * 8 : object;  // wraps as libhdf5's does
    if (p + need <= p)  // a size of 0, or one that wraps around: libhdf5 would never get past it
      FB_FAIL(what, ": element ", i, " points into a damaged global heap (object ", index, " at byte ", p,
              " of the collection at ", heap, " has size ", object, ")");
    if (index == wanted && index > 0) {  // the last object listed under an index is the one libhdf5 keeps
      have = true;
      found = p;
      found_size = object;
    }
    p += need;
  }
  // libhdf5 looks the object up in its table of the collection's objects
  // without checking that the index is there (a read past the table, then
  // through whatever it finds): the element must name an object the collection holds.
  if (length > 0 && (wanted == 0 || !have))
    FB_FAIL(what, ": element ", i, " points into a damaged global heap (object ", wanted,
            " is not in the collection at ", heap, ")");
  // libhdf5 copies the object, trusting its size, into a buffer of the
  // element's length: the object must fit both the collection and that length.
  if (have && (found_size > length || found_size > size - found - object_header))
    FB_FAIL(what, ": element ", i, " points into a damaged global heap (object ", wanted, " of ", found_size,
            " bytes at byte ", found, " of a ", size, "-byte collection, for an element of ", length, " bytes)");
}

// libhdf5 trusts a file's own metadata: some damage to a group's link storage
// (its local heap or B-tree) makes it read through a null pointer, which no
// error code can report. So before the file is opened in this process, a child
// process walks what the readers will touch - every group and link, every
// object header and attribute, the values of every dataset up to
// kWalkReadBytes (MATLAB's cells and the arrays they refer to included) - and
// a file that crashes or hangs the child is refused. Variable-length datasets
// are not read there: their heaps are checked in this process before each
// element is read (check_global_heap), and their values can be gigabytes.
constexpr int kWalkDone = 0;
constexpr int kWalkOpenFailed = 3;  // libhdf5 refuses the file: the parent reports it with its own message
constexpr hsize_t kWalkReadBytes = hsize_t(64) << 20;
constexpr double kWalkSeconds = 120;

void walk_attributes(hid_t obj) {
  auto visit = [](hid_t o, const char* name, const H5A_info_t*, void*) -> herr_t {
    Id a(H5Aopen(o, name, H5P_DEFAULT), H5Aclose);
    Id type(H5Aget_type(a.id), H5Tclose);
    Id space(H5Aget_space(a.id), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.id);
    const size_t size = H5Tget_size(type.id);
    const H5T_class_t cls = H5Tget_class(type.id);
    if (a.ok() && n > 0 && size > 0 && cls != H5T_VLEN && cls != H5T_REFERENCE &&
        H5Tis_variable_str(type.id) == 0 && hsize_t(n) <= kWalkReadBytes / size) {
      std::vector<char> buf(size_t(n) * size);
      H5Aread(a.id, type.id, buf.data());
    }
    return 0;
  };
  hsize_t idx = 0;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, visit, nullptr);
}

// follow: also walk the datasets its object references point to (one level:
// a cell of cells is not what the readers accept, and references may form cycles).
void walk_dataset(hid_t ds, bool follow) {
  Id type(H5Dget_type(ds), H5Tclose);
  Id space(H5Dget_space(ds), H5Sclose);
  Id plist(H5Dget_create_plist(ds), H5Pclose);
  H5Pget_layout(plist.id);
  walk_attributes(ds);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  if (n <= 0) return;
  switch (H5Tget_class(type.id)) {
    case H5T_INTEGER:
    case H5T_FLOAT:
      if (hsize_t(n) <= kWalkReadBytes / sizeof(double)) {
        std::vector<double> v(static_cast<size_t>(n));
        H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
      }
      break;
    case H5T_REFERENCE:
      if (follow && H5Tequal(type.id, H5T_STD_REF_OBJ) > 0 && hsize_t(n) <= kWalkReadBytes / sizeof(hobj_ref_t)) {
        std::vector<hobj_ref_t> refs(static_cast<size_t>(n));
        if (H5Dread(ds, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs.data()) >= 0)
          for (hobj_ref_t& r : refs) {
            Id target(H5Rdereference2(ds, H5P_DEFAULT, H5R_OBJECT, &r), H5Oclose);
            if (target.ok() && H5Iget_type(target.id) == H5I_DATASET) walk_dataset(target.id, false);
          }
      }
      break;
    case H5T_STRING:
    case H5T_OPAQUE:
      if (H5Tis_variable_str(type.id) == 0 && H5Tget_size(type.id) > 0 &&
          hsize_t(n) <= kWalkReadBytes / H5Tget_size(type.id)) {
        std::vector<char> buf(size_t(n) * H5Tget_size(type.id));
        H5Dread(ds, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
      }
      break;
    default:  // variable-length and compound data: see above
      break;
  }
}

// Runs in the child: no Lock (the parent's lock is held by a thread that does
// not exist here), and errors are ignored - they are the parent's to report.
int walk_file(const std::string& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return kWalkOpenFailed;
  auto visit = [](hid_t f, const char* name, const H5O_info_t* info, void*) -> herr_t {
    // The lookup the readers do (H5File::has), then the object itself.
    if (std::strcmp(name, ".") != 0 && H5Lexists(f, name, H5P_DEFAULT) <= 0) return 0;
    Id obj(H5Oopen(f, name, H5P_DEFAULT), H5Oclose);
    if (!obj.ok()) return 0;
    if (info->type == H5O_TYPE_DATASET)
      walk_dataset(obj.id, true);
    else
      walk_attributes(obj.id);
    return 0;
  };
  H5Ovisit2(file.id, H5_INDEX_NAME, H5_ITER_NATIVE, visit, nullptr, H5O_INFO_BASIC);
  return kWalkDone;
}

void refuse_if_walk_fails(const std::string& path) {
  const app::ChildOutcome r = app::run_in_child([&] { return walk_file(path); }, kWalkSeconds);
  using Kind = app::ChildOutcome::Kind;
  if (r.kind == Kind::Exited && (r.code == kWalkDone || r.code == kWalkOpenFailed)) return;
  if (r.kind == Kind::Unavailable) {  // the file is still read, without the protection
    std::fprintf(stderr, "warning: '%s': cannot check the HDF5 file in a child process first: %s\n", path.c_str(),
                 r.describe().c_str());
    return;
  }
  FB_FAIL("'", path, "': the HDF5 file is damaged: reading its structure in a child process ended it (",
          r.describe(), "), so it is not read here");
}

}  // namespace

H5File::H5File(const std::string& path) : path_(path) {
  Lock lk;
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) FB_FAIL("cannot read '", path, "': no such file or not readable");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0)
    FB_FAIL("'", path, "' is not an HDF5 file (MATLAB v7.3 .mat files and .h5 stores are; an older .mat is MAT v5)");
  refuse_if_walk_fails(path);
  id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id_ < 0) FB_FAIL("'", path, "': HDF5 cannot open it (damaged or truncated?)");
}

H5File::~H5File() {
  if (id_ >= 0) {
    Lock lk;
    H5Fclose(id_);
  }
}

bool H5File::has(const std::string& name) const {
  Lock lk;
  // Walk the path so that a missing group is a plain "no", not an error.
  std::string prefix;
  size_t start = name[0] == '/' ? 1 : 0;
  for (;;) {
    size_t slash = name.find('/', start);
    prefix = name.substr(0, slash);
    if (prefix.empty() || H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  return ds.ok();
}

std::vector<int64_t> H5File::dims(const std::string& name) const {
  Lock lk;
  const std::string what = path_ + ": '" + name + "'";
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) FB_FAIL(what, ": no such dataset");
  Id space(H5Dget_space(ds.id), H5Sclose);
  return space_dims(space.id, what);
}

std::string H5File::attribute_string(const std::string& name, const std::string& attr) const {
  Lock lk;
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok() || H5Aexists(ds.id, attr.c_str()) <= 0) return "";
  Id a(H5Aopen(ds.id, attr.c_str(), H5P_DEFAULT), H5Aclose);
  Id ftype(H5Aget_type(a.id), H5Tclose);
  if (!a.ok() || H5Tget_class(ftype.id) != H5T_STRING || H5Tis_variable_str(ftype.id) != 0) return "";
  const size_t n = H5Tget_size(ftype.id);
  if (n == 0 || n > 4096) return "";
  Id space(H5Aget_space(a.id), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.id) != 1) return "";
  Id mtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mtype.id, n);
  std::string s(n, '\0');
  if (H5Aread(a.id, mtype.id, s.data()) < 0) return "";
  s.resize(std::strlen(s.c_str()));
  return s;
}

H5Array H5File::read_numeric(const std::string& name, int64_t max_elements) const {
  Lock lk;
  const std::string what = path_ + ": '" + name + "'";
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) FB_FAIL(what, ": no such dataset");
  Id type(H5Dget_type(ds.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) FB_FAIL(what, ": expected a numeric array");
  Id space(H5Dget_space(ds.id), H5Sclose);
  H5Array a;
  a.dims = space_dims(space.id, what);
  a.data.resize(size_t(element_count(a.dims, max_elements, what)));
  if (!a.data.empty() && H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.data.data()) < 0)
    FB_FAIL(what, ": cannot read the values (damaged file?)");
  return a;
}

std::vector<uint64_t> H5File::read_references(const std::string& name, int64_t max_elements) const {
  Lock lk;
  const std::string what = path_ + ": '" + name + "'";
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) FB_FAIL(what, ": no such dataset");
  Id type(H5Dget_type(ds.id), H5Tclose);
  if (H5Tget_class(type.id) != H5T_REFERENCE || H5Tequal(type.id, H5T_STD_REF_OBJ) <= 0)
    FB_FAIL(what, ": expected a MATLAB cell (a dataset of object references)");
  Id space(H5Dget_space(ds.id), H5Sclose);
  std::vector<uint64_t> refs(size_t(element_count(space_dims(space.id, what), max_elements, what)));
  if (!refs.empty() && H5Dread(ds.id, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs.data()) < 0)
    FB_FAIL(what, ": cannot read the references (damaged file?)");
  return refs;
}

H5Bytes H5File::read_referenced_bytes(uint64_t ref, int64_t max_elements) const {
  Lock lk;
  hobj_ref_t r = ref;
  Id obj(H5Rdereference2(id_, H5P_DEFAULT, H5R_OBJECT, &r), H5Oclose);
  if (!obj.ok()) FB_FAIL(path_, ": a cell element refers to no object (damaged file?)");
  if (H5Iget_type(obj.id) != H5I_DATASET) FB_FAIL(path_, ": a cell element is not an array");
  char buf[256] = {0};
  H5Iget_name(obj.id, buf, sizeof buf - 1);
  const std::string what = path_ + ": '" + buf + "'";
  Id type(H5Dget_type(obj.id), H5Tclose);
  if (H5Tget_class(type.id) != H5T_INTEGER || H5Tget_size(type.id) != 1) FB_FAIL(what, ": expected a uint8 array");
  Id space(H5Dget_space(obj.id), H5Sclose);
  H5Bytes b;
  b.dims = space_dims(space.id, what);
  b.data.resize(size_t(element_count(b.dims, max_elements, what)));
  if (!b.data.empty() && H5Dread(obj.id, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, b.data.data()) < 0)
    FB_FAIL(what, ": cannot read the values (damaged file?)");
  return b;
}

std::string H5File::read_blob(const std::string& name, int64_t i, int64_t max_bytes) const {
  Lock lk;
  const std::string what = path_ + ": '" + name + "'";
  Id ds(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) FB_FAIL(what, ": no such dataset");
  Id fspace(H5Dget_space(ds.id), H5Sclose);
  std::vector<int64_t> d = space_dims(fspace.id, what);
  if (!(d.size() == 1 || (d.size() == 2 && d[1] == 1))) FB_FAIL(what, ": expected a 1-D dataset of encoded images");
  if (i < 0 || i >= d[0]) FB_FAIL(what, ": element ", i, " out of range [0, ", d[0], ")");
  hsize_t start[2] = {hsize_t(i), 0}, count[2] = {1, 1};
  if (H5Sselect_hyperslab(fspace.id, H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
    FB_FAIL(what, ": cannot select element ", i);
  hsize_t one = 1;
  Id mspace(H5Screate_simple(1, &one, nullptr), H5Sclose);
  Id ftype(H5Dget_type(ds.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(ftype.id);
  auto fail_read = [&]() { FB_FAIL(what, ": cannot read element ", i, " (damaged file?)"); };
  if (cls == H5T_VLEN || (cls == H5T_STRING && H5Tis_variable_str(ftype.id) > 0))
    check_global_heap(id_, ds.id, path_, i, max_bytes, what);
  if (cls == H5T_VLEN) {
    Id base(H5Tget_super(ftype.id), H5Tclose);
    if (H5Tget_class(base.id) != H5T_INTEGER || H5Tget_size(base.id) != 1)
      FB_FAIL(what, ": variable-length elements must hold 8-bit integers");
    Id mtype(H5Tvlen_create(H5T_NATIVE_UCHAR), H5Tclose);
    hvl_t vl{0, nullptr};
    if (H5Dread(ds.id, mtype.id, mspace.id, fspace.id, H5P_DEFAULT, &vl) < 0) fail_read();
    std::string out;
    const bool too_big = vl.len > size_t(max_bytes);
    if (!too_big && vl.p) out.assign(static_cast<const char*>(vl.p), vl.len);
    H5Dvlen_reclaim(mtype.id, mspace.id, H5P_DEFAULT, &vl);
    if (too_big) FB_FAIL(what, ": element ", i, " holds more than ", max_bytes, " bytes");
    return out;
  }
  if (cls == H5T_STRING && H5Tis_variable_str(ftype.id) > 0) {
    Id mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id, H5T_VARIABLE);
    char* s = nullptr;
    if (H5Dread(ds.id, mtype.id, mspace.id, fspace.id, H5P_DEFAULT, &s) < 0) fail_read();
    std::string out = s ? std::string(s) : std::string();
    H5Dvlen_reclaim(mtype.id, mspace.id, H5P_DEFAULT, &s);
    if (int64_t(out.size()) > max_bytes) FB_FAIL(what, ": element ", i, " holds more than ", max_bytes, " bytes");
    return out;
  }
  if (cls == H5T_STRING || cls == H5T_OPAQUE) {
    const size_t n = H5Tget_size(ftype.id);
    if (n == 0 || n > size_t(max_bytes)) FB_FAIL(what, ": elements of ", n, " bytes (at most ", max_bytes, " accepted)");
    Id mtype(H5Tcopy(ftype.id), H5Tclose);
    std::string out(n, '\0');
    if (H5Dread(ds.id, mtype.id, mspace.id, fspace.id, H5P_DEFAULT, out.data()) < 0) fail_read();
    return out;
  }
  FB_FAIL(what, ": elements must be byte strings (vlen uint8, opaque or string), not HDF5 class ", int(cls));
}

// ---------------------------------------------------------------------------------------------

H5Writer::H5Writer(const std::string& path, bool matlab_header) : path_(path), matlab_(matlab_header) {
  Lock lk;
  Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  if (matlab_) H5Pset_userblock(fcpl.id, 512);
  id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id, H5P_DEFAULT);
  if (id_ < 0) FB_FAIL("cannot create HDF5 file '", path, "'");
}

H5Writer::~H5Writer() {
  try {
    close();
  } catch (...) {
  }
}

namespace {
hid_t make_dataset(hid_t file, const std::string& name, hid_t type, const std::vector<int64_t>& dims, const std::string& path) {
  std::vector<hsize_t> d(dims.begin(), dims.end());
  Id space(H5Screate_simple(int(d.size()), d.data(), nullptr), H5Sclose);
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.id, 1);
  hid_t ds = H5Dcreate2(file, name.c_str(), type, space.id, lcpl.id, H5P_DEFAULT, H5P_DEFAULT);
  if (ds < 0) FB_FAIL(path, ": cannot create dataset '", name, "'");
  return ds;
}
}  // namespace

void H5Writer::write_doubles(const std::string& name, const std::vector<int64_t>& dims, const std::vector<double>& data) {
  Lock lk;
  Id ds(make_dataset(id_, name, H5T_IEEE_F64LE, dims, path_), H5Dclose);
  if (H5Dwrite(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) FB_FAIL(path_, ": write '", name, "'");
  if (matlab_) attach_class(ds.id, "double");
}

void H5Writer::write_u8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& data) {
  Lock lk;
  Id ds(make_dataset(id_, name, H5T_STD_U8LE, dims, path_), H5Dclose);
  if (H5Dwrite(ds.id, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) FB_FAIL(path_, ": write '", name, "'");
  if (matlab_) attach_class(ds.id, "uint8");
}

void H5Writer::write_cell(const std::string& name, const std::vector<int64_t>& dims, const std::vector<std::string>& targets) {
  Lock lk;
  std::vector<hobj_ref_t> refs(targets.size());
  for (size_t k = 0; k < targets.size(); ++k)
    if (H5Rcreate(&refs[k], id_, targets[k].c_str(), H5R_OBJECT, -1) < 0) FB_FAIL(path_, ": no object '", targets[k], "'");
  Id ds(make_dataset(id_, name, H5T_STD_REF_OBJ, dims, path_), H5Dclose);
  if (H5Dwrite(ds.id, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs.data()) < 0) FB_FAIL(path_, ": write '", name, "'");
  if (matlab_) attach_class(ds.id, "cell");
}

void H5Writer::write_vlen_bytes(const std::string& name, const std::vector<std::string>& items) {
  Lock lk;
  Id type(H5Tvlen_create(H5T_STD_U8LE), H5Tclose);
  Id mtype(H5Tvlen_create(H5T_NATIVE_UCHAR), H5Tclose);
  std::vector<hvl_t> vl(items.size());
  for (size_t k = 0; k < items.size(); ++k) vl[k] = hvl_t{items[k].size(), const_cast<char*>(items[k].data())};
  Id ds(make_dataset(id_, name, type.id, {int64_t(items.size())}, path_), H5Dclose);
  if (H5Dwrite(ds.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl.data()) < 0) FB_FAIL(path_, ": write '", name, "'");
}

void H5Writer::write_opaque(const std::string& name, const std::vector<std::string>& items) {
  Lock lk;
  size_t n = 1;
  for (const auto& s : items) n = std::max(n, s.size());
  Id type(H5Tcreate(H5T_OPAQUE, n), H5Tclose);
  H5Tset_tag(type.id, "encoded image");
  std::string buf(n * items.size(), '\0');
  for (size_t k = 0; k < items.size(); ++k) std::memcpy(&buf[k * n], items[k].data(), items[k].size());
  Id ds(make_dataset(id_, name, type.id, {int64_t(items.size())}, path_), H5Dclose);
  if (H5Dwrite(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) FB_FAIL(path_, ": write '", name, "'");
}

void H5Writer::close() {
  if (id_ < 0) return;
  {
    Lock lk;
    H5Fclose(id_);
    id_ = -1;
  }
  if (!matlab_) return;
  // The MAT 7.3 header: 116 bytes of text, 8 bytes of subsystem offset, version 0x0200, endian "IM".
  std::string head = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: facebench HDF5 schema 1.00 .";
  head.resize(116, ' ');
  head.append(8, '\0');
  head += std::string("\x00\x02", 2);
  head += "IM";
  std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
  if (!f) FB_FAIL("cannot reopen '", path_, "' to write the MAT header");
  f.seekp(0);
  f.write(head.data(), std::streamsize(head.size()));
}

#endif  // FB_HAVE_HDF5

}  // namespace fb::data
