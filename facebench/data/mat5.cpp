#include "facebench/data/mat5.h"

#include <stb_image.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "tensor/error.h"

namespace fb::data {

int64_t MatArray::cols() const {
  // A zero dimension first: the product of the others may not fit in 64 bits.
  for (size_t i = 1; i < dims.size(); ++i)
    if (dims[i] == 0) return 0;
  int64_t c = 1;
  for (size_t i = 1; i < dims.size(); ++i) c *= dims[i];
  return dims.empty() ? 0 : c;
}

namespace {
// MAT-file level-5 data types and array classes.
enum : uint32_t {
  miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6,
  miSINGLE = 7, miDOUBLE = 9, miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15
};
enum : uint32_t { mxCELL = 1, mxSTRUCT = 2, mxOBJECT = 3, mxCHAR = 4, mxSPARSE = 5 };

struct Reader {
  const unsigned char* p;
  size_t n, pos = 0;
  const std::string& name;
  uint32_t u32(size_t at) const {
    uint32_t v;
    std::memcpy(&v, p + at, 4);  // little-endian files on a little-endian host
    return v;
  }
  void need(size_t k) const {
    if (pos + k > n) FB_FAIL("cannot read '", name, "': truncated MAT file");
  }
  // One data element: its type and a view of its payload; advances past padding.
  bool element(uint32_t* type, const unsigned char** data, size_t* len) {
    if (pos >= n) return false;
    need(8);
    uint32_t t = u32(pos);
    if (t >> 16) {  // small data element: size in the upper half, data in the tag's second word
      *type = t & 0xFFFF;
      *len = t >> 16;
      if (*len > 4) FB_FAIL("cannot read '", name, "': bad small data element");
      *data = p + pos + 4;
      pos += 8;
      return true;
    }
    *type = t;
    *len = u32(pos + 4);
    pos += 8;
    need(*len);
    *data = p + pos;
    pos += *type == miCOMPRESSED ? *len : (*len + 7) / 8 * 8;
    if (pos > n) pos = n;  // the last element may omit its padding
    return true;
  }
};

template <typename T>
void convert(const unsigned char* d, size_t len, std::vector<double>& out) {
  size_t k = len / sizeof(T);
  out.resize(k);
  for (size_t i = 0; i < k; ++i) {
    T v;
    std::memcpy(&v, d + i * sizeof(T), sizeof(T));
    out[i] = double(v);
  }
}

bool numeric(uint32_t type, const unsigned char* d, size_t len, std::vector<double>& out) {
  switch (type) {
    case miDOUBLE: convert<double>(d, len, out); return true;
    case miSINGLE: convert<float>(d, len, out); return true;
    case miINT8: convert<int8_t>(d, len, out); return true;
    case miUINT8: convert<uint8_t>(d, len, out); return true;
    case miINT16: convert<int16_t>(d, len, out); return true;
    case miUINT16: convert<uint16_t>(d, len, out); return true;
    case miINT32: convert<int32_t>(d, len, out); return true;
    case miUINT32: convert<uint32_t>(d, len, out); return true;
    case miINT64: convert<int64_t>(d, len, out); return true;
    case miUINT64: convert<uint64_t>(d, len, out); return true;
    default: return false;
  }
}

// One miMATRIX payload; returns false for classes this reader skips.
bool parse_matrix(const unsigned char* d, size_t len, const std::string& name, std::string* var, MatArray* a,
                  int depth) {
  if (depth > 8) FB_FAIL("cannot read '", name, "': cells nested too deeply");
  Reader r{d, len, 0, name};
  uint32_t t;
  const unsigned char* e;
  size_t el;
  if (len == 0) return false;  // an empty cell element
  if (!r.element(&t, &e, &el) || t != miUINT32 || el < 8) FB_FAIL("cannot read '", name, "': bad array flags");
  uint32_t flags;
  std::memcpy(&flags, e, 4);
  const uint32_t cls = flags & 0xFF;
  const bool complex = flags & 0x800;
  if (!r.element(&t, &e, &el) || t != miINT32) FB_FAIL("cannot read '", name, "': bad dimensions");
  for (size_t i = 0; i + 4 <= el; i += 4) {
    int32_t v;
    std::memcpy(&v, e + i, 4);
    if (v < 0) FB_FAIL("cannot read '", name, "': negative dimension");
    a->dims.push_back(v);
  }
  if (a->dims.size() < 2) FB_FAIL("cannot read '", name, "': an array with ", a->dims.size(), " dimensions (MATLAB writes at least 2)");
  if (!r.element(&t, &e, &el) || t != miINT8) FB_FAIL("cannot read '", name, "': bad variable name");
  var->assign(reinterpret_cast<const char*>(e), el);
  if (cls == mxSTRUCT || cls == mxOBJECT || cls == mxSPARSE || complex) return false;
  // The element count the dimensions claim. Each element of the classes read
  // here takes at least one byte of the payload, so a larger count is refused
  // before anything is allocated (and the product cannot overflow).
  int64_t count = 1;
  for (int64_t v : a->dims)
    if (v == 0) count = 0;
  for (int64_t v : a->dims) {
    if (count == 0) break;
    if (count > int64_t(len) / v)
      FB_FAIL("cannot read '", name, "': the dimensions of '", *var, "' claim more elements than its ", len,
              " bytes hold");
    count *= v;
  }
  if (cls == mxCELL) {
    // Each cell is a nameless miMATRIX; a cell of char rows gives strings.
    for (int64_t k = 0; k < count; ++k) {
      if (!r.element(&t, &e, &el) || t != miMATRIX) FB_FAIL("cannot read '", name, "': bad cell element in '", *var, "'");
      std::string inner_name;
      MatArray inner;
      if (parse_matrix(e, el, name, &inner_name, &inner, depth + 1))
        a->strings.push_back(inner.strings.empty() ? std::string() : inner.strings[0]);
      else
        a->strings.emplace_back();
    }
    return true;
  }
  if (cls == mxCHAR) {
    std::vector<double> codes;
    if (count > 0 && (!r.element(&t, &e, &el) || !numeric(t == 16 ? miUINT8 : t, e, el, codes)))
      FB_FAIL("cannot read '", name, "': char array '", *var, "' has no data");
    const int64_t rows = a->rows(), cols = a->cols();
    if (int64_t(codes.size()) != rows * cols) FB_FAIL("cannot read '", name, "': char array '", *var, "' is truncated");
    // With no columns the rows are empty strings that take no payload bytes:
    // their number is bounded by the element's size like any other count.
    if (cols == 0 && rows > int64_t(len))
      FB_FAIL("cannot read '", name, "': char array '", *var, "' claims ", rows, " empty rows in ", len, " bytes");
    // MATLAB stores UTF-16 code units; a file may declare any numeric type
    // for them, so a value that is no code unit is refused, not converted.
    for (double v : codes)
      if (!(v >= 0 && v <= 65535))
        FB_FAIL("cannot read '", name, "': char array '", *var, "' holds ", v, ", not a character code");
    for (int64_t i = 0; i < rows; ++i) {
      std::string row;
      for (int64_t c = 0; c < cols; ++c) row += char(int(codes[size_t(c * rows + i)]) & 0xFF);
      a->strings.push_back(row);
    }
    return true;
  }
  if (!r.element(&t, &e, &el) || !numeric(t, e, el, a->data))
    FB_FAIL("cannot read '", name, "': variable '", *var, "' has no numeric data");
  if (count != int64_t(a->data.size()))
    FB_FAIL("cannot read '", name, "': variable '", *var, "' holds ", a->data.size(), " values for its ", count,
            " elements");
  return true;
}

void add_matrix(const unsigned char* d, size_t len, const std::string& name, std::map<std::string, MatArray>& out) {
  std::string var;
  MatArray a;
  if (parse_matrix(d, len, name, &var, &a, 0)) out[var] = std::move(a);
}
}  // namespace

std::map<std::string, MatArray> read_mat5(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 128) FB_FAIL("cannot read '", name, "': not a MAT file (", bytes.size(), " bytes)");
  if (bytes.compare(0, 6, "MATLAB") != 0) FB_FAIL("cannot read '", name, "': not a MAT file");
  if (bytes.compare(0, 19, "MATLAB 7.3 MAT-file") == 0 || bytes[126] != 'I' || bytes[127] != 'M')
    FB_FAIL("cannot read '", name, "': only little-endian level-5 MAT files are read (v7.3/HDF5 is not)");
  std::map<std::string, MatArray> out;
  Reader r{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 128, name};
  uint32_t t;
  const unsigned char* e;
  size_t el;
  while (r.element(&t, &e, &el)) {
    if (t == miMATRIX) {
      add_matrix(e, el, name, out);
    } else if (t == miCOMPRESSED) {
      int outlen = 0;
      char* z = stbi_zlib_decode_malloc(reinterpret_cast<const char*>(e), int(el), &outlen);
      if (!z) FB_FAIL("cannot read '", name, "': corrupt compressed variable");
      std::unique_ptr<char, void (*)(void*)> guard(z, std::free);
      Reader inner{reinterpret_cast<const unsigned char*>(z), size_t(outlen), 0, name};
      uint32_t it;
      const unsigned char* ie;
      size_t iel;
      while (inner.element(&it, &ie, &iel))
        if (it == miMATRIX) add_matrix(ie, iel, name, out);
    }
  }
  return out;
}

}  // namespace fb::data
