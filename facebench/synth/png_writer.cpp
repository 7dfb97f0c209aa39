#include "facebench/synth/png_writer.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

namespace fb::synth {

namespace {

// Bits are packed least-significant first, as deflate (RFC 1951) requires.
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}
  void put(uint32_t bits, int count) {
    acc_ |= uint64_t(bits) << n_;
    n_ += count;
    while (n_ >= 8) {
      out_.push_back(char(acc_ & 0xFF));
      acc_ >>= 8;
      n_ -= 8;
    }
  }
  void flush() {
    if (n_ > 0) out_.push_back(char(acc_ & 0xFF));
    acc_ = 0;
    n_ = 0;
  }

 private:
  std::string& out_;
  uint64_t acc_ = 0;
  int n_ = 0;
};

// A Huffman code already bit-reversed for BitWriter::put.
struct Code {
  uint16_t bits;
  uint8_t length;
};

Code reversed(uint32_t code, int length) {
  uint32_t r = 0;
  for (int i = 0; i < length; ++i) r |= ((code >> i) & 1u) << (length - 1 - i);
  return {uint16_t(r), uint8_t(length)};
}

// The fixed literal/length code of RFC 1951 section 3.2.6, symbols 0..287.
const std::array<Code, 288>& literal_length_codes() {
  static const std::array<Code, 288> t = [] {
    std::array<Code, 288> t{};
    for (int s = 0; s < 288; ++s) {
      if (s < 144) t[size_t(s)] = reversed(0x30 + uint32_t(s), 8);
      else if (s < 256) t[size_t(s)] = reversed(0x190 + uint32_t(s - 144), 9);
      else if (s < 280) t[size_t(s)] = reversed(uint32_t(s - 256), 7);
      else t[size_t(s)] = reversed(0xC0 + uint32_t(s - 280), 8);
    }
    return t;
  }();
  return t;
}

void put_symbol(BitWriter& w, int symbol) {
  const Code c = literal_length_codes()[size_t(symbol)];
  w.put(c.bits, c.length);
}

// A match of `length` (3..258) bytes at `distance` (1..32768) back.
void put_match(BitWriter& w, int length, int distance) {
  static const int len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static const int len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                    2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static const int dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                    33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  int i = 28;
  while (len_base[i] > length) --i;
  put_symbol(w, 257 + i);
  if (len_extra[i]) w.put(uint32_t(length - len_base[i]), len_extra[i]);
  int d = 29;
  while (dist_base[d] > distance) --d;
  const Code dc = reversed(uint32_t(d), 5);  // fixed distance codes: 5 bits each
  w.put(dc.bits, 5);
  const int dist_extra = d < 4 ? 0 : d / 2 - 1;
  if (dist_extra) w.put(uint32_t(distance - dist_base[d]), dist_extra);
}

// Length of the match at `i` against the bytes `distance` back (at most 258).
size_t match_length(const uint8_t* data, size_t n, size_t i, size_t distance) {
  if (i < distance) return 0;
  const size_t limit = std::min<size_t>(258, n - i);
  size_t k = 0;
  while (k < limit && data[i + k] == data[i + k - distance]) ++k;
  return k;
}

uint32_t adler32(const uint8_t* data, size_t n) {
  uint32_t a = 1, b = 0;
  // 5552 bytes is the most that can be summed before b may overflow 32 bits.
  while (n > 0) {
    const size_t block = std::min<size_t>(n, 5552);
    for (size_t i = 0; i < block; ++i) {
      a += data[i];
      b += a;
    }
    a %= 65521u;
    b %= 65521u;
    data += block;
    n -= block;
  }
  return (b << 16) | a;
}

// Greedy matching against two candidates only: the same byte repeated
// (distance 1) and the row above (distance `row`, the filtered row length).
std::string zlib_stream(const std::vector<uint8_t>& data, size_t row) {
  std::string out;
  out.reserve(data.size() / 8 + 64);
  out.push_back(char(0x78));  // deflate, 32 KiB window
  out.push_back(char(0x01));  // no dictionary, fastest level; (0x78 * 256 + 0x01) % 31 == 0
  BitWriter w(out);
  w.put(1, 1);  // final block
  w.put(1, 2);  // fixed Huffman codes
  const size_t n = data.size();
  const uint8_t* d = data.data();
  size_t i = 0;
  while (i < n) {
    size_t run = match_length(d, n, i, 1);
    size_t above = row <= 32768 ? match_length(d, n, i, row) : 0;
    if (std::max(run, above) >= 3) {
      const bool use_above = above > run;
      const size_t len = use_above ? above : run;
      put_match(w, int(len), int(use_above ? row : 1));
      i += len;
      continue;
    }
    put_symbol(w, d[i]);
    ++i;
  }
  put_symbol(w, 256);  // end of block
  w.flush();
  const uint32_t adler = adler32(d, n);
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((adler >> s) & 0xFF));
  return out;
}

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> t = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return t;
}

void put_u32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(char((v >> s) & 0xFF));
}

void put_chunk(std::string& out, const char type[4], const std::string& data) {
  put_u32(out, uint32_t(data.size()));
  const size_t start = out.size();
  out.append(type, 4);
  out += data;
  const auto& t = crc_table();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = start; i < out.size(); ++i) c = t[(c ^ uint8_t(out[i])) & 0xFF] ^ (c >> 8);
  put_u32(out, c ^ 0xFFFFFFFFu);
}

}  // namespace

std::string encode_png_gray8(const uint8_t* pixels, int width, int height) {
  if (width <= 0 || height <= 0) throw std::invalid_argument("png: image size must be positive");
  // Filter type 1 (sub) on every row: each byte minus its left neighbour.
  const size_t stride = size_t(width) + 1;
  std::vector<uint8_t> filtered(size_t(height) * stride);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = pixels + size_t(y) * size_t(width);
    uint8_t* f = filtered.data() + size_t(y) * stride;
    f[0] = 1;
    f[1] = row[0];
    for (int x = 1; x < width; ++x) f[x + 1] = uint8_t(row[x] - row[x - 1]);
  }
  std::string ihdr;
  put_u32(ihdr, uint32_t(width));
  put_u32(ihdr, uint32_t(height));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8 bits, greyscale, deflate, adaptive filters, no interlace
  std::string png("\x89PNG\r\n\x1a\n", 8);
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", zlib_stream(filtered, stride));
  put_chunk(png, "IEND", "");
  return png;
}

}  // namespace fb::synth
