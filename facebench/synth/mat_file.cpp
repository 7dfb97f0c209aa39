#include "facebench/synth/mat_file.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace fb::synth {

namespace {
// MAT-file v5 data types and classes (from the level-5 format description).
constexpr uint32_t miINT8 = 1, miINT32 = 5, miUINT32 = 6, miDOUBLE = 9, miMATRIX = 14;
constexpr uint32_t mxDOUBLE_CLASS = 6;

void put32(std::vector<unsigned char>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back((unsigned char)(v >> (8 * i)));
}
void pad8(std::vector<unsigned char>& b) {
  while (b.size() % 8) b.push_back(0);
}
}  // namespace

std::vector<unsigned char> encode_mat_file(const std::vector<MatVariable>& vars) {
  std::vector<unsigned char> b;
  // 128-byte header: 116 bytes of text, 8 bytes subsystem offset, version, endianness.
  char text[116];
  std::memset(text, ' ', sizeof text);
  const char* msg = "MATLAB 5.0 MAT-file, written by facebench synth";
  std::memcpy(text, msg, std::strlen(msg));
  b.reserve(256);
  for (char ch : text) b.push_back((unsigned char)ch);
  for (int i = 0; i < 8; ++i) b.push_back(0);
  b.push_back(0x00);
  b.push_back(0x01);  // version 0x0100, little-endian
  b.push_back('I');
  b.push_back('M');  // reads as "MI" in the writer's byte order
  for (const auto& v : vars) {
    if (size_t(v.rows) * size_t(v.cols) != v.data.size())
      throw std::invalid_argument("mat: variable '" + v.name + "' has the wrong element count");
    size_t name_len = v.name.size();
    size_t name_padded = (name_len + 7) / 8 * 8;
    uint32_t body = 16 + 16 + 8 + uint32_t(name_padded) + 8 + uint32_t(8 * v.data.size());
    put32(b, miMATRIX);
    put32(b, body);
    put32(b, miUINT32);  // array flags
    put32(b, 8);
    put32(b, mxDOUBLE_CLASS);
    put32(b, 0);
    put32(b, miINT32);  // dimensions
    put32(b, 8);
    put32(b, uint32_t(v.rows));
    put32(b, uint32_t(v.cols));
    put32(b, miINT8);  // name
    put32(b, uint32_t(name_len));
    for (char ch : v.name) b.push_back((unsigned char)ch);
    pad8(b);
    put32(b, miDOUBLE);
    put32(b, uint32_t(8 * v.data.size()));
    for (double d : v.data) {
      uint64_t u;
      std::memcpy(&u, &d, 8);
      for (int i = 0; i < 8; ++i) b.push_back((unsigned char)(u >> (8 * i)));
    }
  }
  return b;
}

void write_mat_file(const std::string& path, const std::vector<MatVariable>& vars) {
  auto bytes = encode_mat_file(vars);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create '" + path + "'");
  size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
  if (std::fclose(f) != 0 || n != bytes.size()) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace fb::synth
