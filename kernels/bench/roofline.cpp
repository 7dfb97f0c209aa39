#include "kernels/bench/roofline.h"

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace fb::bench {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(size_t(w * h * 3), 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    uint8_t* p = &px_[size_t((y * w_ + x) * 3)];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  // Bresenham line, `thick` pixels wide; dashed when dash > 0.
  void line(int x0, int y0, int x1, int y1, Rgb c, int thick = 1, int dash = 0) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, step = 0;
    for (;;) {
      if (dash == 0 || (step / dash) % 2 == 0)
        for (int t = 0; t < thick; ++t)
          for (int u = 0; u < thick; ++u) set(x0 + t - thick / 2, y0 + u - thick / 2, c);
      ++step;
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  void disc(int cx, int cy, int r, Rgb c, bool filled) {
    for (int y = -r; y <= r; ++y)
      for (int x = -r; x <= r; ++x) {
        const int d = x * x + y * y;
        if (d <= r * r && (filled || d >= (r - 2) * (r - 2))) set(cx + x, cy + y, c);
      }
  }
  // Text in a 3x5 pixel font scaled by `s`; unknown characters are blank.
  void text(int x, int y, const std::string& str, Rgb c, int s = 2) {
    for (char ch : str) {
      const char* g = glyph(ch);
      for (int row = 0; row < 5; ++row)
        for (int col = 0; col < 3; ++col)
          if (g[row * 3 + col] == '#')
            for (int a = 0; a < s; ++a)
              for (int b = 0; b < s; ++b) set(x + col * s + a, y + row * s + b, c);
      x += 4 * s;
    }
  }
  void save(const std::string& path) const {
    if (!stbi_write_png(path.c_str(), w_, h_, 3, px_.data(), w_ * 3))
      throw std::runtime_error("bench: cannot write " + path);
  }

 private:
  static const char* glyph(char ch) {
    static const struct {
      char c;
      const char* g;
    } font[] = {
        {'0', "####.##.##.####"}, {'1', ".#.##..#..#.###"}, {'2', "###..#####..###"}, {'3', "###..####..####"},
        {'4', "#.##.####..#..#"}, {'5', "####..###..####"}, {'6', "####..####.####"}, {'7', "###..#..#..#..#"},
        {'8', "####.#####.####"}, {'9', "####.####..####"}, {'.', ".............#."}, {'/', "..#..#.#.#..#.."},
        {'-', "......###......"}, {'%', "#.#..#.#.#..#.#"}, {':', "....#.....#...."}, {'=', "...###...###..."},
        {'(', ".#.#..#..#...#."}, {')', ".#...#..#..#.#."}, {'x', "...#.#.#.#.#..."}, {'_', "............###"},
        {'+', "....#.###.#...."}, {',', "..........#.#.."}, {'A', ".#.#.#####.##.#"}, {'B', "##.#.###.#.###."},
        {'C', "####..#..#..###"}, {'D', "##.#.##.##.###."}, {'E', "####..##.#..###"}, {'F', "####..##.#..#.."},
        {'G', "####..#.##.####"}, {'H', "#.##.#####.##.#"}, {'I', "###.#..#..#.###"}, {'J', "..#..#..##.####"},
        {'K', "#.##.###.#.##.#"}, {'L', "#..#..#..#..###"}, {'M', "#.########.##.#"}, {'N', "##.#.##.##.##.#"},
        {'O', "####.##.##.####"}, {'P', "####.#####..#.."}, {'Q', "####.##.####..#"}, {'R', "##.#.###.#.##.#"},
        {'S', "####..###..####"}, {'T', "###.#..#..#..#."}, {'U', "#.##.##.##.####"}, {'V', "#.##.##.##.#.#."},
        {'W', "#.##.########.#"}, {'Y', "#.##.#.#..#..#."}, {'Z', "###..#.#.#..###"},
    };
    static const char* blank = "...............";
    if (ch >= 'a' && ch <= 'z') ch = char(ch - 'a' + 'A');
    if (ch == 'X') ch = 'x';
    for (const auto& f : font)
      if (f.c == ch) return f.g;
    return blank;
  }
  int w_, h_;
  std::vector<uint8_t> px_;
};

std::string fmt(double v) {
  char b[32];
  if (v >= 1)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.2g", v);
  return b;
}

}  // namespace

void write_roofline_png(const std::string& path, const MachinePeaks& m, const std::vector<BenchCase>& cases) {
  const int W = 1000, H = 680, left = 90, right = 30, top = 60, bottom = 70;
  Canvas cv(W, H);
  const double x_lo = 0.01, x_hi = 1000, y_lo = 0.1, y_hi = std::pow(10, std::ceil(std::log10(m.fma_gflops * 1.5)));
  auto X = [&](double ai) {
    return left + int((std::log10(ai) - std::log10(x_lo)) / (std::log10(x_hi) - std::log10(x_lo)) * (W - left - right));
  };
  auto Y = [&](double gf) {
    return H - bottom - int((std::log10(gf) - std::log10(y_lo)) / (std::log10(y_hi) - std::log10(y_lo)) * (H - top - bottom));
  };
  const Rgb black{0, 0, 0}, grid{225, 225, 225}, roof{40, 40, 40}, ours{220, 40, 40}, blas{30, 150, 60},
      dnn{40, 90, 220}, gray{120, 120, 120};
  // Decade grid and tick labels.
  for (double d = x_lo; d <= x_hi * 1.001; d *= 10) {
    cv.line(X(d), top, X(d), H - bottom, grid);
    cv.text(X(d) - 8, H - bottom + 8, fmt(d), black);
  }
  for (double d = y_lo; d <= y_hi * 1.001; d *= 10) {
    cv.line(left, Y(d), W - right, Y(d), grid);
    cv.text(8, Y(d) - 5, fmt(d), black);
  }
  cv.line(left, H - bottom, W - right, H - bottom, black, 2);
  cv.line(left, top, left, H - bottom, black, 2);
  cv.text(W / 2 - 150, H - 30, "ARITHMETIC INTENSITY (FLOP/BYTE)", black);
  cv.text(8, top - 30, "GFLOP/S", black);
  // Roofs: memory slope up to the ridge point, then the FMA peak (and the
  // 256-bit FMA peak dashed when it differs).
  const double ridge = m.fma_gflops / m.bandwidth_gbs;
  cv.line(X(x_lo), Y(std::max(y_lo, m.bandwidth_gbs * x_lo)), X(ridge), Y(m.fma_gflops), roof, 3);
  cv.line(X(ridge), Y(m.fma_gflops), X(x_hi), Y(m.fma_gflops), roof, 3);
  if (m.fma_gflops_avx2 > 0 && m.fma_gflops_avx2 < 0.95 * m.fma_gflops)
    cv.line(X(m.fma_gflops_avx2 / m.bandwidth_gbs), Y(m.fma_gflops_avx2), X(x_hi), Y(m.fma_gflops_avx2), gray, 1, 6);
  char title[160];
  std::snprintf(title, sizeof title, "ROOFLINE: %d THREADS, FMA PEAK %.0f GFLOP/S, MEMORY %.1f GB/S", m.threads,
                m.fma_gflops, m.bandwidth_gbs);
  cv.text(left, 20, title, black);
  // Points.
  for (const BenchCase& c : cases) {
    if (c.bytes <= 0 || c.flops <= 0) continue;
    const double ai = c.flops / c.bytes;
    for (const auto& [name, t] : c.baselines)
      if (t.median_s > 0) cv.disc(X(ai), Y(std::max(y_lo, c.flops / t.median_s * 1e-9)), 6,
                                  name == "openblas" ? blas : dnn, false);
    cv.disc(X(ai), Y(std::max(y_lo, c.gflops())), 5, ours, true);
  }
  // Legend.
  const int lx = W - right - 260, ly = H - bottom - 90;
  cv.disc(lx, ly, 5, ours, true);
  cv.text(lx + 14, ly - 5, "FACEBENCH", black);
  cv.disc(lx, ly + 24, 6, blas, false);
  cv.text(lx + 14, ly + 19, "OPENBLAS", black);
  cv.disc(lx, ly + 48, 6, dnn, false);
  cv.text(lx + 14, ly + 43, "ONEDNN", black);
  cv.save(path);
}

}  // namespace fb::bench
