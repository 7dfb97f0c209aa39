#pragma once
// A small RGB raster for the report's charts and overlay sheets: pixels,
// thick lines, filled shapes, markers and text in the 5x9 bitmap font.
// Drawing outside the canvas is clipped, never an error.
#include <cstdint>
#include <string>

#include "facebench/data/image.h"

namespace fb::report {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

enum class Marker { Circle, Square, Diamond, Triangle, Cross };

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = {255, 255, 255});

  int width() const { return image_.width; }
  int height() const { return image_.height; }
  const data::Image8& image() const { return image_; }

  void set(int x, int y, Rgb c);
  Rgb get(int x, int y) const;  // requires a pixel inside the canvas

  // Half-open rectangle [x0, x1) x [y0, y1).
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);
  void stroke_rect(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);
  // Straight line with a square pen `thickness` pixels wide; dashed when dash > 0
  // (dash pixels on, dash pixels off, counted along the major axis).
  void line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1, int dash = 0);
  void disc(int cx, int cy, int radius, Rgb c);
  // A filled marker of about 2*radius+1 pixels centred at (cx, cy).
  void marker(int cx, int cy, Marker shape, int radius, Rgb c);

  // Text with its top-left corner at (x, y), each font pixel drawn as scale x scale.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 2);
  // Text turned 90 degrees anticlockwise (reads bottom to top); (x, y) is the
  // top-left corner of the turned text's bounding box.
  void text_vertical(int x, int y, const std::string& s, Rgb c, int scale = 2);
  static int text_width(const std::string& s, int scale = 2);
  static int text_height(int scale = 2);

  // Pastes `src` (1 or 3 channels) resized by `zoom` (bilinear) with its
  // top-left corner at (x, y).
  void paste(const data::Image8& src, int x, int y, double zoom);

 private:
  data::Image8 image_;
};

}  // namespace fb::report
