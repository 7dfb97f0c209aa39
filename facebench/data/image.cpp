#include "facebench/data/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <atomic>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "tensor/error.h"

#ifdef FB_HAVE_TURBOJPEG
#include <turbojpeg.h>
#endif

namespace fb::data {

namespace {
#ifdef FB_HAVE_TURBOJPEG
std::atomic<int> g_jpeg_decoder{int(JpegDecoder::Turbo)};

// One decompressor per thread (a tjhandle is not shareable between threads).
struct TurboHandle {
  tjhandle h = tjInitDecompress();
  ~TurboHandle() {
    if (h) tjDestroy(h);
  }
};

// Decodes with libjpeg-turbo; false (the caller then uses stb_image) for
// anything it reports as an error or a warning (damaged data, CMYK), so the
// two paths accept and refuse the same files.
bool turbo_decode(const unsigned char* b, size_t n, int want, Image8* out) {
  thread_local TurboHandle t;
  if (!t.h || n > size_t(ULONG_MAX)) return false;
  int w = 0, h = 0, sub = 0, cs = 0;
  if (tjDecompressHeader3(t.h, b, (unsigned long)n, &w, &h, &sub, &cs) != 0) return false;
  if (w <= 0 || h <= 0 || int64_t(w) * h > kMaxImagePixels) return false;
  if (cs == TJCS_CMYK || cs == TJCS_YCCK) return false;
  const int ch = want ? want : (cs == TJCS_GRAY ? 1 : 3);
  if (ch != 1 && ch != 3) return false;  // 2 / 4 channels: stb_image's conversions
  Image8 im;
  im.reset(w, h, ch);
  const int flags = TJFLAG_STOPONWARNING;
  if (tjDecompress2(t.h, b, (unsigned long)n, im.px.data(), w, 0, h, ch == 1 ? TJPF_GRAY : TJPF_RGB, flags) != 0)
    return false;
  *out = std::move(im);
  return true;
}
#else
std::atomic<int> g_jpeg_decoder{int(JpegDecoder::Stb)};
#endif
}  // namespace

bool turbojpeg_available() {
#ifdef FB_HAVE_TURBOJPEG
  return true;
#else
  return false;
#endif
}

void set_jpeg_decoder(JpegDecoder d) {
  FB_CHECK(d == JpegDecoder::Stb || turbojpeg_available(), "JPEG decoder: facebench was built without libjpeg-turbo");
  g_jpeg_decoder.store(int(d));
}

JpegDecoder jpeg_decoder() { return JpegDecoder(g_jpeg_decoder.load()); }

namespace {
Image8 adopt(unsigned char* p, int w, int h, int file_channels, int want, const std::string& name) {
  if (!p) FB_FAIL("cannot decode image '", name, "': ", stbi_failure_reason() ? stbi_failure_reason() : "unknown error");
  std::unique_ptr<unsigned char, void (*)(void*)> guard(p, stbi_image_free);
  // stb accepts a PGM/PPM header that gives a side of 0.
  if (w <= 0 || h <= 0) FB_FAIL("cannot decode image '", name, "': it is ", w, " x ", h, " pixels (empty)");
  Image8 im;
  im.width = w;
  im.height = h;
  im.channels = want ? want : file_channels;
  im.px.assign(p, p + size_t(w) * h * im.channels);
  return im;
}
// stb takes data for a JPEG when it starts with a start-of-image marker,
// which (like every marker) may follow any number of 0xFF fill bytes.
bool is_jpeg(const unsigned char* b, size_t n) {
  size_t i = 0;
  while (i < n && b[i] == 0xFF) ++i;
  return i >= 1 && i < n && b[i] == 0xD8;
}

// stb_image decodes a JPEG whose entropy-coded data stops early without an
// error (the missing blocks come out grey), so a truncated download would pass
// as a valid picture. A complete JPEG ends its last scan with an EOI marker
// (FF D9). Inside entropy-coded data 0xFF is always stuffed (FF 00) or a
// restart marker, so a start-of-scan marker (FF DA) never appears by chance:
// the last FF DA in the file starts the final scan (an EXIF thumbnail's scans
// come earlier), and an EOI must follow it.
bool jpeg_is_complete(const unsigned char* b, size_t n) {
  size_t last_sos = 0;
  for (size_t i = 2; i + 1 < n; ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xDA) last_sos = i;
  if (last_sos == 0) return false;
  for (size_t i = last_sos + 2; i + 1 < n; ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
  return false;
}

// stb_image 2.27 builds a Huffman table from its 16 code-length counts into a
// 257-entry array without checking that the counts add up to at most 256, so
// a DHT segment with larger counts writes past the table. The segments stb
// will read are found by walking the file as it does (marker, length, payload;
// after a start of scan, the entropy-coded data up to the next marker that is
// neither stuffing nor a restart), and each table is checked as stb reads it.
// Like stb, the walk skips bytes that are not a marker where one should start
// (stb does so before the frame header, and refuses them after it), so it
// checks every table stb can reach, and perhaps more.
bool jpeg_huffman_tables_ok(const unsigned char* b, size_t n, std::string* why) {
  size_t i = 2;  // after SOI (with fill bytes before it, the walk passes over them and the SOI)
  while (i < n) {
    while (i < n && b[i] != 0xFF) ++i;    // junk between segments
    while (i < n && b[i] == 0xFF) ++i;    // fill bytes
    if (i >= n) return true;
    const unsigned char m = b[i++];
    if (m == 0xD9) return true;           // end of image
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // markers without a length
    if (i + 2 > n) return true;
    const size_t len = size_t(b[i]) << 8 | b[i + 1];
    if (m == 0xC4) {
      // stb's loop: remaining = length - 2; per table 1 + 16 count bytes, then the values.
      long remaining = long(len) - 2;
      size_t t = i + 2;
      while (remaining > 0) {
        if (t + 1 >= n) return true;
        int codes = 0;  // stb reads zeros past the end of the data
        for (size_t k = 1; k <= 16 && t + k < n; ++k) codes += b[t + k];
        if (codes > 256) {
          *why = "corrupt JPEG (a Huffman table lists " + std::to_string(codes) + " codes, at most 256 exist)";
          return false;
        }
        t += 17 + size_t(codes);
        remaining -= 17 + codes;
      }
    }
    if (len < 2) return true;
    i += len;
    if (m == 0xDA) {  // a scan: skip its entropy-coded data
      while (i + 1 < n && !(b[i] == 0xFF && b[i + 1] != 0x00 && b[i + 1] != 0xFF && !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)))
        ++i;
      if (i + 1 >= n) return true;
    }
  }
  return true;
}

// stb reads a binary PGM/PPM whose pixel data stops early without complaint
// (the rest comes out as zeros), so the header's size is checked here. Header:
// magic P5/P6, width, height, maxval, separated by whitespace or #-comments,
// then one whitespace byte and width*height*channels samples (2 bytes each when
// maxval > 255).
bool pnm_size_ok(const unsigned char* b, size_t n, std::string* why, bool* sixteen_bit) {
  size_t i = 2;
  long long v[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    for (;;) {
      while (i < n && std::isspace(b[i])) ++i;
      if (i < n && b[i] == '#') {
        while (i < n && b[i] != '\n') ++i;
        continue;
      }
      break;
    }
    if (i >= n || !std::isdigit(b[i])) {
      *why = "malformed PNM header";
      return false;
    }
    while (i < n && std::isdigit(b[i]) && v[k] < (1ll << 40)) v[k] = v[k] * 10 + (b[i++] - '0');
    // stb reads these into an int (and overflows it).
    if (v[k] > INT32_MAX) {
      *why = "PGM/PPM header value " + std::to_string(v[k]) + (v[k] >= (1ll << 40) ? "..." : "") + " too large";
      return false;
    }
  }
  ++i;  // the single whitespace byte before the samples
  const long long ch = b[1] == '6' ? 3 : 1, bytes = v[2] > 255 ? 2 : 1;
  *sixteen_bit = bytes == 2;
  // Each value is below 2^44, so the product needs 128 bits.
  const unsigned __int128 need = static_cast<unsigned __int128>(v[0]) * v[1] * ch * bytes;
  if (n < i || n - i < need) {
    *why = "truncated PGM/PPM (" + std::to_string(n < i ? 0 : n - i) + " of " +
           (need > (unsigned __int128)(1ull << 62) ? std::string("more than 2^62") : std::to_string((long long)need)) +
           " pixel bytes)";
    return false;
  }
  return true;
}

// What stb would misread, or be harmed by, in a file it otherwise takes:
// the reason to refuse it, "" when there is none. Decoding and probing both ask.
std::string refusal(const unsigned char* b, size_t n) {
  std::string why;
  if (n > size_t(INT32_MAX)) return "file larger than 2 GB";  // stb takes the size as an int
  if (is_jpeg(b, n) && !jpeg_is_complete(b, n)) return "truncated JPEG (no end-of-image marker after the last scan)";
  if (is_jpeg(b, n) && !jpeg_huffman_tables_ok(b, n, &why)) return why;
  if (n >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6')) {
    bool sixteen_bit = false;
    if (!pnm_size_ok(b, n, &why, &sixteen_bit)) return why;
    // stb_image 2.27 reads 16-bit samples in the host's byte order (PNM's is big-endian) and converts
    // their channels with its 8-bit routine, reading past the end of its buffer: refused, not misread.
    if (sixteen_bit) return "16-bit PGM/PPM (maxval above 255) is not supported";
  }
  // BMP: the header states the file size; a shorter file is truncated.
  if (n >= 6 && b[0] == 'B' && b[1] == 'M') {
    const size_t declared = size_t(b[2]) | size_t(b[3]) << 8 | size_t(b[4]) << 16 | size_t(b[5]) << 24;
    if (declared > n) return "truncated BMP (" + std::to_string(n) + " of " + std::to_string(declared) + " bytes)";
  }
  return "";
}

void check_channels(int c) { FB_CHECK(c == 0 || c == 1 || c == 3, "decode: channels must be 0, 1 or 3, got ", c); }

}  // namespace

std::string read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) FB_FAIL("cannot read '", path, "': no such file or not readable");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Image8 decode_image_memory(const void* bytes, size_t n, const std::string& name, int channels) {
  check_channels(channels);
  FB_CHECK(n > 0, "cannot decode image '", name, "': file is empty");
  const auto* b = static_cast<const unsigned char*>(bytes);
  const std::string why = refusal(b, n);
  if (!why.empty()) FB_FAIL("cannot decode image '", name, "': ", why);
  int w = 0, h = 0, c = 0;
  // The header's size is checked before stb allocates for it: a few bytes can claim a huge picture.
  if (stbi_info_from_memory(static_cast<const stbi_uc*>(bytes), int(n), &w, &h, &c) &&
      int64_t(w) * int64_t(h) > kMaxImagePixels)
    FB_FAIL("cannot decode image '", name, "': its header claims ", w, " x ", h, " pixels, more than the ",
            kMaxImagePixels, " accepted");
#ifdef FB_HAVE_TURBOJPEG
  if (is_jpeg(b, n) && jpeg_decoder() == JpegDecoder::Turbo) {
    Image8 im;
    if (turbo_decode(b, n, channels, &im)) return im;
  }
#endif
  unsigned char* p = stbi_load_from_memory(static_cast<const stbi_uc*>(bytes), int(n), &w, &h, &c, channels);
  return adopt(p, w, h, c, channels, name);
}

Image8 decode_image_file(const std::string& path, int channels) {
  std::string bytes = read_file_bytes(path);
  return decode_image_memory(bytes.data(), bytes.size(), path, channels);
}

bool probe_image_file(const std::string& path, int* width, int* height, int* channels) {
  // stb's header parse reads a JPEG's Huffman tables and a PGM/PPM's header values
  // (into an int): what decoding refuses is refused here too.
  std::string bytes;
  try {
    bytes = read_file_bytes(path);
  } catch (const fb::Error&) {
    return false;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!refusal(b, bytes.size()).empty()) return false;
  return stbi_info_from_memory(b, int(bytes.size()), width, height, channels) != 0;
}

namespace {
void append(void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(n)); }
void check_writable(const Image8& im, const std::string& what) {
  FB_CHECK(im.width > 0 && im.height > 0 && (im.channels >= 1 && im.channels <= 4) &&
               im.px.size() == size_t(im.width) * im.height * im.channels,
           what, ": image is empty or inconsistent (", im.width, "x", im.height, "x", im.channels, ")");
}
}  // namespace

std::string encode_jpeg(const Image8& im, int quality) {
  check_writable(im, "encode_jpeg");
  std::string out;
  if (!stbi_write_jpg_to_func(append, &out, im.width, im.height, im.channels, im.px.data(), quality))
    FB_FAIL("encode_jpeg: encoder failed");
  return out;
}

void write_jpeg(const std::string& path, const Image8& im, int quality) {
  std::string bytes = encode_jpeg(im, quality);
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  if (!f) FB_FAIL("cannot write '", path, "'");
}

void write_png(const std::string& path, const Image8& im) {
  check_writable(im, "write_png '" + path + "'");
  if (!stbi_write_png(path.c_str(), im.width, im.height, im.channels, im.px.data(), im.width * im.channels))
    FB_FAIL("cannot write '", path, "'");
}

}  // namespace fb::data
