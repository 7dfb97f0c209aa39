#pragma once
// Images of the data pipeline: 8-bit decoded pictures and label maps (Image8),
// and float pictures after the geometric transform (ImageF, values in [0, 1]).
// Both are row-major, channel-interleaved (HWC), like the NHWC batches they feed.
//
// Decoding goes through stb_image (JPEG baseline/progressive, PNG, 8-bit PGM/PPM, BMP).
// Every failure throws fb::Error naming the file and stb's reason, so a corrupt
// or truncated file can be reported with its path and skipped or fatal.
#include <cstdint>
#include <string>
#include <vector>

namespace fb::data {

struct Image8 {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> px;
  bool empty() const { return px.empty(); }
  void reset(int w, int h, int c) { width = w; height = h; channels = c; px.assign(size_t(w) * h * c, 0); }
  uint8_t* row(int y) { return px.data() + size_t(y) * width * channels; }
  const uint8_t* row(int y) const { return px.data() + size_t(y) * width * channels; }
};

struct ImageF {
  int width = 0, height = 0, channels = 0;
  std::vector<float> px;
  void reset(int w, int h, int c) { width = w; height = h; channels = c; px.assign(size_t(w) * h * c, 0.0f); }
};

// Decoding refuses images whose header claims more pixels than this (8192 x
// 8192; far beyond any face photo) before allocating for them.
constexpr int64_t kMaxImagePixels = int64_t(1) << 26;

// channels: 0 keeps the file's own count (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA);
// 1 or 3 converts (alpha dropped). Requires: a readable, complete image file.
Image8 decode_image_file(const std::string& path, int channels = 3);
// The same from encoded bytes in memory; `name` only labels error messages.
Image8 decode_image_memory(const void* bytes, size_t n, const std::string& name, int channels = 3);

// JPEG decoding: libjpeg-turbo when the build found it (FB_TURBOJPEG, Debian
// libturbojpeg0-dev; the default then), else stb_image. Both give the same
// picture within decoder tolerance (IDCT and chroma-upsampling rounding: a few
// levels per pixel). A file turbo reports damaged or cannot convert (CMYK,
// 2/4 channels asked for) goes to stb_image, so both accept and refuse alike.
enum class JpegDecoder { Stb, Turbo };
bool turbojpeg_available();
void set_jpeg_decoder(JpegDecoder d);  // Turbo without libjpeg-turbo throws fb::Error
JpegDecoder jpeg_decoder();

// Width, height and channel count from the header alone (no pixel decode).
// Returns false when the header is not a readable image, or when the checks
// decoding makes before stb reads the file refuse it (see decode_image_memory).
bool probe_image_file(const std::string& path, int* width, int* height, int* channels);

// Encoders (stb_image_write); throw fb::Error naming the path on failure.
void write_jpeg(const std::string& path, const Image8& im, int quality = 95);
void write_png(const std::string& path, const Image8& im);
std::string encode_jpeg(const Image8& im, int quality = 95);

// Whole file into memory; throws fb::Error("cannot read '<path>'") when absent.
std::string read_file_bytes(const std::string& path);

}  // namespace fb::data
