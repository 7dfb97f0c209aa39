#include "nn/checkpoint/npy.h"

#include "nn/checkpoint/atomic_file.h"
#include "nn/checkpoint/float16.h"


#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <utility>
#include <vector>

namespace fb::checkpoint {
namespace {

// Both formats store little-endian data, which is copied to and from tensor memory as is.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "checkpoint I/O assumes a little-endian host");

constexpr char kMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
// NumPy's writer pads the whole preamble to a multiple of 64 bytes so the data is aligned.
constexpr size_t kAlign = 64;
// Real headers are well under a kilobyte; anything this large is corrupt.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

// --- a parser for the Python literal in the header ---------------------------------------
// NumPy writes the header with repr() and reads it with ast.literal_eval; we accept the subset
// that can appear: dicts with string keys, tuples and lists, strings, integers, True/False/None.

struct PyValue {
  enum Kind { dict, tuple, str, integer, boolean, none } kind = none;
  std::string s;
  uint64_t u = 0;
  bool negative = false;  // integers: sign kept apart so that any 64-bit magnitude parses
  bool b = false;
  std::vector<PyValue> items;                           // tuple / list
  std::vector<std::pair<std::string, PyValue>> fields;  // dict, in order
};

class PyLiteralParser {
 public:
  PyLiteralParser(const std::string& text, std::string where) : t_(text), where_(std::move(where)) {}

  PyValue parse_all() {
    PyValue v = value(0);
    skip_ws();
    FB_CHECK(i_ == t_.size(), where_, "malformed header: unexpected '", t_[i_], "' after the dict");
    return v;
  }

 private:
  const std::string& t_;
  std::string where_;
  size_t i_ = 0;

  [[noreturn]] void fail(const std::string& what) {
    FB_FAIL(where_, "malformed header: ", what, " at offset ", i_, " of \"", t_, "\"");
  }
  void skip_ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool eat_word(const char* w) {
    size_t n = std::strlen(w);
    if (t_.compare(i_, n, w) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }

  PyValue value(int depth) {
    if (depth > 16) fail("nesting too deep");
    skip_ws();
    if (i_ >= t_.size()) fail("unexpected end");
    char c = t_[i_];
    PyValue v;
    if (c == '{') {
      ++i_;
      v.kind = PyValue::dict;
      while (!eat('}')) {
        PyValue k = value(depth + 1);
        if (k.kind != PyValue::str) fail("dict key is not a string");
        if (!eat(':')) fail("expected ':'");
        for (const auto& f : v.fields)
          if (f.first == k.s) fail("duplicate key '" + k.s + "'");
        v.fields.emplace_back(k.s, value(depth + 1));
        if (!eat(',')) {
          if (!eat('}')) fail("expected ',' or '}'");
          break;
        }
      }
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      ++i_;
      v.kind = PyValue::tuple;
      while (!eat(close)) {
        v.items.push_back(value(depth + 1));
        if (!eat(',')) {
          if (!eat(close)) fail(std::string("expected ',' or '") + close + "'");
          break;
        }
      }
    } else if (c == '\'' || c == '"') {
      ++i_;
      v.kind = PyValue::str;
      while (true) {
        if (i_ >= t_.size()) fail("unterminated string");
        char d = t_[i_++];
        if (d == c) break;
        if (d == '\\') fail("escape sequences are not supported in strings");
        v.s.push_back(d);
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = PyValue::integer;
      if (c == '-') {
        v.negative = true;
        ++i_;
      }
      if (i_ >= t_.size() || t_[i_] < '0' || t_[i_] > '9') fail("expected digits");
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') {
        unsigned d = static_cast<unsigned>(t_[i_++] - '0');
        if (__builtin_mul_overflow(v.u, 10u, &v.u) || __builtin_add_overflow(v.u, d, &v.u))
          fail("integer too large");
      }
      // "2L" from Python 2 writers.
      if (i_ < t_.size() && t_[i_] == 'L') ++i_;
      if (i_ < t_.size() && (t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E'))
        fail("expected an integer, found a float");
    } else if (eat_word("True")) {
      v.kind = PyValue::boolean;
      v.b = true;
    } else if (eat_word("False")) {
      v.kind = PyValue::boolean;
    } else if (eat_word("None")) {
      v.kind = PyValue::none;
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }
};

// --- dtypes ---------------------------------------------------------------------------------

struct NpyType {
  size_t size;
  DType dtype;
  enum Convert { none, f16_to_f32, bool_to_u8 } convert;
};

bool npy_type(const std::string& descr, NpyType* out) {
  static const std::pair<const char*, NpyType> table[] = {
      {"<f4", {4, DType::f32, NpyType::none}},  {"<f8", {8, DType::f64, NpyType::none}},
      {"<i4", {4, DType::i32, NpyType::none}},  {"<i8", {8, DType::i64, NpyType::none}},
      {"|u1", {1, DType::u8, NpyType::none}},   {"<u1", {1, DType::u8, NpyType::none}},
      {"|b1", {1, DType::u8, NpyType::bool_to_u8}},
      {"<f2", {2, DType::f32, NpyType::f16_to_f32}},
  };
  for (const auto& [name, type] : table)
    if (descr == name) {
      *out = type;
      return true;
    }
  return false;
}

const char* npy_descr(DType t) {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::f64: return "<f8";
    case DType::i32: return "<i4";
    case DType::i64: return "<i8";
    case DType::u8: return "|u1";
    case DType::bf16: break;
  }
  return nullptr;
}


}  // namespace

// ------------------------------------------------------------------------------------------
// load
// ------------------------------------------------------------------------------------------

Tensor load_npy(const std::string& path) {
  const std::string where = "load_npy: " + path + ": ";

  std::error_code ec;
  FB_CHECK(std::filesystem::exists(path, ec), where, "file not found");
  FB_CHECK(std::filesystem::is_regular_file(path, ec), where, "not a regular file");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  FB_CHECK(!ec, where, "cannot get the file size: ", ec.message());
  std::ifstream in(path, std::ios::binary);
  FB_CHECK(in.good(), where, "cannot open the file: ", std::strerror(errno));

  // Magic and version.
  unsigned char pre[8] = {};
  in.read(reinterpret_cast<char*>(pre), std::min<uint64_t>(8, file_size));
  const size_t got = std::min<uint64_t>(8, file_size);
  FB_CHECK(got >= 6 && std::memcmp(pre, kMagic, 6) == 0, where,
           "bad magic: not a .npy file (expected \\x93NUMPY at the start)");
  FB_CHECK(got == 8, where, "truncated header: the file ends inside the version bytes");
  const int major = pre[6], minor = pre[7];
  FB_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, where, "unsupported .npy version ",
           major, ".", minor, " (supported: 1.0, 2.0, 3.0)");

  // Header length: u16 for 1.0, u32 for 2.0 and 3.0, little-endian.
  const size_t len_bytes = major == 1 ? 2 : 4;
  FB_CHECK(file_size >= 8 + len_bytes, where, "truncated header: the file ends inside the header length");
  unsigned char lb[4] = {};
  in.read(reinterpret_cast<char*>(lb), static_cast<std::streamsize>(len_bytes));
  FB_CHECK(in.good(), where, "cannot read the header length");
  uint64_t header_len = 0;
  for (size_t i = len_bytes; i-- > 0;) header_len = (header_len << 8) | lb[i];
  const uint64_t data_start = 8 + len_bytes + header_len;
  FB_CHECK(header_len <= kMaxHeaderBytes, where, "header length ", header_len, " is absurd");
  FB_CHECK(data_start <= file_size, where, "truncated header: header length ", header_len,
           " but only ", file_size - 8 - len_bytes, " bytes follow");

  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  FB_CHECK(in.good(), where, "cannot read the ", header_len, "-byte header");

  // The dict: exactly 'descr', 'fortran_order' and 'shape', as NumPy itself requires.
  PyValue d = PyLiteralParser(header, where).parse_all();
  FB_CHECK(d.kind == PyValue::dict, where, "malformed header: not a dict");
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto& [k, v] : d.fields) {
    if (k == "descr") descr = &v;
    else if (k == "fortran_order") fortran = &v;
    else if (k == "shape") shape = &v;
    else FB_FAIL(where, "malformed header: unexpected key '", k, "'");
  }
  FB_CHECK(descr, where, "malformed header: missing key 'descr'");
  FB_CHECK(fortran, where, "malformed header: missing key 'fortran_order'");
  FB_CHECK(shape, where, "malformed header: missing key 'shape'");
  FB_CHECK(descr->kind == PyValue::str, where,
           "unsupported dtype: 'descr' is not a simple type string (structured arrays are not supported)");
  FB_CHECK(fortran->kind == PyValue::boolean, where, "malformed header: 'fortran_order' is not True/False");
  FB_CHECK(shape->kind == PyValue::tuple, where, "malformed header: 'shape' is not a tuple");

  const std::string& ds = descr->s;
  NpyType nt;
  if (!npy_type(ds, &nt)) {
    FB_CHECK(!(ds.size() > 1 && ds[0] == '>'), where, "big-endian dtype '", ds,
             "' is not supported (convert with arr.astype(arr.dtype.newbyteorder('<')))");
    FB_FAIL(where, "unsupported dtype '", ds, "' (supported: <f4 <f8 <f2 <i4 <i8 |u1 |b1)");
  }

  Shape dims;
  uint64_t numel = 1;
  bool has_zero = false;
  for (const PyValue& v : shape->items) {
    FB_CHECK(v.kind == PyValue::integer && !v.negative, where,
             "malformed header: shape entries must be non-negative integers");
    FB_CHECK(v.u <= static_cast<uint64_t>(INT64_MAX), where, "shape entry ", v.u, " is too large");
    dims.push_back(static_cast<int64_t>(v.u));
    if (v.u == 0) has_zero = true;
    else
      FB_CHECK(!__builtin_mul_overflow(numel, v.u, &numel) && numel <= static_cast<uint64_t>(INT64_MAX),
               where, "shape has too many elements");
  }
  uint64_t nbytes = 0;
  FB_CHECK(!__builtin_mul_overflow(numel, static_cast<uint64_t>(nt.size), &nbytes), where,
           "shape has too many elements");
  if (has_zero) nbytes = 0;
  const uint64_t available = file_size - data_start;
  FB_CHECK(available >= nbytes, where, "truncated data: shape and dtype '", ds, "' need ", nbytes,
           " bytes but the file holds ", available);
  FB_CHECK(available == nbytes, where, "trailing data: ", available - nbytes,
           " bytes after the array data");

  // Fortran order: the bytes are the C-order array of the reversed shape; read that, then
  // transpose it back and make it C-contiguous.
  Shape file_dims = dims;
  if (fortran->b) std::reverse(file_dims.begin(), file_dims.end());
  Tensor t = Tensor::empty(file_dims, nt.dtype);
  if (nbytes > 0) {
    std::vector<char> scratch;
    char* dst;
    if (nt.convert == NpyType::none) {
      dst = static_cast<char*>(t.raw_data());
    } else {
      scratch.resize(nbytes);
      dst = scratch.data();
    }
    in.read(dst, static_cast<std::streamsize>(nbytes));
    FB_CHECK(in.good(), where, "truncated data: cannot read ", nbytes, " bytes");
    if (nt.convert == NpyType::f16_to_f32) {
      float* f = t.data<float>();
      for (uint64_t i = 0; i < numel; ++i) {
        uint16_t h;
        std::memcpy(&h, scratch.data() + 2 * i, 2);  // little-endian host (x86, arm64)
        f[i] = half_to_float(h);
      }
    } else if (nt.convert == NpyType::bool_to_u8) {
      uint8_t* u = t.data<uint8_t>();
      for (uint64_t i = 0; i < numel; ++i) {
        FB_CHECK(scratch[i] == 0 || scratch[i] == 1, where, "bool element ", i, " is neither 0 nor 1");
        u[i] = static_cast<uint8_t>(scratch[i]);
      }
    }
  }
  if (fortran->b && t.dim() > 1) {
    std::vector<int64_t> perm(static_cast<size_t>(t.dim()));
    std::iota(perm.rbegin(), perm.rend(), int64_t{0});  // n-1, ..., 1, 0
    t = t.permute(perm).contiguous();
  }
  return t;
}

// ------------------------------------------------------------------------------------------
// save
// ------------------------------------------------------------------------------------------

void save_npy(const std::string& path, const Tensor& t) {
  const std::string where = "save_npy: " + path + ": ";
  FB_CHECK(t.defined(), where, "tensor is undefined");
  const char* descr = npy_descr(t.dtype());
  FB_CHECK(descr, where, "dtype ", dtype_name(t.dtype()),
           " has no NumPy equivalent; convert it first, e.g. t.to(DType::f32)");
  Tensor c = (t.device().is_cpu() ? t : t.to(Device::cpu())).contiguous();

  // The header exactly as NumPy writes it (numpy/lib/format.py), so files are byte-identical:
  // sorted keys, repr() of the shape tuple, spare spaces so the first axis can grow in place,
  // then padding so that magic + length + header is a multiple of 64, ending in '\n'.
  std::string shape = "(";
  for (size_t i = 0; i < c.shape().size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(c.shape()[i]);
  }
  if (c.shape().size() == 1) shape += ",";
  shape += ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  if (!c.shape().empty()) {
    const size_t digits = std::to_string(c.shape()[0]).size();
    header.append(digits < 21 ? 21 - digits : 0, ' ');
  }
  int major = 1;
  size_t len_bytes = 2;
  size_t hlen = header.size() + 1;  // + '\n'
  size_t pad = kAlign - (6 + 2 + len_bytes + hlen) % kAlign;
  if (hlen + pad > 65535) {
    major = 2;
    len_bytes = 4;
    pad = kAlign - (6 + 2 + len_bytes + hlen) % kAlign;
  }
  header.append(pad, ' ');
  header.push_back('\n');

  std::string pre(kMagic, 6);
  pre.push_back(static_cast<char>(major));
  pre.push_back(0);
  for (size_t i = 0; i < len_bytes; ++i) pre.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xffu));

  write_file_atomically(path, {{pre.data(), pre.size()}, {header.data(), header.size()}, {c.raw_data(), c.nbytes()}},
                        where);
}

}  // namespace fb::checkpoint
