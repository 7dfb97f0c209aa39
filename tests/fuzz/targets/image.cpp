// Fuzz target: image decoding (stb_image behind the truncation checks of
// facebench/data/image.cpp): JPEG, PNG, PGM/PPM, BMP and whatever else stb
// recognises. The channel count asked for comes from the input's length, so
// the conversions to gray and RGB are exercised as well as the file's own.
#include "facebench/data/image.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int kChannels[3] = {0, 1, 3};
  const int channels = kChannels[size % 3];
  try {
    fb::data::Image8 im = fb::data::decode_image_memory(data, size, "fuzz", channels);
    FBFUZZ_REQUIRE(im.width > 0 && im.height > 0 && im.px.size() == size_t(im.width) * im.height * im.channels,
             "decode returned an inconsistent image");
    fbfuzz::keep(im.px.empty() ? 0 : im.px.back());
  } catch (const fb::Error&) {
  }
  return 0;
}
