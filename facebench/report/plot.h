#pragma once
// Line charts for the report (few-shot curves): axes with numeric ticks,
// optional log-scale x, one coloured line with markers and +-error bars per
// series, a legend, a title and axis labels, rendered to an RGB image.
#include <string>
#include <vector>

#include "facebench/data/image.h"
#include "facebench/report/canvas.h"

namespace fb::report {

struct Series {
  std::string name;            // legend entry
  std::vector<double> x, y;    // one point per entry, x ascending not required
  std::vector<double> error;   // half-length of each point's error bar; empty = none
};

struct LineChart {
  std::string title, x_label, y_label;
  bool log_x = false;  // every x must then be > 0
  // Where to put x ticks; empty = round numbers chosen automatically. The
  // few-shot curves tick exactly the fractions that were run.
  std::vector<double> x_ticks;
  int width = 960, height = 600;
  std::vector<Series> series;
};

// Colour and marker of the i-th series (cycled), so callers can find a series' pixels.
Rgb series_color(size_t i);
Marker series_marker(size_t i);

// Points whose y is not finite (a metric that could not be computed) are left
// out and break the line there. Throws fb::Error when no series has a drawable
// point, a series' vectors disagree in length, an x is not finite, log_x meets
// x <= 0, or the size is too small to hold the axes.
data::Image8 render_line_chart(const LineChart& chart);

// "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them.
std::vector<double> linear_ticks(double lo, double hi, int target = 6);
// Ticks for a log axis: 1, 2, 5 x 10^k inside [lo, hi] (lo > 0).
std::vector<double> log_ticks(double lo, double hi);
// Shortest readable label for a tick value ("0.05", "20", "1e+06").
std::string tick_label(double v);

}  // namespace fb::report
