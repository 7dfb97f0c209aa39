#include "facebench/report/overlays.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace fb::report {
namespace {

// Up to two lines no wider than `width` pixels, broken after spaces where
// possible; what does not fit is cut and ends in "...".
std::vector<std::string> wrap_title(const std::string& title, int width, int scale) {
  auto fits = [&](const std::string& t) { return Canvas::text_width(t, scale) <= width; };
  std::vector<std::string> lines;
  std::string rest = title;
  while (!rest.empty() && lines.size() < 2) {
    if (fits(rest)) {
      lines.push_back(rest);
      rest.clear();
      break;
    }
    size_t cut = rest.size();
    while (cut > 0 && !fits(rest.substr(0, cut))) --cut;
    const size_t space = rest.rfind(' ', cut);
    if (space != std::string::npos && space > 0) cut = space + 1;
    std::string line = rest.substr(0, cut);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
    rest = rest.substr(cut);
  }
  if (!rest.empty() && !lines.empty()) {
    std::string& last = lines.back();
    while (!last.empty() && !fits(last + "...")) last.pop_back();
    last += "...";
  }
  return lines;
}

}  // namespace

data::Image8 render_landmark_sheet(const std::vector<LandmarkOverlay>& samples, int columns, int tile) {
  FB_CHECK(!samples.empty(), "landmark overlays: no samples to draw");
  FB_CHECK(columns >= 1 && tile >= 32, "landmark overlays: need columns >= 1 and tile >= 32, got ", columns,
           " and ", tile);
  for (const auto& s : samples) {
    FB_CHECK(!s.image.empty() && s.image.width > 0 && s.image.height > 0, "landmark overlay '", s.title,
             "': empty image");
    FB_CHECK(s.image.channels == 1 || s.image.channels == 3, "landmark overlay '", s.title,
             "': image must have 1 or 3 channels, got ", s.image.channels);
    for (const auto* pts : {&s.predicted, &s.truth})
      for (const auto& p : *pts)
        FB_CHECK(std::isfinite(p.x) && std::isfinite(p.y), "landmark overlay '", s.title, "': non-finite point");
  }

  const int scale = 2, th = Canvas::text_height(scale), gap = 12;
  const int cols = std::min<int>(columns, int(samples.size()));
  const int rows = int((samples.size() + size_t(cols) - 1) / size_t(cols));
  const int title_h = 2 * th + 4;  // titles wrap onto at most two lines
  const int cell_w = tile + gap, cell_h = title_h + 6 + tile + gap;
  const int header = th + 2 * gap;
  Canvas c(gap + cols * cell_w, header + rows * cell_h, {255, 255, 255});

  // Key: what the colours mean.
  const Rgb ink{30, 30, 30};
  int x = gap;
  c.disc(x + 5, gap + th / 2, 5, kTruthColor);
  c.text(x + 16, gap, "ground truth", ink, scale);
  x += 16 + Canvas::text_width("ground truth", scale) + 24;
  c.disc(x + 5, gap + th / 2, 5, kPredictionColor);
  c.text(x + 16, gap, "prediction", ink, scale);

  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    const int cx = gap + int(i % size_t(cols)) * cell_w;
    const int cy = header + int(i / size_t(cols)) * cell_h;
    const auto lines = wrap_title(s.title, tile, scale);
    for (size_t l = 0; l < lines.size(); ++l) c.text(cx, cy + int(l) * (th + 4), lines[l], ink, scale);

    const double zoom = double(tile) / std::max(s.image.width, s.image.height);
    const int ox = cx + (tile - int(std::lround(s.image.width * zoom))) / 2;
    const int oy = cy + title_h + 6 + (tile - int(std::lround(s.image.height * zoom))) / 2;
    c.paste(s.image, ox, oy, zoom);
    // Landmarks are in pixel coordinates with pixel centres at integers, so
    // (p + 0.5) * zoom - 0.5 lands on the matching output pixel.
    auto at = [&](const Point2& p) {
      return std::pair<int, int>{ox + int(std::lround((p.x + 0.5) * zoom - 0.5)),
                                 oy + int(std::lround((p.y + 0.5) * zoom - 0.5))};
    };
    for (const auto& p : s.truth) {
      auto [px, py] = at(p);
      c.disc(px, py, 3, kTruthColor);
    }
    for (const auto& p : s.predicted) {
      auto [px, py] = at(p);
      c.disc(px, py, 2, kPredictionColor);
    }
  }
  return c.image();
}

}  // namespace fb::report
