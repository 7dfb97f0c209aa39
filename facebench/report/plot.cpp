#include "facebench/report/plot.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "tensor/error.h"

namespace fb::report {

Rgb series_color(size_t i) {
  // Tableau 10: distinguishable, and still distinct from each other in grey scale pairs.
  static const Rgb palette[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},  {214, 39, 40},
                                {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                {188, 189, 34},  {23, 190, 207}};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

Marker series_marker(size_t i) {
  // Shapes as well as colours, so curves stay apart for colour-blind readers and in print.
  static const Marker shapes[] = {Marker::Circle, Marker::Square, Marker::Diamond, Marker::Triangle};
  return shapes[i % 4];
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  FB_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo < hi && target >= 2, "plot: bad tick range [", lo, ", ",
           hi, "]");
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  std::vector<double> ticks;
  // Integer multiples of the step, so labels come out as 0.3 and not 0.30000000000000004.
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    const double v = k * step;
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  FB_CHECK(lo > 0 && lo < hi && std::isfinite(hi), "plot: bad log tick range [", lo, ", ", hi, "]");
  const int k0 = int(std::floor(std::log10(lo))), k1 = int(std::ceil(std::log10(hi)));
  // Decades only when 1-2-5 would crowd the axis.
  const bool decades_only = k1 - k0 > 4;
  std::vector<double> ticks;
  for (int k = k0; k <= k1; ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      if (decades_only && m != 1.0) continue;
      const double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push_back(v);
    }
  if (ticks.size() < 2) return linear_ticks(lo, hi, 4);
  return ticks;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

namespace {

const Rgb kInk{30, 30, 30};
const Rgb kGrid{225, 225, 225};
const Rgb kFrame{160, 160, 160};

struct Range {
  double lo, hi;
};

// Data range padded so points and error bars do not touch the frame.
Range padded(double lo, double hi, bool log_scale) {
  if (log_scale) {
    double a = std::log10(lo), b = std::log10(hi);
    if (b - a < 1e-12) a -= 0.3, b += 0.3;
    const double pad = 0.06 * (b - a);
    return {std::pow(10.0, a - pad), std::pow(10.0, b + pad)};
  }
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double half = lo == 0 ? 1.0 : 0.05 * std::abs(lo);
    return {lo - half, hi + half};
  }
  const double pad = 0.08 * (hi - lo);
  return {lo - pad, hi + pad};
}

std::string fit(const std::string& s, int max_px, int scale) {
  if (Canvas::text_width(s, scale) <= max_px) return s;
  std::string t = s;
  while (!t.empty() && Canvas::text_width(t + "...", scale) > max_px) t.pop_back();
  return t + "...";
}

}  // namespace

data::Image8 render_line_chart(const LineChart& chart) {
  FB_CHECK(!chart.series.empty(), "plot '", chart.title, "': no series to draw");
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  size_t drawable = 0;
  for (const auto& s : chart.series) {
    FB_CHECK(s.x.size() == s.y.size() && (s.error.empty() || s.error.size() == s.x.size()), "plot '",
             chart.title, "': series '", s.name, "' has ", s.x.size(), " x, ", s.y.size(), " y and ",
             s.error.size(), " error values");
    for (size_t i = 0; i < s.x.size(); ++i) {
      FB_CHECK(std::isfinite(s.x[i]), "plot '", chart.title, "': series '", s.name, "' has a non-finite x");
      FB_CHECK(!chart.log_x || s.x[i] > 0, "plot '", chart.title, "': series '", s.name, "' has x = ", s.x[i],
               " on a log axis");
      if (!std::isfinite(s.y[i])) continue;
      const double e = s.error.empty() || !std::isfinite(s.error[i]) ? 0.0 : std::abs(s.error[i]);
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i] - e), ymax = std::max(ymax, s.y[i] + e);
      ++drawable;
    }
  }
  FB_CHECK(drawable > 0, "plot '", chart.title, "': no series has a finite point");

  const Range xr = padded(xmin, xmax, chart.log_x);
  const Range yr = padded(ymin, ymax, false);
  std::vector<double> xticks;
  for (double v : chart.x_ticks) {
    FB_CHECK(std::isfinite(v) && (!chart.log_x || v > 0), "plot '", chart.title, "': bad x tick ", v);
    if (v >= xr.lo && v <= xr.hi) xticks.push_back(v);
  }
  std::sort(xticks.begin(), xticks.end());
  if (xticks.empty()) xticks = chart.log_x ? log_ticks(xr.lo, xr.hi) : linear_ticks(xr.lo, xr.hi);
  const std::vector<double> yticks = linear_ticks(yr.lo, yr.hi);

  // Layout: title on top, y label and tick labels on the left, x tick labels
  // and label below, legend to the right of the plot area.
  const int s2 = 2, th = Canvas::text_height(s2), tick = 6;
  int ytick_w = 0;
  for (double v : yticks) ytick_w = std::max(ytick_w, Canvas::text_width(tick_label(v), s2));
  int legend_w = 0;
  for (const auto& s : chart.series) legend_w = std::max(legend_w, Canvas::text_width(s.name, s2));
  legend_w = std::min(legend_w, 260) + 56;
  const int left = 16 + th + 12 + ytick_w + tick + 4;
  const int top = 16 + th + 20;
  const int right = chart.width - legend_w - 32;
  const int bottom = chart.height - (16 + th + 12 + th + tick + 6);
  FB_CHECK(right - left >= 120 && bottom - top >= 100, "plot '", chart.title, "': ", chart.width, "x",
           chart.height, " is too small for the axes and legend");

  auto px = [&](double x) {
    const double t = chart.log_x ? (std::log10(x) - std::log10(xr.lo)) / (std::log10(xr.hi) - std::log10(xr.lo))
                                 : (x - xr.lo) / (xr.hi - xr.lo);
    return left + int(std::lround(t * (right - left)));
  };
  auto py = [&](double y) { return bottom - int(std::lround((y - yr.lo) / (yr.hi - yr.lo) * (bottom - top))); };

  Canvas c(chart.width, chart.height);

  // Grid and ticks.
  int label_end = std::numeric_limits<int>::min() / 2;  // right edge of the last x label drawn
  for (double v : xticks) {
    const int x = px(v);
    c.line(x, top, x, bottom, kGrid);
    c.line(x, bottom, x, bottom + tick, kInk, 2);
    const std::string l = tick_label(v);
    const int lx = x - Canvas::text_width(l, s2) / 2;
    if (lx < label_end + 8) continue;  // would overlap its neighbour: tick without label
    c.text(lx, bottom + tick + 6, l, kInk, s2);
    label_end = lx + Canvas::text_width(l, s2);
  }
  for (double v : yticks) {
    const int y = py(v);
    c.line(left, y, right, y, kGrid);
    c.line(left - tick, y, left, y, kInk, 2);
    const std::string l = tick_label(v);
    c.text(left - tick - 4 - Canvas::text_width(l, s2), y - th / 2, l, kInk, s2);
  }
  c.stroke_rect(left, top, right + 1, bottom + 1, kFrame);
  c.line(left, top, left, bottom, kInk, 2);
  c.line(left, bottom, right, bottom, kInk, 2);

  // Series: a small horizontal offset per series keeps coinciding error bars apart.
  const int n = int(chart.series.size());
  for (int si = 0; si < n; ++si) {
    const Series& s = chart.series[size_t(si)];
    const Rgb col = series_color(size_t(si));
    const int dodge = (2 * si - (n - 1)) * 2;
    std::vector<size_t> order(s.x.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s.x[a] < s.x[b]; });
    bool have_prev = false;
    int prev_x = 0, prev_y = 0;
    for (size_t i : order) {
      if (!std::isfinite(s.y[i])) {
        have_prev = false;
        continue;
      }
      const int x = px(s.x[i]) + dodge, y = py(s.y[i]);
      if (have_prev) c.line(prev_x, prev_y, x, y, col, 3);
      have_prev = true, prev_x = x, prev_y = y;
    }
    for (size_t i : order) {
      if (!std::isfinite(s.y[i])) continue;
      const int x = px(s.x[i]) + dodge, y = py(s.y[i]);
      const double e = s.error.empty() || !std::isfinite(s.error[i]) ? 0.0 : std::abs(s.error[i]);
      if (e > 0) {
        const int y0 = py(s.y[i] - e), y1 = py(s.y[i] + e);
        c.line(x, y0, x, y1, col, 2);
        c.line(x - 5, y0, x + 5, y0, col, 2);
        c.line(x - 5, y1, x + 5, y1, col, 2);
      }
      c.marker(x, y, series_marker(size_t(si)), 5, col);
    }
  }

  // Legend.
  const int lx = right + 24;
  int ly = top + 4;
  for (int si = 0; si < n; ++si) {
    const Rgb col = series_color(size_t(si));
    const int cy = ly + th / 2;
    c.line(lx, cy, lx + 36, cy, col, 3);
    c.marker(lx + 18, cy, series_marker(size_t(si)), 5, col);
    c.text(lx + 46, ly, fit(chart.series[size_t(si)].name, legend_w - 56, s2), kInk, s2);
    ly += th + 12;
  }

  // Title and axis labels.
  const std::string title = fit(chart.title, chart.width - 32, s2);
  c.text((chart.width - Canvas::text_width(title, s2)) / 2, 16, title, kInk, s2);
  const std::string xl = fit(chart.x_label, right - left, s2);
  c.text((left + right - Canvas::text_width(xl, s2)) / 2, chart.height - 16 - th, xl, kInk, s2);
  const std::string yl = fit(chart.y_label, bottom - top, s2);
  c.text_vertical(16, (top + bottom - Canvas::text_width(yl, s2)) / 2, yl, kInk, s2);
  return c.image();
}

}  // namespace fb::report
