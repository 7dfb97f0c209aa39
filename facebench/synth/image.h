#pragma once
// Minimal image containers of the renderer (no dependency on the runtime's tensors).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fb::synth {

// Float RGB, row-major, interleaved, values nominally in [0, 1].
struct ImageF {
  int width = 0, height = 0;
  std::vector<float> rgb;
  void reset(int w, int h) { width = w; height = h; rgb.assign(size_t(w) * h * 3, 0.0f); }
  float* at(int x, int y) { return &rgb[(size_t(y) * width + x) * 3]; }
};

// 8-bit RGB, row-major, interleaved (what is written to disk).
struct Image8 {
  int width = 0, height = 0, channels = 3;
  std::vector<uint8_t> data;
};

Image8 to_image8(const ImageF& im);

}  // namespace fb::synth
