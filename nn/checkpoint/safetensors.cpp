#include "nn/checkpoint/safetensors.h"

#include "nn/checkpoint/atomic_file.h"
#include "nn/checkpoint/float16.h"


#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace fb::checkpoint {
namespace {

// Both formats store little-endian data, which is copied to and from tensor memory as is.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "checkpoint I/O assumes a little-endian host");

using json = nlohmann::ordered_json;

// The reference implementation refuses headers above 100 MB; real headers are a few MB at most,
// so a larger length means a corrupt or hostile file, and we must not allocate it.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

// --- dtypes ---------------------------------------------------------------------------------

// How a safetensors dtype string is read.
struct FileDType {
  size_t size;  // bytes per element in the file
  DType dtype;  // dtype of the loaded tensor
  enum Convert { none, f16_to_f32, bool_to_u8 } convert;
};

bool file_dtype(const std::string& s, FileDType* out) {
  static const std::map<std::string, FileDType> table = {
      {"F32", {4, DType::f32, FileDType::none}},        {"F64", {8, DType::f64, FileDType::none}},
      {"BF16", {2, DType::bf16, FileDType::none}},      {"I32", {4, DType::i32, FileDType::none}},
      {"I64", {8, DType::i64, FileDType::none}},        {"U8", {1, DType::u8, FileDType::none}},
      {"F16", {2, DType::f32, FileDType::f16_to_f32}},  {"BOOL", {1, DType::u8, FileDType::bool_to_u8}},
  };
  auto it = table.find(s);
  if (it == table.end()) return false;
  *out = it->second;
  return true;
}

// Dtypes of the format that we recognise but cannot represent (so the error can say which).
bool known_unsupported_dtype(const std::string& s) {
  static const std::set<std::string> names = {"I8", "I16", "U16", "U32", "U64", "F8_E5M2",
                                              "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
                                              "C64"};
  return names.count(s) != 0;
}

const char* safetensors_dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::bf16: return "BF16";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::u8: return "U8";
  }
  FB_FAIL("save_safetensors: unhandled dtype ", dtype_name(t));
}


// --- little helpers -------------------------------------------------------------------------

uint64_t read_u64_le(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void append_u64_le(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

// Tensor bytes in C order on the CPU, ready to be written.
Tensor host_contiguous(const Tensor& t) {
  Tensor c = t.device().is_cpu() ? t : t.to(Device::cpu());
  return c.contiguous();
}

// A parsed, validated header entry.
struct Entry {
  std::string name;
  FileDType ft;
  Shape shape;
  uint64_t begin, end;
  size_t order;  // position in the header, to keep ties (empty tensors) stable
};

// Checks a JSON value is a non-negative integer and returns it.
bool json_u64(const json& v, uint64_t* out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// save
// ------------------------------------------------------------------------------------------

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string where = "save_safetensors: " + path + ": ";

  // Build the header in the order given so the data follows the same order.
  json header = json::object();
  if (!metadata.empty()) {
    json m = json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  std::vector<Tensor> data;
  data.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    FB_CHECK(!name.empty(), where, "empty tensor name");
    FB_CHECK(name != "__metadata__", where, "\"__metadata__\" is reserved and cannot name a tensor");
    FB_CHECK(!header.contains(name), where, "duplicate tensor name '", name, "'");
    FB_CHECK(t.defined(), where, "tensor '", name, "' is undefined");
    Tensor c = host_contiguous(t);
    const uint64_t n = c.nbytes();
    json e = json::object();
    e["dtype"] = safetensors_dtype_name(c.dtype());
    e["shape"] = c.shape();
    e["data_offsets"] = {offset, offset + n};
    header[name] = std::move(e);
    offset += n;
    data.push_back(std::move(c));
  }

  std::string text;
  try {
    text = header.dump();  // compact, UTF-8 as is
  } catch (const json::exception& e) {
    FB_FAIL(where, "a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  // Pad with spaces so the buffer starts 8-byte aligned (the 8-byte length prefix keeps it so).
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string prefix;
  append_u64_le(prefix, text.size());

  std::vector<Chunk> chunks{{prefix.data(), prefix.size()}, {text.data(), text.size()}};
  for (const Tensor& c : data) chunks.push_back({c.raw_data(), c.nbytes()});
  write_file_atomically(path, chunks, where);
}

// ------------------------------------------------------------------------------------------
// load
// ------------------------------------------------------------------------------------------

NamedTensors load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  const std::string where = "load_safetensors: " + path + ": ";

  std::error_code ec;
  FB_CHECK(std::filesystem::exists(path, ec), where, "file not found");
  FB_CHECK(std::filesystem::is_regular_file(path, ec), where, "not a regular file");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  FB_CHECK(!ec, where, "cannot get the file size: ", ec.message());
  std::ifstream in(path, std::ios::binary);
  FB_CHECK(in.good(), where, "cannot open the file: ", std::strerror(errno));

  FB_CHECK(file_size >= 8, where, "file too short: ", file_size,
           " bytes, but the 8-byte header length alone needs 8");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  FB_CHECK(in.good(), where, "cannot read the header length");
  const uint64_t header_len = read_u64_le(len_bytes);
  FB_CHECK(header_len <= kMaxHeaderBytes, where, "header length ", header_len,
           " is absurd (over the limit of ", kMaxHeaderBytes, " bytes)");
  FB_CHECK(header_len <= file_size - 8, where, "header length ", header_len,
           " is larger than the file (", file_size - 8, " bytes after the length)");
  FB_CHECK(header_len >= 2, where, "header length ", header_len, " is too small for a JSON object");

  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  FB_CHECK(in.good(), where, "cannot read the ", header_len, "-byte header");
  FB_CHECK(text[0] == '{', where, "invalid JSON header: it must start with '{'");
  // JSON never contains a raw NUL, but nlohmann's parser would take one as the end of the input
  // and silently accept whatever follows it.
  FB_CHECK(text.find('\0') == std::string::npos, where, "invalid JSON header: it contains a NUL byte");

  // Parse, noting duplicate keys on the way: JSON parsers keep only one of two equal keys, which
  // would silently drop a tensor (or let two entries alias the same name).
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool duplicate_top_level = false;
  auto cb = [&](int /*depth*/, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && duplicate.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = parsed.get<std::string>();
          duplicate_top_level = open_objects.size() == 1;
        }
        break;
      default: break;
    }
    return true;
  };
  json header;
  std::string parse_error;
  try {
    header = json::parse(text, cb, /*allow_exceptions=*/true);
  } catch (const json::exception& e) {
    parse_error = e.what();
  }
  FB_CHECK(parse_error.empty(), where, "invalid JSON header: ", parse_error);
  FB_CHECK(header.is_object(), where, "invalid JSON header: the top level must be an object");
  FB_CHECK(duplicate.empty(), where,
           duplicate_top_level ? "duplicate tensor name '" : "duplicate key '", duplicate,
           "' in the header");

  const uint64_t buffer_size = file_size - 8 - header_len;
  std::vector<Entry> entries;
  if (metadata) metadata->clear();
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      FB_CHECK(value.is_object(), where, "\"__metadata__\" must be an object of strings");
      for (const auto& [k, v] : value.items()) {
        FB_CHECK(v.is_string(), where, "\"__metadata__\" value of '", k, "' is not a string");
        if (metadata) (*metadata)[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string t = "tensor '" + name + "': ";
    FB_CHECK(value.is_object(), where, t, "entry is not an object");
    FB_CHECK(value.contains("dtype"), where, t, "missing field \"dtype\"");
    FB_CHECK(value.contains("shape"), where, t, "missing field \"shape\"");
    FB_CHECK(value.contains("data_offsets"), where, t, "missing field \"data_offsets\"");
    const json& jd = value["dtype"];
    const json& js = value["shape"];
    const json& jo = value["data_offsets"];
    FB_CHECK(jd.is_string(), where, t, "field \"dtype\" is not a string");
    FB_CHECK(js.is_array(), where, t, "field \"shape\" is not an array");
    FB_CHECK(jo.is_array() && jo.size() == 2, where, t,
             "field \"data_offsets\" is not an array of two integers");

    Entry e;
    e.name = name;
    e.order = entries.size();
    const std::string ds = jd.get<std::string>();
    if (!file_dtype(ds, &e.ft)) {
      FB_CHECK(!known_unsupported_dtype(ds), where, t, "unsupported dtype \"", ds,
               "\" (supported: F32, F64, BF16, F16, I32, I64, U8, BOOL)");
      FB_FAIL(where, t, "unknown dtype \"", ds, "\"");
    }

    // Element count with overflow checks. Zero-sized dimensions are skipped in the product so
    // that a shape like [2^40, 2^40, 0] is still rejected: its strides would overflow.
    uint64_t numel = 1;
    bool overflow = false, has_zero = false;
    for (const json& d : js) {
      uint64_t v;
      FB_CHECK(json_u64(d, &v), where, t, "shape entry ", d.dump(), " is not a non-negative integer");
      e.shape.push_back(static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)));
      if (v == 0) has_zero = true;
      else if (__builtin_mul_overflow(numel, v, &numel) || numel > static_cast<uint64_t>(INT64_MAX))
        overflow = true;
    }
    uint64_t nbytes = 0;
    if (!overflow && __builtin_mul_overflow(numel, static_cast<uint64_t>(e.ft.size), &nbytes))
      overflow = true;
    FB_CHECK(!overflow, where, t, "shape ", js.dump(), " has too many elements");
    if (has_zero) nbytes = 0;

    FB_CHECK(json_u64(jo[0], &e.begin) && json_u64(jo[1], &e.end), where, t,
             "field \"data_offsets\" is not an array of two non-negative integers");
    FB_CHECK(e.begin <= e.end, where, t, "data_offsets [", e.begin, ", ", e.end,
             "] are reversed (begin > end)");
    FB_CHECK(e.end - e.begin == nbytes, where, t, "data_offsets [", e.begin, ", ", e.end, "] span ",
             e.end - e.begin, " bytes but dtype ", ds, " and shape ", js.dump(), " need ", nbytes);
    FB_CHECK(e.end <= buffer_size, where, t, "data_offsets [", e.begin, ", ", e.end,
             "] go past the end of the ", buffer_size, "-byte data buffer");
    entries.push_back(std::move(e));
  }

  // The ranges must tile the buffer: sorted by begin, each starts where the previous ended.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    FB_CHECK(e.begin >= pos, where, "tensor '", e.name, "' data_offsets [", e.begin, ", ", e.end,
             "] overlap tensor '", prev ? prev->name : "", "' ending at ", pos);
    FB_CHECK(e.begin == pos, where, "hole in the data buffer: bytes [", pos, ", ", e.begin,
             ") belong to no tensor (before tensor '", e.name, "')");
    pos = e.end;
    prev = &e;
  }
  FB_CHECK(pos == buffer_size, where, "data buffer not fully covered: the tensors cover ", pos,
           " bytes but the buffer holds ", buffer_size, " (bytes [", pos, ", ", buffer_size,
           ") belong to no tensor)");

  // Read the data. Every size is now bounded by the file size.
  NamedTensors out;
  out.reserve(entries.size());
  std::vector<char> scratch;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.ft.dtype);
    const uint64_t n = e.end - e.begin;
    if (n > 0) {
      char* dst;
      if (e.ft.convert == FileDType::none) {
        dst = static_cast<char*>(t.raw_data());
      } else {
        scratch.resize(n);
        dst = scratch.data();
      }
      in.seekg(static_cast<std::streamoff>(8 + header_len + e.begin));
      in.read(dst, static_cast<std::streamsize>(n));
      FB_CHECK(in.good(), where, "tensor '", e.name, "': cannot read ", n, " bytes of data",
               " (file truncated while reading?)");
      if (e.ft.convert == FileDType::f16_to_f32) {
        float* f = t.data<float>();
        for (uint64_t i = 0; i < n / 2; ++i) {
          uint16_t h;
          std::memcpy(&h, scratch.data() + 2 * i, 2);  // little-endian host (x86, arm64)
          f[i] = half_to_float(h);
        }
      } else if (e.ft.convert == FileDType::bool_to_u8) {
        uint8_t* u = t.data<uint8_t>();
        for (uint64_t i = 0; i < n; ++i) {
          FB_CHECK(scratch[i] == 0 || scratch[i] == 1, where, "tensor '", e.name,
                   "': BOOL element ", i, " is neither 0 nor 1");
          u[i] = static_cast<uint8_t>(scratch[i]);
        }
      }
    }
    out.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace fb::checkpoint
