#pragma once
// A PNG encoder for label masks (8-bit grey): each row "sub"-filtered, then
// deflated with fixed Huffman codes and greedy matches against two places
// only: the previous byte (runs) and the same place one row up. A parsing mask
// is a few flat regions, so after the sub filter a row is mostly zero runs and
// much like the row above: this compresses masks about as well as a general
// deflate at a fraction of the time (the general encoder was the largest cost
// of writing a synthetic data set after rendering itself). Any PNG reader
// decodes the result; it is not meant for photographs.
#include <cstdint>
#include <string>

namespace fb::synth {

// The complete PNG file (signature, IHDR, one IDAT, IEND) for a width x height
// 8-bit greyscale image stored row by row in `pixels`.
std::string encode_png_gray8(const uint8_t* pixels, int width, int height);

}  // namespace fb::synth
