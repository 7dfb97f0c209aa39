// The fast paths of the writer and the degradations against plain references:
// the mask PNG encoder (decoded by stb_image, chunk CRCs and the zlib checksum
// recomputed bit by bit), fixed-point label text against printf, and the box
// blur against a direct window average.
#include <doctest/doctest.h>

#include <stb_image.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "facebench/synth/degrade.h"
#include "facebench/synth/png_writer.h"
#include "facebench/synth/text_format.h"

using namespace fb::synth;

namespace {

uint32_t read_u32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

// Bitwise CRC-32 (no table), as the PNG specification defines it.
uint32_t crc32_bitwise(const std::string& s, size_t from, size_t to) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = from; i < to; ++i) {
    c ^= uint8_t(s[i]);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// Checks the chunk structure and every CRC; returns the concatenated IDAT data.
std::string check_chunks(const std::string& png) {
  REQUIRE(png.size() > 8);
  CHECK(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  std::string idat;
  size_t at = 8;
  bool saw_end = false;
  while (at + 12 <= png.size()) {
    uint32_t len = read_u32(png, at);
    std::string type = png.substr(at + 4, 4);
    REQUIRE(at + 12 + len <= png.size());
    INFO("chunk ", type);
    CHECK(read_u32(png, at + 8 + len) == crc32_bitwise(png, at + 4, at + 8 + len));
    if (type == "IDAT") idat += png.substr(at + 8, len);
    if (type == "IEND") saw_end = true;
    at += 12 + len;
  }
  CHECK(saw_end);
  CHECK(at == png.size());
  return idat;
}

void check_roundtrip(const std::vector<uint8_t>& px, int w, int h) {
  INFO("size ", w, "x", h);
  std::string png = encode_png_gray8(px.data(), w, h);
  std::string z = check_chunks(png);
  REQUIRE(z.size() > 6);
  CHECK(((uint8_t(z[0]) << 8) | uint8_t(z[1])) % 31 == 0);  // zlib header check bits
  int dw = 0, dh = 0, comp = 0;
  unsigned char* d = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()), int(png.size()), &dw,
                                           &dh, &comp, 1);
  REQUIRE_MESSAGE(d != nullptr, stbi_failure_reason());
  CHECK(dw == w);
  CHECK(dh == h);
  CHECK(comp == 1);
  CHECK(std::memcmp(d, px.data(), px.size()) == 0);
  stbi_image_free(d);
  // The zlib trailer is the Adler-32 of the filtered rows (filter byte 1 = sub).
  uint32_t a = 1, b = 0;
  for (int y = 0; y < h; ++y)
    for (int x = -1; x < w; ++x) {
      uint8_t v = x < 0 ? 1 : uint8_t(px[size_t(y) * w + x] - (x > 0 ? px[size_t(y) * w + x - 1] : 0));
      a = (a + v) % 65521u;
      b = (b + a) % 65521u;
    }
  CHECK(read_u32(z, z.size() - 4) == ((b << 16) | a));
}

// A label-mask-like image: a few filled ellipses of class ids on a background.
std::vector<uint8_t> blobs(int w, int h, std::mt19937& rng) {
  std::vector<uint8_t> px(size_t(w) * h, 0);
  std::uniform_real_distribution<float> u(0, 1);
  for (int k = 0; k < 6; ++k) {
    float cx = u(rng) * w, cy = u(rng) * h, rx = 1 + u(rng) * w / 3, ry = 1 + u(rng) * h / 3;
    uint8_t c = uint8_t(1 + k % 11);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        if ((x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) < 1) px[size_t(y) * w + x] = c;
  }
  return px;
}

}  // namespace

TEST_CASE("mask PNG encoder: stb_image decodes the same pixels; CRCs and Adler-32 hold") {
  std::mt19937 rng(5);
  for (auto [w, h] : std::vector<std::pair<int, int>>{{128, 128}, {97, 61}, {1, 1}, {1, 300}, {300, 1}, {700, 40}}) {
    check_roundtrip(blobs(w, h, rng), w, h);
    // Worst case for run-length matching: noise (every byte a literal).
    std::vector<uint8_t> noise(size_t(w) * h);
    for (auto& v : noise) v = uint8_t(rng());
    check_roundtrip(noise, w, h);
    // Best case: one value everywhere (runs longer than deflate's 258-byte limit).
    check_roundtrip(std::vector<uint8_t>(size_t(w) * h, 7), w, h);
  }
  // A flat mask compresses to under 2 % of its 16 KiB; a mask of a few regions to under 20 %.
  CHECK(encode_png_gray8(std::vector<uint8_t>(128 * 128, 3).data(), 128, 128).size() < 128 * 128 / 50);
  CHECK(encode_png_gray8(blobs(128, 128, rng).data(), 128, 128).size() < 128 * 128 / 5);
  CHECK_THROWS(encode_png_gray8(nullptr, 0, 5));
}

TEST_CASE("append_fixed writes exactly what printf(\"%.Nf\") writes") {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-500, 500);
  std::vector<double> values = {0.0, -0.0, -0.00001, 0.00005, -0.00005, 0.125, 2.5, 1e-300, 123456.789};
  for (int i = 0; i < 20000; ++i) {
    double v = u(rng);
    values.push_back(v);
    values.push_back(double(float(v)));       // the labels are floats
    values.push_back(double(float(v)) + 1.0);  // .pts adds 1
  }
  for (double v : values)
    for (int digits : {2, 3, 4}) {
      char b[64];
      std::snprintf(b, sizeof b, "%.*f", digits, v);
      std::string s = "x";
      append_fixed(s, v, digits);
      INFO(v, " with ", digits, " digits");
      CHECK(s == std::string("x") + b);
    }
}

TEST_CASE("box_blur equals the average over the clamped (2r+1)^2 window") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  for (const auto& size : std::vector<std::array<int, 3>>{{17, 11, 1}, {9, 23, 2}, {3, 2, 2}, {64, 64, 1}}) {
    const int w = size[0], h = size[1], r = size[2];  // capturable by INFO, unlike a structured binding (clang 14)
    ImageF im;
    im.reset(w, h);
    for (auto& v : im.rgb) v = u(rng);
    ImageF ref = im;
    box_blur(im, r);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          double acc = 0;
          for (int dy = -r; dy <= r; ++dy)
            for (int dx = -r; dx <= r; ++dx)
              acc += ref.rgb[(size_t(std::clamp(y + dy, 0, h - 1)) * w + std::clamp(x + dx, 0, w - 1)) * 3 + c];
          INFO(w, "x", h, " r ", r, " at ", x, ",", y, " channel ", c);
          CHECK(im.rgb[(size_t(y) * w + x) * 3 + c] == doctest::Approx(acc / ((2 * r + 1) * (2 * r + 1))).epsilon(1e-5));
        }
  }
}
