// The chart renderer: ticks, font, and what ends up in the pixels.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "facebench/report/canvas.h"
#include "facebench/report/font.h"
#include "facebench/report/plot.h"
#include "tensor/error.h"

using namespace fb::report;

namespace {

size_t count_color(const fb::data::Image8& im, Rgb c) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < im.px.size(); i += 3)
    n += im.px[i] == c.r && im.px[i + 1] == c.g && im.px[i + 2] == c.b;
  return n;
}

// Bounding box of the pixels of colour `c` left of column `max_x`.
struct Box {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};
Box box_of(const fb::data::Image8& im, Rgb c, int max_x = 1 << 30) {
  Box b;
  for (int y = 0; y < im.height; ++y)
    for (int x = 0; x < std::min(im.width, max_x); ++x) {
      const uint8_t* p = im.row(y) + size_t(x) * 3;
      if (p[0] == c.r && p[1] == c.g && p[2] == c.b)
        b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
    }
  return b;
}

}  // namespace

TEST_CASE("linear ticks are round numbers covering the range") {
  const auto t = linear_ticks(0.13, 0.87);
  REQUIRE(t.size() >= 4);
  CHECK(t.front() >= 0.13);
  CHECK(t.back() <= 0.87);
  CHECK(tick_label(t[1] - t[0]) == "0.1");
  CHECK(tick_label(0.30000000000000004) == "0.3");
  const auto z = linear_ticks(-1.0, 1.0);
  CHECK(std::find(z.begin(), z.end(), 0.0) != z.end());
  CHECK_THROWS_AS(linear_ticks(1, 1), fb::Error);
}

TEST_CASE("log ticks are 1 2 5 steps inside the range") {
  CHECK(log_ticks(0.8, 120) == std::vector<double>{1, 2, 5, 10, 20, 50, 100});
  // Wide ranges keep decades only.
  CHECK(log_ticks(1e-3, 1e5).size() == 9);
  // Narrow range without a 1-2-5 value inside falls back to linear ticks.
  CHECK(log_ticks(3, 4).size() >= 2);
  CHECK_THROWS_AS(log_ticks(0, 10), fb::Error);
}

TEST_CASE("every printable character has a glyph and text is measured in scaled pixels") {
  for (char c = 33; c < 127; ++c) {
    const auto& g = font::glyph(c);
    int ink = 0;
    for (auto row : g) ink += row != 0;
    CHECK_MESSAGE(ink > 0, "glyph without ink: ", c);
  }
  for (auto row : font::glyph(' ')) CHECK(row == 0);
  CHECK(Canvas::text_width("ab", 2) == (2 * 6 - 1) * 2);
  CHECK(Canvas::text_height(3) == 27);

  Canvas c(100, 40);
  c.text(3, 5, "Hg", {0, 0, 0}, 2);
  const Box b = box_of(c.image(), {0, 0, 0});
  CHECK(b.x0 == 3);
  CHECK(b.y0 == 5);
  CHECK(b.x1 <= 3 + Canvas::text_width("Hg", 2) - 1);
  CHECK(b.y1 == 5 + 2 * 9 - 1);  // g's descender reaches the bottom row

  Canvas v(40, 100);
  v.text_vertical(5, 3, "Hg", {0, 0, 0}, 2);
  const Box bv = box_of(v.image(), {0, 0, 0});
  CHECK(bv.x0 >= 5);
  CHECK(bv.x1 <= 5 + 18 - 1);
  CHECK(bv.y0 >= 3);
  CHECK(bv.y1 == 3 + Canvas::text_width("Hg", 2) - 1);  // the first character sits at the bottom
}

TEST_CASE("a chart draws each series in its colour at the right place") {
  LineChart chart;
  chart.title = "test chart";
  chart.x_label = "fraction (%)";
  chart.y_label = "accuracy (%)";
  chart.log_x = true;
  chart.series.push_back({"rising", {1, 10, 100}, {10, 50, 90}, {1, 2, 3}});
  chart.series.push_back({"flat", {1, 10, 100}, {30, 30, 30}, {}});
  const auto im = render_line_chart(chart);
  CHECK(im.width == 960);
  CHECK(im.height == 600);
  CHECK(im.channels == 3);
  const size_t first = count_color(im, series_color(0)), second = count_color(im, series_color(1));
  CHECK(first > 500);
  CHECK(second > 500);
  // In the plot area (left of the legend) the rising series spans much more
  // height than the flat one.
  const Box a = box_of(im, series_color(0), 700), b = box_of(im, series_color(1), 700);
  CHECK(a.y1 - a.y0 > 5 * (b.y1 - b.y0));
  CHECK(count_color(im, {255, 255, 255}) > size_t(im.width) * im.height / 2);
}

TEST_CASE("points without a finite value are skipped and bad charts are refused") {
  LineChart chart;
  chart.series.push_back({"gap", {1, 2, 3}, {1, NAN, 3}, {}});
  CHECK_NOTHROW(render_line_chart(chart));

  LineChart empty;
  CHECK_THROWS_WITH_AS(render_line_chart(empty), doctest::Contains("no series"), fb::Error);
  LineChart all_nan;
  all_nan.series.push_back({"x", {1}, {NAN}, {}});
  CHECK_THROWS_WITH_AS(render_line_chart(all_nan), doctest::Contains("no series has a finite point"), fb::Error);
  LineChart mismatch;
  mismatch.series.push_back({"m", {1, 2}, {1}, {}});
  CHECK_THROWS_WITH_AS(render_line_chart(mismatch), doctest::Contains("series 'm'"), fb::Error);
  LineChart log_zero;
  log_zero.log_x = true;
  log_zero.series.push_back({"z", {0, 1}, {1, 2}, {}});
  CHECK_THROWS_WITH_AS(render_line_chart(log_zero), doctest::Contains("log axis"), fb::Error);
  LineChart tiny;
  tiny.width = 100;
  tiny.height = 80;
  tiny.series.push_back({"t", {1}, {1}, {}});
  CHECK_THROWS_WITH_AS(render_line_chart(tiny), doctest::Contains("too small"), fb::Error);
}

TEST_CASE("given x ticks replace the automatic ones") {
  LineChart chart;
  chart.log_x = true;
  chart.x_ticks = {25, 100, 1000};  // 1000 is outside the data range and is dropped
  chart.series.push_back({"s", {25, 100}, {1, 2}, {}});
  const auto with_ticks = render_line_chart(chart);
  chart.x_ticks.clear();
  const auto automatic = render_line_chart(chart);
  // Automatic ticks on [25, 100] are 50 and 100: a "25" label only appears with given ticks.
  CHECK(with_ticks.px != automatic.px);
  chart.x_ticks = {-1};
  CHECK_THROWS_WITH_AS(render_line_chart(chart), doctest::Contains("bad x tick"), fb::Error);
}
