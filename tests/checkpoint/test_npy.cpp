// .npy reader/writer: round trips, byte-exact agreement with numpy.save, hand-made files of every
// supported kind, malformed files, and fixtures written by NumPy.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/checkpoint/npy.h"
#include "tensor/ops.h"

namespace fs = std::filesystem;
using namespace fb;
using fb::checkpoint::load_npy;
using fb::checkpoint::save_npy;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("fb_npy_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
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

// magic, version major.0, little-endian header length (2 bytes for 1.0, 4 otherwise), header
// text as given (no padding added), data.
std::string npy_file(int major, const std::string& header, const std::string& data) {
  std::string s("\x93NUMPY", 6);
  s.push_back(static_cast<char>(major));
  s.push_back(0);
  const int n = major == 1 ? 2 : 4;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return s + header + data;
}

std::string load_error(const TempDir& dir, const std::string& bytes) {
  const std::string p = dir.file("bad.npy");
  write_bytes(p, bytes);
  try {
    load_npy(p);
  } catch (const fb::Error& e) {
    return e.what();
  }
  FAIL("no fb::Error thrown");
  return "";
}

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

std::string f32_bytes(std::initializer_list<float> v) {
  std::string s;
  for (float x : v) s.append(reinterpret_cast<const char*>(&x), 4);  // little-endian host
  return s;
}

}  // namespace

TEST_CASE("npy: round trip of every dtype, views, 0-d and empty arrays") {
  TempDir dir;
  Tensor base = arange(24, DType::f64).reshape({2, 3, 4});
  const std::vector<Tensor> cases = {
      from_vector<float>({1.5f, -0.0f, INFINITY, 3e-38f, 7.0f, -1e30f}, {2, 3}),
      from_vector<double>({1e-300, -3.141592653589793}, {2}),
      from_vector<int32_t>({INT32_MIN, 0, INT32_MAX}, {3, 1, 1}),
      from_vector<int64_t>({INT64_MIN, 9007199254740993LL, INT64_MAX, -1}, {2, 2}),
      from_vector<uint8_t>({0, 1, 200, 255}, {4}),
      base.permute({2, 0, 1}),          // non-contiguous
      base.slice(2, 0, 4, 3),           // stepped
      scalar(-2.5, DType::f32),         // 0-d
      Tensor::empty({0}, DType::i64),   // empty 1-d
      Tensor::empty({3, 0, 2}, DType::u8),
      Tensor::empty({12345678901LL, 0}, DType::f32),  // many-digit first dimension
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    const std::string p = dir.file("rt" + std::to_string(i) + ".npy");
    save_npy(p, cases[i]);
    CHECK_FALSE(fs::exists(p + ".tmp"));
    CHECK(read_bytes(p).find("\n") % 64 == 63);  // preamble padded to a multiple of 64
    check_same(load_npy(p), cases[i].contiguous());
  }
  CHECK_THROWS_WITH_AS(save_npy(dir.file("b.npy"), Tensor::empty({2}, DType::bf16)),
                       doctest::Contains("bf16 has no NumPy equivalent"), fb::Error);
  CHECK_THROWS_WITH_AS(save_npy(dir.file("u.npy"), Tensor()), doctest::Contains("undefined"), fb::Error);
  CHECK_THROWS_WITH_AS(save_npy(dir.file("no_dir/x.npy"), ones({1})), doctest::Contains("cannot create"),
                       fb::Error);
}

TEST_CASE("npy: written bytes match the format (and numpy.save) exactly") {
  TempDir dir;
  const std::string p = dir.file("exact.npy");
  save_npy(p, from_vector<float>({1.0f, -2.0f}, {2}));
  // Magic, version 1.0, header length 118 (0x76): the dict, 21 - 1 spare spaces for growth of
  // the first axis, padding so that 10 + 118 = 128 is a multiple of 64, '\n'; then the data.
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  header += std::string(60, ' ') + "\n";
  REQUIRE(header.size() == 118);
  const std::string want = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header + f32_bytes({1.0f, -2.0f});
  CHECK(read_bytes(p) == want);
}

TEST_CASE("npy: hand-made files of every supported kind load") {
  TempDir dir;
  const std::string p = dir.file("h.npy");
  auto load = [&](const std::string& bytes) {
    write_bytes(p, bytes);
    return load_npy(p);
  };

  SUBCASE("versions 2.0 and 3.0, any key order, double quotes, Python 2 longs") {
    for (int major : {2, 3}) {
      Tensor t = load(npy_file(major, "{\"shape\": (2L,), 'fortran_order':False,'descr':'<f4'}\n",
                               f32_bytes({4.0f, 5.0f})));
      CHECK(t.to_vector<float>() == std::vector<float>{4.0f, 5.0f});
    }
  }
  SUBCASE("fortran order, 2-d and 3-d, becomes C-contiguous") {
    // Fortran order of [[0, 1, 2], [3, 4, 5]] is 0 3 1 4 2 5.
    Tensor t = load(npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n",
                             f32_bytes({0, 3, 1, 4, 2, 5})));
    CHECK(t.is_contiguous());
    CHECK(t.shape() == Shape{2, 3});
    CHECK(t.to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5});
    // 2x2x2 with element (i, j, k) = 4i + 2j + k stored with i fastest.
    std::string data;
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < 2; ++j)
        for (int i = 0; i < 2; ++i) data += f32_bytes({float(4 * i + 2 * j + k)});
    t = load(npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }\n", data));
    CHECK(t.to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7});
    // 0-d and 1-d Fortran arrays are the same as C ones.
    t = load(npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (), }\n", f32_bytes({9})));
    CHECK(t.dim() == 0);
    CHECK(t.item() == 9);
  }
  SUBCASE("half, bool and u1 variants") {
    // half 1.0 = 0x3c00, -2.0 = 0xc000, smallest subnormal 0x0001 = 2^-24, inf 0x7c00.
    Tensor t = load(npy_file(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }\n",
                             std::string("\x00\x3c\x00\xc0\x01\x00\x00\x7c", 8)));
    CHECK(t.dtype() == DType::f32);
    CHECK(t.to_vector<float>() == std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), INFINITY});
    t = load(npy_file(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n",
                      std::string("\x01\x00\x01", 3)));
    CHECK(t.dtype() == DType::u8);
    CHECK(t.to_vector<uint8_t>() == std::vector<uint8_t>{1, 0, 1});
    t = load(npy_file(1, "{'descr': '<u1', 'fortran_order': False, 'shape': (1, 2), }\n",
                      std::string("\xff\x07", 2)));
    CHECK(t.to_vector<uint8_t>() == std::vector<uint8_t>{255, 7});
  }
}

TEST_CASE("npy: malformed files throw an error naming the file and the problem") {
  TempDir dir;
  auto hdr = [](const std::string& descr, const std::string& fortran, const std::string& shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
  };
  const std::string ok = hdr("'<f4'", "False", "(2,)");
  const std::string eight = f32_bytes({1, 2});
  // Sanity: the base case loads.
  write_bytes(dir.file("ok.npy"), npy_file(1, ok, eight));
  CHECK(load_npy(dir.file("ok.npy")).numel() == 2);

  struct Case {
    const char* what;
    std::string bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty file", "", "bad magic"},
      {"short file", "\x93NU", "bad magic"},
      {"wrong magic", "PK\x03\x04" + std::string(60, ' '), "bad magic"},
      {"magic only", std::string("\x93NUMPY\x01", 7), "truncated header"},
      {"no header length", std::string("\x93NUMPY\x01\x00\x10", 9), "truncated header"},
      {"version 4.0", npy_file(4, ok, eight), "unsupported .npy version 4.0"},
      {"version 1.1", std::string("\x93NUMPY\x01\x01", 8) + std::string("\x00\x00", 2), "unsupported .npy version 1.1"},
      {"header past the end", npy_file(1, ok, eight).substr(0, 30), "truncated header"},
      {"header not a dict", npy_file(1, "(1, 2)\n", ""), "not a dict"},
      {"unterminated dict", npy_file(1, "{'descr': '<f4', ", ""), "malformed header"},
      {"unterminated string", npy_file(1, "{'descr': '<f4", ""), "unterminated string"},
      {"garbage after dict", npy_file(1, "{'descr': '<f4'} x", ""), "after the dict"},
      {"missing descr", npy_file(1, "{'fortran_order': False, 'shape': (2,), }\n", eight),
       "missing key 'descr'"},
      {"missing shape", npy_file(1, "{'descr': '<f4', 'fortran_order': False, }\n", eight),
       "missing key 'shape'"},
      {"missing fortran_order", npy_file(1, "{'descr': '<f4', 'shape': (2,), }\n", eight),
       "missing key 'fortran_order'"},
      {"extra key", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", eight),
       "unexpected key 'x'"},
      {"duplicate key", npy_file(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n",
                                 eight),
       "duplicate key 'descr'"},
      {"big-endian", npy_file(1, hdr("'>f4'", "False", "(2,)"), eight), "big-endian dtype '>f4'"},
      {"unsupported dtype", npy_file(1, hdr("'<c8'", "False", "(1,)"), eight), "unsupported dtype '<c8'"},
      {"int8", npy_file(1, hdr("'|i1'", "False", "(8,)"), eight), "unsupported dtype '|i1'"},
      {"structured dtype", npy_file(1, hdr("[('a', '<f4')]", "False", "(2,)"), eight), "structured"},
      {"fortran_order not a bool", npy_file(1, hdr("'<f4'", "0", "(2,)"), eight), "True/False"},
      {"shape not a tuple", npy_file(1, hdr("'<f4'", "False", "2"), eight), "'shape' is not a tuple"},
      {"negative shape", npy_file(1, hdr("'<f4'", "False", "(-2,)"), eight), "non-negative integers"},
      {"float shape", npy_file(1, hdr("'<f4'", "False", "(2.0,)"), eight), "found a float"},
      {"string shape", npy_file(1, hdr("'<f4'", "False", "('2',)"), eight), "non-negative integers"},
      {"huge integer", npy_file(1, hdr("'<f4'", "False", "(99999999999999999999999,)"), eight),
       "integer too large"},
      {"overflowing shape", npy_file(1, hdr("'|u1'", "False", "(4294967296, 4294967296, 4294967296)"), eight),
       "too many elements"},
      {"truncated data", npy_file(1, ok, eight.substr(0, 6)), "truncated data: shape and dtype '<f4' need 8 bytes but the file holds 6"},
      {"trailing data", npy_file(1, ok, eight + "xy"), "trailing data: 2 bytes"},
      {"bool other than 0/1", npy_file(1, hdr("'|b1'", "False", "(2,)"), std::string("\x01\x05", 2)),
       "neither 0 nor 1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const std::string msg = load_error(dir, c.bytes);
    CHECK_MESSAGE(msg.find(c.message) != std::string::npos, "message: ", msg);
    CHECK_MESSAGE(msg.find("bad.npy") != std::string::npos, "message: ", msg);
  }

  CHECK_THROWS_WITH_AS(load_npy(dir.file("missing.npy")), doctest::Contains("missing.npy: file not found"),
                       fb::Error);
  CHECK_THROWS_WITH_AS(load_npy(dir.path.string()), doctest::Contains("not a regular file"), fb::Error);
}

TEST_CASE("npy: fixtures written by numpy.save load exactly, and save_npy reproduces them") {
  TempDir dir;
  const std::string golden = FB_TEST_DATA_DIR "/golden/";
  std::ifstream jf(golden + "io_fixture_expected.json");
  REQUIRE(jf.good());
  const nlohmann::json expected = nlohmann::json::parse(jf)["npy"];
  REQUIRE(expected.size() == 2);

  for (const auto& item : expected.items()) {
    const std::string file = item.key();  // not a structured binding: CAPTURE's lambda cannot capture one in C++17 (clang)
    const auto& w = item.value();
    CAPTURE(file);
    Tensor t = load_npy(golden + file);
    CHECK(t.is_contiguous());
    CHECK(t.shape() == w["shape"].get<Shape>());
    CHECK(std::string(dtype_name(t.dtype())) == w["dtype"].get<std::string>());
    const auto& vals = w["values"];
    REQUIRE(static_cast<int64_t>(vals.size()) == t.numel());
    if (t.dtype() == DType::i64) {
      CHECK(t.to_vector<int64_t>() == vals.get<std::vector<int64_t>>());
    } else {
      std::vector<double> got = t.to_vector<double>();
      for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == vals[i].get<double>());
    }
  }

  // numpy.save wrote io_fixture.npy in C order: our writer must produce the identical file.
  const std::string p = dir.file("again.npy");
  save_npy(p, load_npy(golden + "io_fixture.npy"));
  CHECK(read_bytes(p) == read_bytes(golden + "io_fixture.npy"));
}

TEST_CASE("npy: randomly damaged files load or throw fb::Error, nothing else") {
  TempDir dir;
  const std::string good_path = dir.file("good.npy");
  save_npy(good_path, arange(12, DType::i32).reshape({3, 4}));
  const std::string good = read_bytes(good_path);
  std::mt19937 rng(7);
  int loaded = 0, rejected = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string bytes = good;
    if (trial % 3 == 0) {
      bytes.resize(rng() % good.size());
    } else {
      // Damage mostly the preamble and header, where the parser works.
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) bytes[rng() % 80] = static_cast<char>(rng() & 0xff);
    }
    const std::string p = dir.file("fuzz.npy");
    write_bytes(p, bytes);
    try {
      load_npy(p);
      ++loaded;
    } catch (const fb::Error&) {
      ++rejected;
    }
  }
  CHECK(loaded + rejected == 600);
  CHECK(rejected > 0);
}
