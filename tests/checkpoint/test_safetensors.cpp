// safetensors reader/writer: round trips, the exact byte layout of the format, every kind of
// malformed file, and a fixture written by independent Python code.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/checkpoint/safetensors.h"
#include "tensor/ops.h"

namespace fs = std::filesystem;
using namespace fb;
using fb::checkpoint::load_safetensors;
using fb::checkpoint::NamedTensors;
using fb::checkpoint::save_safetensors;

namespace {

// A fresh folder under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("fb_st_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string u64_le(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

// A whole file: length prefix, the header text padded with spaces to a multiple of 8, the buffer.
std::string st_file(std::string header, const std::string& buffer) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return u64_le(header.size()) + header + buffer;
}

// Loads `bytes` written to a file and returns the error message (fails the test if none).
std::string load_error(const TempDir& dir, const std::string& bytes) {
  const std::string p = dir.file("bad.safetensors");
  write_bytes(p, bytes);
  try {
    load_safetensors(p);
  } catch (const fb::Error& e) {
    return e.what();
  }
  FAIL("no fb::Error thrown");
  return "";
}

// The contiguous bytes of a tensor, to compare tensors of any dtype exactly.
std::string tensor_bytes(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), c.nbytes());
}

void check_same(const Tensor& got, const Tensor& want) {
  CHECK(got.dtype() == want.dtype());
  CHECK(got.shape() == want.shape());
  // Tensor::is_contiguous() reports false for some empty shapes such as {3, 0, 2}; an empty
  // tensor has no layout to check, so only non-empty ones are asked.
  if (got.numel() > 0) CHECK(got.is_contiguous());
  CHECK(tensor_bytes(got) == tensor_bytes(want));
}

Tensor bf16_tensor(const std::vector<float>& v, const Shape& shape) {
  Tensor t = Tensor::empty(shape, DType::bf16);
  for (size_t i = 0; i < v.size(); ++i) t.data<bf16>()[i] = bf16(v[i]);
  return t;
}

}  // namespace

TEST_CASE("safetensors: round trip of every dtype, preserving order") {
  TempDir dir;
  NamedTensors ts = {
      {"z.f32", from_vector<float>({1.5f, -2.25f, 3e-38f, INFINITY, -0.0f, 7.0f}, {2, 3})},
      {"a.f64", from_vector<double>({1e-300, -3.141592653589793, 2.0}, {3})},
      {"m.bf16", bf16_tensor({1.0f, -0.5f, 3.0e10f, 0.1f}, {2, 2})},
      {"i32", from_vector<int32_t>({INT32_MIN, -1, 0, INT32_MAX}, {4, 1})},
      {"i64", from_vector<int64_t>({INT64_MIN, 9007199254740993LL, INT64_MAX}, {1, 3})},
      {"u8", from_vector<uint8_t>({0, 1, 128, 255, 17}, {5})},
  };
  const std::string p = dir.file("all.safetensors");
  save_safetensors(p, ts);
  CHECK_FALSE(fs::exists(p + ".tmp"));

  NamedTensors back = load_safetensors(p);
  REQUIRE(back.size() == ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    CAPTURE(ts[i].first);
    CHECK(back[i].first == ts[i].first);
    check_same(back[i].second, ts[i].second);
  }

  // The file length is exactly 8 + padded header + the sum of the tensors' bytes.
  size_t data_bytes = 0;
  for (const auto& nt : ts) data_bytes += nt.second.nbytes();
  const std::string raw = read_bytes(p);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(raw[i]);
  CHECK(n % 8 == 0);
  CHECK(raw.size() == 8 + n + data_bytes);
}

TEST_CASE("safetensors: non-contiguous views, 0-d, empty tensors and no tensors at all") {
  TempDir dir;
  Tensor base = arange(24, DType::f32).reshape({4, 6});
  Tensor transposed = base.transpose(0, 1);               // 6x4, strides (1, 6)
  Tensor strided = base.slice(1, 1, 6, 2);                // 4x3, step 2
  Tensor picked = from_vector<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}).select(1, 1);  // {2, 5}
  REQUIRE_FALSE(transposed.is_contiguous());
  REQUIRE_FALSE(strided.is_contiguous());
  Tensor zero_d = scalar(42.5, DType::f64);
  Tensor empty = Tensor::empty({0, 3}, DType::f32);
  Tensor empty_u8 = Tensor::empty({2, 0}, DType::u8);

  NamedTensors ts = {{"t", transposed}, {"s", strided}, {"p", picked},  {"e0", empty},
                     {"s0", zero_d},    {"e1", empty_u8}};
  const std::string p = dir.file("views.safetensors");
  save_safetensors(p, ts);
  NamedTensors back = load_safetensors(p);
  REQUIRE(back.size() == ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    CAPTURE(ts[i].first);
    CHECK(back[i].first == ts[i].first);
    check_same(back[i].second, ts[i].second.contiguous());
  }
  CHECK(back[1].second.to_vector<float>() ==
        std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  CHECK(back[2].second.to_vector<int64_t>() == std::vector<int64_t>{2, 5});
  CHECK(back[4].second.dim() == 0);
  CHECK(back[4].second.item() == 42.5);

  const std::string none = dir.file("none.safetensors");
  save_safetensors(none, {});
  CHECK(read_bytes(none) == u64_le(8) + std::string("{}      "));
  CHECK(load_safetensors(none).empty());
}

TEST_CASE("safetensors: metadata round trip and overwrite of an existing file") {
  TempDir dir;
  const std::string p = dir.file("meta.safetensors");
  std::map<std::string, std::string> meta = {
      {"format", "pt"}, {"epoch", "12"}, {"quote\"and\\slash", "line\nbreak"}, {"utf8", "\xc3\xa9t\xc3\xa9"}};
  save_safetensors(p, {{"w", ones({2, 2})}}, meta);
  std::map<std::string, std::string> got = {{"stale", "value"}};
  NamedTensors back = load_safetensors(p, &got);
  CHECK(got == meta);  // cleared first, then filled
  REQUIRE(back.size() == 1);
  check_same(back[0].second, ones({2, 2}));

  // Overwriting replaces the old content entirely; loading without metadata is fine.
  save_safetensors(p, {{"x", full({3}, 2.0, DType::f64)}});
  back = load_safetensors(p, &got);
  CHECK(got.empty());
  REQUIRE(back.size() == 1);
  CHECK(back[0].first == "x");
  check_same(back[0].second, full({3}, 2.0, DType::f64));
  CHECK(load_safetensors(p).size() == 1);
}

TEST_CASE("safetensors: the written bytes follow the format exactly") {
  TempDir dir;
  const std::string p = dir.file("exact.safetensors");
  save_safetensors(p, {{"a", from_vector<float>({1.0f, -2.0f}, {2})}, {"b", scalar(7, DType::u8)}},
                   {{"k", "v"}});

  // Built by hand from the specification: a u64 little-endian header length (136 = 0x88), the
  // compact JSON header (130 bytes) padded with 6 spaces to a multiple of 8, then the buffer:
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0 (little-endian IEEE), and the byte 07.
  const char prefix[8] = {'\x88', 0, 0, 0, 0, 0, 0, 0};
  std::string want(prefix, 8);
  want += R"({"__metadata__":{"k":"v"},)"
          R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"U8","shape":[],"data_offsets":[8,9]}})";
  want += "      ";
  const char data[9] = {0, 0, '\x80', '\x3f', 0, 0, 0, '\xc0', 7};
  want += std::string(data, 9);
  CHECK(read_bytes(p) == want);

  // And a file built the same way by hand reads back as those values.
  write_bytes(p, want);
  std::map<std::string, std::string> meta;
  NamedTensors back = load_safetensors(p, &meta);
  REQUIRE(back.size() == 2);
  CHECK(back[0].second.to_vector<float>() == std::vector<float>{1.0f, -2.0f});
  CHECK(back[1].second.dim() == 0);
  CHECK(back[1].second.item() == 7);
  CHECK(meta == std::map<std::string, std::string>{{"k", "v"}});
}

TEST_CASE("safetensors: readers accept what other writers legally produce") {
  TempDir dir;
  const std::string p = dir.file("other.safetensors");
  // Spaces inside the JSON, tensors listed out of data order, an empty tensor at offset 0,
  // F16 and BOOL data, and metadata placed last.
  const std::string header =
      R"({ "b": {"shape": [2], "dtype": "F16", "data_offsets": [2, 6]},)"
      R"( "e": {"dtype": "I64", "shape": [0], "data_offsets": [0, 0]},)"
      R"( "a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]},)"
      R"( "__metadata__": {"x": "y"} })";
  // half 1.0 = 0x3c00, half -2.0 = 0xc000 (little-endian), bools 1, 0.
  const char buf[6] = {1, 0, 0, '\x3c', 0, '\xc0'};
  write_bytes(p, st_file(header, std::string(buf, 6)));
  NamedTensors back = load_safetensors(p);
  REQUIRE(back.size() == 3);
  // Ordered by data offset; ties (the empty tensor) keep header order.
  CHECK(back[0].first == "e");
  CHECK(back[1].first == "a");
  CHECK(back[2].first == "b");
  CHECK(back[0].second.dtype() == DType::i64);
  CHECK(back[0].second.numel() == 0);
  CHECK(back[1].second.dtype() == DType::u8);
  CHECK(back[1].second.to_vector<uint8_t>() == std::vector<uint8_t>{1, 0});
  CHECK(back[2].second.dtype() == DType::f32);
  CHECK(back[2].second.to_vector<float>() == std::vector<float>{1.0f, -2.0f});
}

TEST_CASE("safetensors: malformed files throw an error naming the file and the problem") {
  TempDir dir;
  const std::string f32x2 = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string eight(8, '\0');

  // Sanity: the well-formed base case loads.
  write_bytes(dir.file("ok.safetensors"), st_file(f32x2, eight));
  CHECK(load_safetensors(dir.file("ok.safetensors")).size() == 1);

  struct Case {
    const char* what;
    std::string bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty file", "", "file too short"},
      {"5-byte file", std::string(5, '\x10'), "file too short"},
      {"header length past the end", u64_le(100) + std::string(20, ' '), "larger than the file"},
      {"absurd header length", u64_le(uint64_t{1} << 40) + "{}", "absurd"},
      {"header length 0", u64_le(0) + "xx", "too small"},
      {"header not an object", st_file("[1, 2]", ""), "must start with '{'"},
      {"truncated JSON", st_file(R"({"a": {"dtype": )", ""), "invalid JSON"},
      {"garbage JSON", st_file("{nope}", ""), "invalid JSON"},
      {"NUL padding", u64_le(8) + std::string("{}\0\0\0\0\0\0", 8), "invalid JSON"},
      {"entry not an object", st_file(R"({"a": 5})", ""), "entry is not an object"},
      {"missing dtype", st_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", eight),
       "missing field \"dtype\""},
      {"missing shape", st_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", eight),
       "missing field \"shape\""},
      {"missing data_offsets", st_file(R"({"a":{"dtype":"F32","shape":[2]}})", eight),
       "missing field \"data_offsets\""},
      {"dtype not a string", st_file(R"({"a":{"dtype":1,"shape":[2],"data_offsets":[0,8]}})", eight),
       "\"dtype\" is not a string"},
      {"shape not an array", st_file(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", eight),
       "\"shape\" is not an array"},
      {"data_offsets with one entry",
       st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8]}})", eight),
       "\"data_offsets\" is not an array of two"},
      {"negative data_offsets",
       st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", eight),
       "non-negative integers"},
      {"fractional data_offsets",
       st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}})", eight),
       "non-negative integers"},
      {"unknown dtype", st_file(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", eight),
       "unknown dtype \"F33\""},
      {"unsupported dtype", st_file(R"({"a":{"dtype":"I8","shape":[8],"data_offsets":[0,8]}})", eight),
       "unsupported dtype \"I8\""},
      {"negative shape entry",
       st_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight),
       "shape entry -2 is not a non-negative integer"},
      {"fractional shape entry",
       st_file(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", eight),
       "shape entry 2.5 is not a non-negative integer"},
      {"string shape entry",
       st_file(R"({"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", eight),
       "is not a non-negative integer"},
      {"overflowing shape",
       st_file(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})",
               eight),
       "too many elements"},
      {"size does not match shape",
       st_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight),
       "span 8 bytes but dtype F32 and shape [3] need 12"},
      {"reversed offsets", st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight),
       "reversed"},
      {"offsets past the end",
       st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", eight),
       "go past the end of the 8-byte data buffer"},
      {"truncated data", st_file(f32x2, std::string(5, '\0')), "go past the end of the 5-byte"},
      {"overlapping offsets",
       st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
               std::string(12, '\0')),
       "overlap tensor 'a'"},
      {"hole between tensors",
       st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
               R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
               std::string(12, '\0')),
       "hole in the data buffer: bytes [4, 8)"},
      {"hole at the start", st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight),
       "hole in the data buffer: bytes [0, 4)"},
      {"trailing bytes", st_file(f32x2, std::string(12, '\0')), "not fully covered"},
      {"duplicate names",
       st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
               R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
               eight),
       "duplicate tensor name 'a'"},
      {"duplicate field", st_file(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", eight),
       "duplicate key 'dtype'"},
      {"metadata not an object", st_file(R"({"__metadata__":[1]})", ""), "\"__metadata__\" must be an object"},
      {"metadata value not a string", st_file(R"({"__metadata__":{"epoch":3}})", ""),
       "value of 'epoch' is not a string"},
      {"BOOL value other than 0/1", st_file(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})",
                                             std::string("\x01\x02", 2)),
       "neither 0 nor 1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const std::string msg = load_error(dir, c.bytes);
    CHECK_MESSAGE(msg.find(c.message) != std::string::npos, "message: ", msg);
    CHECK_MESSAGE(msg.find("bad.safetensors") != std::string::npos, "message: ", msg);
  }
}

TEST_CASE("safetensors: missing files and bad arguments to save") {
  TempDir dir;
  const std::string missing = dir.file("does_not_exist.safetensors");
  CHECK_THROWS_WITH_AS(load_safetensors(missing), doctest::Contains("does_not_exist.safetensors: file not found"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(load_safetensors(dir.path.string()), doctest::Contains("not a regular file"), fb::Error);

  const std::string p = dir.file("args.safetensors");
  CHECK_THROWS_WITH_AS(save_safetensors(p, {{"a", ones({1})}, {"a", ones({1})}}),
                       doctest::Contains("duplicate tensor name 'a'"), fb::Error);
  CHECK_THROWS_WITH_AS(save_safetensors(p, {{"__metadata__", ones({1})}}), doctest::Contains("reserved"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(save_safetensors(p, {{"", ones({1})}}), doctest::Contains("empty tensor name"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(save_safetensors(p, {{"u", Tensor()}}), doctest::Contains("'u' is undefined"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(save_safetensors(p, {{"bad\xff", ones({1})}}), doctest::Contains("not valid UTF-8"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(save_safetensors(dir.file("no_such_dir/x.safetensors"), {{"a", ones({1})}}),
                       doctest::Contains("cannot create"), fb::Error);
  // Failed saves leave neither the file nor its temporary behind.
  CHECK_FALSE(fs::exists(p));
  CHECK_FALSE(fs::exists(p + ".tmp"));
}

TEST_CASE("safetensors: fixture written by Python matches the expected values exactly") {
  const std::string dirp = FB_TEST_DATA_DIR "/golden/";
  std::ifstream jf(dirp + "io_fixture_expected.json");
  REQUIRE(jf.good());
  const nlohmann::json expected = nlohmann::json::parse(jf);

  std::map<std::string, std::string> meta;
  NamedTensors ts = load_safetensors(dirp + "io_fixture.safetensors", &meta);
  const auto& want_meta = expected["safetensors_metadata"];
  CHECK(meta.size() == want_meta.size());
  for (const auto& [k, v] : want_meta.items()) CHECK(meta[k] == v.get<std::string>());

  const std::map<std::string, DType> dtypes = {
      {"weight", DType::f32}, {"double", DType::f64}, {"bf16", DType::bf16}, {"half", DType::f32},
      {"ints32", DType::i32}, {"ints64", DType::i64}, {"bytes", DType::u8},  {"mask", DType::u8},
      {"scalar", DType::f32}, {"empty", DType::f32}};
  const auto& want = expected["safetensors"];
  REQUIRE(ts.size() == want.size());
  std::vector<std::string> file_order;
  for (const auto& entry : ts) {
    const std::string& name = entry.first;  // clang's C++17 lambdas (CAPTURE) cannot capture a structured binding
    const Tensor& t = entry.second;
    CAPTURE(name);
    REQUIRE(want.contains(name));
    file_order.push_back(name);
    const auto& w = want[name];
    CHECK(t.dtype() == dtypes.at(name));
    CHECK(t.shape() == w["shape"].get<Shape>());
    const auto& vals = w["values"];
    REQUIRE(static_cast<int64_t>(vals.size()) == t.numel());
    if (t.dtype() == DType::i64 || t.dtype() == DType::i32 || t.dtype() == DType::u8) {
      std::vector<int64_t> got = t.to(DType::i64).to_vector<int64_t>();
      for (size_t i = 0; i < vals.size(); ++i) CHECK(got[i] == vals[i].get<int64_t>());
    } else {
      std::vector<double> got = t.to_vector<double>();
      for (size_t i = 0; i < vals.size(); ++i) {
        double v = vals[i].is_string() ? (vals[i] == "inf" ? INFINITY : -INFINITY) : vals[i].get<double>();
        CHECK(got[i] == v);  // exact: every stored value is representable
        CHECK(std::signbit(got[i]) == std::signbit(v));
      }
    }
  }
  // The generator wrote the tensors in this order.
  CHECK(file_order == std::vector<std::string>{"weight", "double", "bf16", "half", "ints32", "ints64",
                                               "bytes", "mask", "scalar", "empty"});
}

TEST_CASE("safetensors: randomly damaged files load or throw fb::Error, nothing else") {
  // Truncations and byte flips across the length prefix, header and data of a valid file. Every
  // outcome must be a clean load or an fb::Error: no crash, no other exception, no huge allocation.
  TempDir dir;
  const std::string good_path = dir.file("good.safetensors");
  save_safetensors(good_path,
                   {{"w", arange(6, DType::f32).reshape({2, 3})}, {"b", bf16_tensor({1, 2}, {2})},
                    {"s", scalar(1, DType::i64)}, {"e", Tensor::empty({0, 2}, DType::u8)}},
                   {{"k", "v"}});
  const std::string good = read_bytes(good_path);
  std::mt19937 rng(20240601);
  int loaded = 0, rejected = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string bytes = good;
    if (trial % 3 == 0) {
      bytes.resize(rng() % good.size());
    } else {
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    }
    const std::string p = dir.file("fuzz.safetensors");
    write_bytes(p, bytes);
    try {
      load_safetensors(p);
      ++loaded;
    } catch (const fb::Error&) {
      ++rejected;
    }
  }
  CHECK(loaded + rejected == 600);
  CHECK(rejected > 0);
}
