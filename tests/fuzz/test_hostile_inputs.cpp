// Inputs that claim absurd sizes are refused before memory is allocated for
// them, and the inputs the fuzz targets once failed on now give fb::Error.
//
// "Before allocation" is checked through the message: each claim here is far
// beyond what the process could allocate (petabytes, or 2^90 bytes), so a
// reader that tried would fail with an out-of-memory error (or, under
// AddressSanitizer, abort) instead of naming the claim.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "facebench/data/disfa.h"
#include "facebench/data/image.h"
#include "facebench/data/lfw.h"
#include "facebench/data/mat5.h"
#include "facebench/pretrain/config.h"
#include "nn/checkpoint/npy.h"
#include "nn/checkpoint/pth.h"
#include "nn/checkpoint/safetensors.h"

namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) {
  fs::path p = fs::path(FB_BINARY_DIR) / "hostile_input_test_out" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
std::string write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}
std::string corpus(const std::string& target, const std::string& file) {
  return std::string(FB_TEST_DATA_DIR) + "/fuzz/corpus/" + target + "/" + file;
}
std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}
// The message of the fb::Error that `f` throws ("" if it throws nothing).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const fb::Error& e) {
    return e.what();
  }
  return "";
}
std::string u64_le(uint64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}
std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  h.resize(118, ' ');
  h += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(h.size() & 0xff) + char(h.size() >> 8) + h + data;
}
}  // namespace

TEST_CASE("hostile input: checkpoints whose headers claim absurd sizes are refused before allocation") {
  const fs::path dir = scratch("checkpoints");
  // .npy: 10^15 float32 elements (4 PB) announced, 8 bytes present.
  std::string msg = error_of([&] { fb::checkpoint::load_npy(write(dir / "e15.npy", npy("<f4", "(1000000000000000,)", "12345678"))); });
  CHECK_MESSAGE(msg.find("need 4000000000000000 bytes but the file holds 8") != std::string::npos, msg);
  // .npy: a shape whose element count overflows 64 bits.
  msg = error_of([&] {
    fb::checkpoint::load_npy(write(dir / "overflow.npy", npy("<f8", "(1099511627776, 1099511627776, 1099511627776)", "")));
  });
  CHECK_MESSAGE(msg.find("too many elements") != std::string::npos, msg);

  // safetensors: a shape of 2^96 elements, and one of 10^15 float64 whose byte range is past the file.
  auto st = [&](const std::string& name, const std::string& header, const std::string& data) {
    return write(dir / name, u64_le(header.size()) + header + data);
  };
  msg = error_of([&] {
    fb::checkpoint::load_safetensors(st("overflow.safetensors",
                                        R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})",
                                        std::string(8, '\0')));
  });
  CHECK_MESSAGE(msg.find("too many elements") != std::string::npos, msg);
  msg = error_of([&] {
    fb::checkpoint::load_safetensors(st("past_end.safetensors",
                                        R"({"a":{"dtype":"F64","shape":[1000000000000000],"data_offsets":[0,8000000000000000]}})",
                                        std::string(8, '\0')));
  });
  CHECK_MESSAGE(msg.find("go past the end of the 8-byte data buffer") != std::string::npos, msg);
  // safetensors: a header length of 2^63.
  msg = error_of([&] { fb::checkpoint::load_safetensors(write(dir / "hlen.safetensors", u64_le(uint64_t(1) << 63) + "{}")); });
  CHECK_MESSAGE(msg.find("header length") != std::string::npos, msg);
}

TEST_CASE("hostile input: zip members whose declared sizes exceed what the archive holds are refused") {
  // A stored member claiming 2 GB while holding 24 bytes, and a deflated one claiming 2 GB from 17 bytes.
  for (const char* file : {"zip_entry_size_lies", "zip_deflate_claims_2g"}) {
    CAPTURE(file);
    const std::string msg = error_of([&] { fb::checkpoint::read_pth(corpus("pth", file)); });
    CHECK_MESSAGE(msg.find(file) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("out of memory") == std::string::npos, msg);
    CHECK_MESSAGE(msg.find("2147483647") != std::string::npos, msg);
  }
}

TEST_CASE("hostile input: MAT dimensions that overflow or exceed the variable are refused") {
  for (const char* file : {"dims_overflow.mat", "dims_huge_no_data.mat", "cell_claims_huge.mat"}) {
    CAPTURE(file);
    const std::string msg = error_of([&] { fb::data::read_mat5(read(corpus("mat5", file)), file); });
    CHECK_MESSAGE(msg.find("claim more elements than its") != std::string::npos, msg);
  }
  // A cell array whose dimensions are those of the numeric matrix a reader expects.
  auto vars = fb::data::read_mat5(read(corpus("mat5", "aflw19_bbox_is_cell.mat")), "cell.mat");
  REQUIRE(vars.count("bbox"));
  CHECK(vars["bbox"].rows() == 1);
  CHECK(vars["bbox"].cols() == 4);
  CHECK_THROWS_WITH_AS(vars["bbox"].at(0, 3), doctest::Contains("holding 0 numeric values"), fb::Error);
  // A cols() over dimensions whose product overflows, one of them zero.
  fb::data::MatArray a;
  a.dims = {1, 4294967296, 4294967296, 4294967296, 0};
  CHECK(a.cols() == 0);
}

TEST_CASE("hostile input: image headers claiming huge pictures are refused before decoding") {
  const std::string jpeg = read(corpus("image", "jpeg_claims_10000x10000"));
  REQUIRE(!jpeg.empty());
  CHECK_THROWS_WITH_AS(fb::data::decode_image_memory(jpeg.data(), jpeg.size(), "big.jpg", 3),
                       doctest::Contains("big.jpg': its header claims 10000 x 10000 pixels"), fb::Error);
  // PGM/PPM: 2^40 x 2^40 16-bit RGB samples (2^83 bytes) announced by a 40-byte file; sides
  // beyond int are refused as such (stb's parser would overflow on them).
  const std::string ppm = read(corpus("image", "pgm_dims_overflow"));
  CHECK_THROWS_WITH_AS(fb::data::decode_image_memory(ppm.data(), ppm.size(), "big.ppm", 3),
                       doctest::Contains("big.ppm': PGM/PPM header value"), fb::Error);
  // Sides within int that still need more than 2^62 bytes: (2^31 - 1)^2 16-bit RGB samples.
  const std::string ppm31 = std::string("P6 2147483647 2147483647 65535\n") + "x";
  CHECK_THROWS_WITH_AS(fb::data::decode_image_memory(ppm31.data(), ppm31.size(), "big.ppm", 3),
                       doctest::Contains("truncated PGM/PPM (1 of more than 2^62 pixel bytes)"), fb::Error);
  // Probing the header alone refuses the same files (stb's header parse would overflow too).
  const fs::path dir = scratch("probe");
  int w = 0, h = 0, c = 0;
  for (const std::string& bytes : {ppm, ppm31}) {
    CHECK_FALSE(fb::data::probe_image_file(write(dir / "big.ppm", bytes), &w, &h, &c));
  }
  const std::string small = std::string("P6 2 1 255\n") + std::string(6, '\x10');
  REQUIRE(fb::data::probe_image_file(write(dir / "small.ppm", small), &w, &h, &c));
  CHECK((w == 2 && h == 1 && c == 3));
}

TEST_CASE("hostile input: 16-bit PGM/PPM is refused (the decoder misreads it) while 8-bit still decodes") {
  // stb_image 2.27 reads these samples in the wrong byte order and overflows its buffer when it converts
  // their channels; every channel request is refused alike.
  const std::string gray16 = std::string("P5 2 1 65535\n") + std::string("\x01\x00\xff\xff", 4);
  const std::string rgb16 = std::string("P6 1 1 65535\n") + std::string("\x64\x00\xc8\x00\x32\x00", 6);
  for (int channels : {0, 1, 3}) {
    CAPTURE(channels);
    CHECK_THROWS_WITH_AS(fb::data::decode_image_memory(gray16.data(), gray16.size(), "g16.pgm", channels),
                         doctest::Contains("g16.pgm': 16-bit PGM/PPM (maxval above 255) is not supported"), fb::Error);
    CHECK_THROWS_WITH_AS(fb::data::decode_image_memory(rgb16.data(), rgb16.size(), "c16.ppm", channels),
                         doctest::Contains("16-bit PGM/PPM"), fb::Error);
  }
  const std::string rgb8 = std::string("P6 1 1 255\n") + std::string("\x64\xc8\x32", 3);
  CHECK(fb::data::decode_image_memory(rgb8.data(), rgb8.size(), "c8.ppm", 0).px == std::vector<uint8_t>{100, 200, 50});
  CHECK(fb::data::decode_image_memory(rgb8.data(), rgb8.size(), "c8.ppm", 3).px == std::vector<uint8_t>{100, 200, 50});
}

TEST_CASE("hostile input: annotation headers and patterns out of range give fb::Error") {
  const fs::path dir = scratch("annotations");
  fb::data::ProblemLog log(fb::data::OnError::Skip);
  log.set_quiet(true);
  for (const char* header : {"2147483648\t1", "1\t4294967296", "9223372036854775807\t9223372036854775807"}) {
    CAPTURE(header);
    CHECK_THROWS_WITH_AS(fb::data::LfwPairs(write(dir / "pairs.txt", std::string(header) + "\nA\t1\t2\n"), dir.string(), log),
                         doctest::Contains("pairs.txt:1: absurd header"), fb::Error);
  }
  // The largest counts that fit still work: the pair arithmetic no longer overflows.
  fb::data::LfwPairs big(write(dir / "pairs.txt", "2147483647\t2147483647\nA\t1\t2\n"), dir.string(), log);
  CHECK(big.folds() == 2147483647);
  CHECK(log.problems().back().what.find("announces 9223372028264841218 pairs, file has 1") != std::string::npos);

  for (const char* pattern : {"{frame:x}", "{frame:-1}", "{index:21}", "{index:99999999999}"}) {
    CAPTURE(pattern);
    CHECK_THROWS_WITH_AS(fb::data::expand_frame_pattern(pattern, "SN001", 0, 1),
                         doctest::Contains("must be a number from 0 to 20"), fb::Error);
  }
  CHECK(fb::data::expand_frame_pattern("{frame:20}", "SN001", 0, 7) == "00000000000000000007");
}

TEST_CASE("hostile input: pretrain config integer fields take only integral numbers that fit") {
  using fb::pretrain::from_json;
  auto parse = [](const char* text) { return from_json(nlohmann::json::parse(text)); };
  CHECK_THROWS_WITH_AS(parse(R"({"epochs": 1e300})"), doctest::Contains("'epochs' must be an integer from"), fb::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"epochs": 4.0})"), doctest::Contains("got 4.0"), fb::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"seed": -1.5})"), doctest::Contains("'seed' must be an integer from 0 to"), fb::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"seed": -1})"), doctest::Contains("'seed'"), fb::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"workers": 10000000000})"),
                       doctest::Contains("'workers' must be an integer from -2147483648 to 2147483647"), fb::Error);
  CHECK_THROWS_WITH_AS(parse(R"({"batch": 9223372036854775808})"), doctest::Contains("'batch'"), fb::Error);
  // In range they load, including the extremes of each type; other types still go through nlohmann's checks.
  CHECK(parse(R"({"seed": 18446744073709551615})").seed == UINT64_MAX);
  CHECK(parse(R"({"max_steps": -9223372036854775808})").max_steps == INT64_MIN);
  CHECK(parse(R"({"workers": 3, "width": 1})").width == 1.0);
  CHECK_THROWS_WITH_AS(parse(R"({"method": 3})"), doctest::Contains("pretrain config:"), fb::Error);
}
