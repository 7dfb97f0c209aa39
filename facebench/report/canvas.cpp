#include "facebench/report/canvas.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "facebench/report/font.h"
#include "tensor/error.h"

namespace fb::report {

Canvas::Canvas(int width, int height, Rgb background) {
  FB_CHECK(width > 0 && height > 0 && width <= 16384 && height <= 16384, "canvas: size ", width, "x", height,
           " is not in 1..16384");
  image_.reset(width, height, 3);
  fill_rect(0, 0, width, height, background);
}

void Canvas::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
  uint8_t* p = image_.row(y) + size_t(x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

Rgb Canvas::get(int x, int y) const {
  FB_CHECK(x >= 0 && y >= 0 && x < image_.width && y < image_.height, "canvas: pixel (", x, ", ", y,
           ") is outside ", image_.width, "x", image_.height);
  const uint8_t* p = image_.row(y) + size_t(x) * 3;
  return {p[0], p[1], p[2]};
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, image_.width), y1 = std::min(y1, image_.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) set(x, y, c);
}

void Canvas::stroke_rect(int x0, int y0, int x1, int y1, Rgb c, int thickness) {
  fill_rect(x0, y0, x1, y0 + thickness, c);
  fill_rect(x0, y1 - thickness, x1, y1, c);
  fill_rect(x0, y0, x0 + thickness, y1, c);
  fill_rect(x1 - thickness, y0, x1, y1, c);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb c, int thickness, int dash) {
  // Bresenham; the pen is a thickness x thickness square centred on the path.
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  const int lo = -(thickness - 1) / 2, hi = thickness / 2;
  int err = dx + dy;
  for (int step = 0;; ++step) {
    if (dash <= 0 || (step / dash) % 2 == 0)
      for (int v = lo; v <= hi; ++v)
        for (int u = lo; u <= hi; ++u) set(x0 + u, y0 + v, c);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

void Canvas::disc(int cx, int cy, int radius, Rgb c) {
  // The +radius slack rounds the boundary so small discs are not square-ish or spiky.
  const int r2 = radius * radius + radius;
  for (int y = -radius; y <= radius; ++y)
    for (int x = -radius; x <= radius; ++x)
      if (x * x + y * y <= r2) set(cx + x, cy + y, c);
}

void Canvas::marker(int cx, int cy, Marker shape, int r, Rgb c) {
  switch (shape) {
    case Marker::Circle:
      disc(cx, cy, r, c);
      break;
    case Marker::Square:
      fill_rect(cx - r, cy - r, cx + r + 1, cy + r + 1, c);
      break;
    case Marker::Diamond:
      for (int y = -r - 1; y <= r + 1; ++y)
        for (int x = -r - 1; x <= r + 1; ++x)
          if (std::abs(x) + std::abs(y) <= r + 1) set(cx + x, cy + y, c);
      break;
    case Marker::Triangle:
      // Apex up; each row's half-width grows linearly from the apex to the base.
      for (int y = -r - 1; y <= r; ++y) {
        const int half = (y + r + 1) * (r + 1) / (2 * r + 1);
        for (int x = -half; x <= half; ++x) set(cx + x, cy + y, c);
      }
      break;
    case Marker::Cross:
      line(cx - r, cy - r, cx + r, cy + r, c, 2);
      line(cx - r, cy + r, cx + r, cy - r, c, 2);
      break;
  }
}

int Canvas::text_width(const std::string& s, int scale) {
  if (s.empty()) return 0;
  return (int(s.size()) * font::kAdvance - 1) * scale;
}

int Canvas::text_height(int scale) { return font::kGlyphHeight * scale; }

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto& rows = font::glyph(s[i]);
    const int gx = x + int(i) * font::kAdvance * scale;
    for (int row = 0; row < font::kGlyphHeight; ++row)
      for (int col = 0; col < font::kGlyphWidth; ++col)
        if (rows[row] & (1u << (font::kGlyphWidth - 1 - col)))
          fill_rect(gx + col * scale, y + row * scale, gx + (col + 1) * scale, y + (row + 1) * scale, c);
  }
}

void Canvas::text_vertical(int x, int y, const std::string& s, Rgb c, int scale) {
  // Turning anticlockwise maps the glyph's (col, row) to (row, -col): the first
  // character sits at the bottom of the box and the text climbs upwards.
  const int length = text_width(s, scale);
  for (size_t i = 0; i < s.size(); ++i) {
    const auto& rows = font::glyph(s[i]);
    const int along = int(i) * font::kAdvance * scale;
    for (int row = 0; row < font::kGlyphHeight; ++row)
      for (int col = 0; col < font::kGlyphWidth; ++col)
        if (rows[row] & (1u << (font::kGlyphWidth - 1 - col))) {
          const int px = x + row * scale;
          const int py = y + length - along - (col + 1) * scale;
          fill_rect(px, py, px + scale, py + scale, c);
        }
  }
}

void Canvas::paste(const data::Image8& src, int x, int y, double zoom) {
  FB_CHECK(src.channels == 1 || src.channels == 3, "canvas: can only paste 1- or 3-channel images, got ",
           src.channels, " channels");
  FB_CHECK(src.width > 0 && src.height > 0 && src.px.size() == size_t(src.width) * src.height * src.channels,
           "canvas: image to paste is empty or its pixel buffer does not match ", src.width, "x", src.height);
  FB_CHECK(zoom > 0 && std::isfinite(zoom), "canvas: zoom must be positive, got ", zoom);
  const int w = std::max(1, int(std::lround(src.width * zoom)));
  const int h = std::max(1, int(std::lround(src.height * zoom)));
  for (int oy = 0; oy < h; ++oy) {
    // Pixel centres map to pixel centres; clamp at the border.
    const double sy = std::clamp((oy + 0.5) / zoom - 0.5, 0.0, double(src.height - 1));
    const int y0 = int(sy), y1 = std::min(y0 + 1, src.height - 1);
    const double fy = sy - y0;
    for (int ox = 0; ox < w; ++ox) {
      const double sx = std::clamp((ox + 0.5) / zoom - 0.5, 0.0, double(src.width - 1));
      const int x0 = int(sx), x1 = std::min(x0 + 1, src.width - 1);
      const double fx = sx - x0;
      uint8_t out[3];
      for (int ch = 0; ch < 3; ++ch) {
        const int sc = src.channels == 1 ? 0 : ch;
        auto at = [&](int xx, int yy) { return double(src.row(yy)[size_t(xx) * src.channels + sc]); };
        const double v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) +
                         fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
        out[ch] = uint8_t(std::clamp(std::lround(v), 0L, 255L));
      }
      set(x + ox, y + oy, {out[0], out[1], out[2]});
    }
  }
}

}  // namespace fb::report
