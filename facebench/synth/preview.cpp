#include "facebench/synth/preview.h"

#include <stb_image_write.h>

#include <cmath>
#include <stdexcept>

namespace fb::synth {

namespace {
const uint8_t kClassColours[kNumParsingClasses][3] = {
    {0, 0, 0},     {230, 180, 150}, {120, 60, 20},  {160, 90, 40},   {0, 120, 255}, {0, 200, 255},
    {255, 220, 0}, {220, 40, 60},   {90, 0, 30},    {255, 90, 120},  {90, 60, 160}, {40, 220, 90}};

void dot(Image8& im, int cx, int cy, int r, const uint8_t* c) {
  for (int y = cy - r; y <= cy + r; ++y)
    for (int x = cx - r; x <= cx + r; ++x) {
      if (x < 0 || y < 0 || x >= im.width || y >= im.height) continue;
      uint8_t* p = &im.data[(size_t(y) * im.width + x) * 3];
      p[0] = c[0];
      p[1] = c[1];
      p[2] = c[2];
    }
}
}  // namespace

Image8 contact_sheet(const std::vector<Sample>& samples, int cols, int scale, bool parsing) {
  if (samples.empty()) throw std::invalid_argument("contact sheet: no samples");
  const int S = samples[0].image.width, T = S * scale, pad = 2;
  const int rows = int((samples.size() + size_t(cols) - 1) / size_t(cols));
  Image8 sheet;
  sheet.width = cols * (T + pad) + pad;
  sheet.height = rows * (T + pad) + pad;
  sheet.data.assign(size_t(sheet.width) * sheet.height * 3, 40);
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    int ox = pad + int(i % size_t(cols)) * (T + pad), oy = pad + int(i / size_t(cols)) * (T + pad);
    for (int y = 0; y < T; ++y)
      for (int x = 0; x < T; ++x) {
        size_t src = size_t(y / scale) * S + size_t(x / scale);
        uint8_t* d = &sheet.data[(size_t(oy + y) * sheet.width + ox + x) * 3];
        const uint8_t* c = &s.image.data[src * 3];
        if (parsing) {
          const uint8_t* k = kClassColours[s.parsing[src] % kNumParsingClasses];
          for (int ch = 0; ch < 3; ++ch) d[ch] = uint8_t((c[ch] + 3 * k[ch]) / 4);
        } else {
          d[0] = c[0];
          d[1] = c[1];
          d[2] = c[2];
        }
      }
    if (!s.has_face || parsing) continue;
    static const uint8_t green[3] = {40, 255, 60}, red[3] = {255, 40, 40};
    for (int k = 0; k < kNumLandmarks; ++k) {
      float x = (s.landmarks[k].x + 0.5f) * float(scale) - 0.5f, y = (s.landmarks[k].y + 0.5f) * float(scale) - 0.5f;
      if (x < 0 || y < 0 || x >= T || y >= T) continue;
      dot(sheet, ox + int(std::lround(x)), oy + int(std::lround(y)), scale > 1 ? 1 : 0, s.visible[k] ? green : red);
    }
  }
  return sheet;
}

void write_png(const std::string& path, const Image8& im) {
  if (!stbi_write_png(path.c_str(), im.width, im.height, im.channels, im.data.data(), im.width * im.channels))
    throw std::runtime_error("cannot write PNG '" + path + "'");
}

}  // namespace fb::synth
