// The libjpeg-turbo JPEG path against stb_image: same sizes and channel
// counts, pixels within decoder tolerance, the same refusals.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "facebench/data/image.h"
#include "tensor/error.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

namespace {
struct DecoderGuard {
  JpegDecoder saved = jpeg_decoder();
  ~DecoderGuard() { set_jpeg_decoder(saved); }
};

Image8 decode_with(JpegDecoder d, const std::string& bytes, int channels) {
  set_jpeg_decoder(d);
  return decode_image_memory(bytes.data(), bytes.size(), "test.jpg", channels);
}
}  // namespace

TEST_CASE("JPEG: libjpeg-turbo decodes as stb_image does within decoder tolerance") {
  DecoderGuard guard;
  if (!turbojpeg_available()) {
    CHECK(jpeg_decoder() == JpegDecoder::Stb);
    CHECK_THROWS_WITH(set_jpeg_decoder(JpegDecoder::Turbo), doctest::Contains("without libjpeg-turbo"));
    return;
  }
  CHECK(guard.saved == JpegDecoder::Turbo);  // chosen at build time
  std::vector<std::pair<std::string, std::string>> files;
  for (int q : {95, 75, 40}) files.emplace_back("pattern q" + std::to_string(q), encode_jpeg(fbt::pattern(61, 47, q), q));
  // Written by another encoder (Pillow): baseline RGB and progressive grayscale.
  for (const char* f : {"rgb.jpg", "gray_progressive.jpg"})
    files.emplace_back(f, read_file_bytes((fs::path(FB_TEST_DATA_DIR) / "fuzz" / "corpus" / "image" / f).string()));
  for (const auto& file : files)
    for (int channels : {0, 1, 3}) {
      const std::string& what = file.first;
      const std::string& bytes = file.second;
      CAPTURE(what);
      CAPTURE(channels);
      Image8 s = decode_with(JpegDecoder::Stb, bytes, channels);
      Image8 t = decode_with(JpegDecoder::Turbo, bytes, channels);
      REQUIRE(t.width == s.width);
      REQUIRE(t.height == s.height);
      REQUIRE(t.channels == s.channels);
      REQUIRE(t.px.size() == s.px.size());
      int worst = 0;
      double sum = 0;
      for (size_t i = 0; i < s.px.size(); ++i) {
        const int d = std::abs(int(s.px[i]) - int(t.px[i]));
        worst = std::max(worst, d);
        sum += d;
      }
      // IDCT and chroma upsampling differ in rounding; grey from colour is
      // stb's RGB weighting vs the JPEG's own luma plane.
      CHECK(worst <= 12);
      CHECK(sum / double(s.px.size()) <= 1.5);
    }
}

TEST_CASE("JPEG: both decoders refuse and accept the same damaged files") {
  DecoderGuard guard;
  if (!turbojpeg_available()) return;
  const std::string good = encode_jpeg(fbt::pattern(40, 30, 5), 90);
  // Truncated: refused before either decoder runs.
  const std::string cut = good.substr(0, good.size() / 2);
  for (JpegDecoder d : {JpegDecoder::Stb, JpegDecoder::Turbo}) {
    set_jpeg_decoder(d);
    CHECK_THROWS_WITH(decode_image_memory(cut.data(), cut.size(), "cut.jpg", 3), doctest::Contains("truncated JPEG"));
  }
  // Damaged entropy-coded data: libjpeg-turbo warns, so stb_image decides; the results are identical.
  std::string bad = good;
  for (size_t i = bad.size() / 2; i < bad.size() / 2 + 16; ++i) bad[i] = char(0x5A);
  bool stb_ok = true, turbo_ok = true;
  Image8 a, b;
  try {
    a = decode_with(JpegDecoder::Stb, bad, 3);
  } catch (const fb::Error&) {
    stb_ok = false;
  }
  try {
    b = decode_with(JpegDecoder::Turbo, bad, 3);
  } catch (const fb::Error&) {
    turbo_ok = false;
  }
  CHECK(stb_ok == turbo_ok);
  CHECK(a.px == b.px);
}

// stb_image 2.27 writes past its Huffman table when a DHT segment's 16 code
// counts add up to more than 256; such files are refused before stb reads them,
// by the decoder and by the header probe alike.
TEST_CASE("JPEG: a Huffman table that lists more than 256 codes is refused") {
  DecoderGuard guard;
  const std::string good = encode_jpeg(fbt::pattern(33, 21, 3), 90);
  size_t dht = good.find("\xFF\xC4");
  REQUIRE(dht != std::string::npos);
  // The first table's counts start after marker (2), length (2) and class/id (1).
  std::string bad = good;
  for (int k = 0; k < 16; ++k) bad[dht + 5 + size_t(k)] = char(0x20);  // 16 x 32 = 512 codes
  const auto dir = fbt::scratch("jpeg_dht");
  fbt::write_text(dir / "bad.jpg", bad);
  fbt::write_text(dir / "good.jpg", good);
  for (JpegDecoder d : {JpegDecoder::Stb, JpegDecoder::Turbo}) {
    if (d == JpegDecoder::Turbo && !turbojpeg_available()) continue;
    set_jpeg_decoder(d);
    CHECK_THROWS_WITH(decode_image_memory(bad.data(), bad.size(), "bad.jpg", 3),
                      doctest::Contains("Huffman table lists 512 codes"));
    // stb also takes a start-of-image marker after fill bytes.
    const std::string filled = "\xFF\xFF" + bad;
    CHECK_THROWS_WITH(decode_image_memory(filled.data(), filled.size(), "filled.jpg", 3),
                      doctest::Contains("Huffman table lists 512 codes"));
    Image8 im = decode_image_memory(good.data(), good.size(), "good.jpg", 3);
    CHECK(im.width == 33);
    CHECK(im.height == 21);
  }
  // A progressive JPEG defines tables between its scans: the last one, after four scans, is found too.
  const std::string prog =
      read_file_bytes((fs::path(FB_TEST_DATA_DIR) / "fuzz" / "corpus" / "image" / "gray_progressive.jpg").string());
  const size_t last_dht = prog.rfind("\xFF\xC4");
  REQUIRE(last_dht != std::string::npos);
  REQUIRE(prog.find("\xFF\xDA") < last_dht);
  CHECK(decode_image_memory(prog.data(), prog.size(), "prog.jpg", 0).width > 0);
  std::string prog_bad = prog;
  for (int k = 0; k < 16; ++k) prog_bad[last_dht + 5 + size_t(k)] = char(0x11);  // 16 x 17 = 272 codes
  CHECK_THROWS_WITH(decode_image_memory(prog_bad.data(), prog_bad.size(), "prog_bad.jpg", 0),
                    doctest::Contains("Huffman table lists 272 codes"));
  // Counts cut off by the end of the file (stb reads zeros for the rest), the
  // last two being the end-of-image marker: 7 x 64 + 0xFF + 0xD9 = 920 codes.
  const std::string cut = prog.substr(0, last_dht + 5) + std::string(7, char(0x40)) + "\xFF\xD9";
  CHECK_THROWS_WITH(decode_image_memory(cut.data(), cut.size(), "cut.jpg", 0), doctest::Contains("920 codes"));
  int w = 0, h = 0, c = 0;
  CHECK_FALSE(probe_image_file((dir / "bad.jpg").string(), &w, &h, &c));
  REQUIRE(probe_image_file((dir / "good.jpg").string(), &w, &h, &c));
  CHECK(w == 33);
  CHECK(h == 21);
  CHECK(c == 3);
}
