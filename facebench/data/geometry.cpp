#include "facebench/data/geometry.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace fb::data {

Affine Affine::inverse() const {
  double det = a * e - b * d;
  FB_CHECK(std::abs(det) > 1e-12, "affine transform is singular");
  Affine r;
  r.a = e / det;
  r.b = -b / det;
  r.d = -d / det;
  r.e = a / det;
  r.c = -(r.a * c + r.b * f);
  r.f = -(r.d * c + r.e * f);
  return r;
}

Affine Affine::then(const Affine& n) const {
  Affine r;
  r.a = n.a * a + n.b * d;
  r.b = n.a * b + n.b * e;
  r.c = n.a * c + n.b * f + n.c;
  r.d = n.d * a + n.e * d;
  r.e = n.d * b + n.e * e;
  r.f = n.d * c + n.e * f + n.f;
  return r;
}

Affine box_to_view(double x, double y, double w, double h, int out_w, int out_h) {
  FB_CHECK(w > 0 && h > 0 && out_w > 0 && out_h > 0, "crop box and view must have positive size");
  // Edge coordinate u = centre coordinate + 0.5 on both sides of the map.
  Affine m;
  m.a = out_w / w;
  m.e = out_h / h;
  m.c = (0.5 - x) * m.a - 0.5;
  m.f = (0.5 - y) * m.e - 0.5;
  return m;
}

Affine rotate_scale_about(double cx, double cy, double degrees, double scale) {
  // y points down, so a counter-clockwise turn on screen is a negative angle
  // in the (x, y) frame.
  double t = -degrees * M_PI / 180.0, cs = std::cos(t) * scale, sn = std::sin(t) * scale;
  Affine m;
  m.a = cs;
  m.b = -sn;
  m.d = sn;
  m.e = cs;
  m.c = cx - cs * cx + sn * cy;
  m.f = cy - sn * cx - cs * cy;
  return m;
}

View warp(const Sample& s, const Affine& src_to_view, int out_w, int out_h, bool mirror) {
  FB_CHECK(s.image.channels == 3 || s.image.channels == 1, "warp: '", s.source, "' has ", s.image.channels,
           " channels; expected 1 or 3");
  FB_CHECK(s.mask.empty() || (s.mask.width == s.image.width && s.mask.height == s.image.height && s.mask.channels == 1),
           "warp: mask of '", s.source, "' does not match its image size");
  const int np = s.num_points();
  const std::vector<int>& perm = flip_permutation(s.layout);
  if (mirror && np > 0)
    FB_CHECK(int(perm.size()) == np, "warp: cannot mirror ", np, " landmarks of '", s.source, "' with layout ",
             layout_name(s.layout), " (", perm.size(), " points)");
  Affine fwd = src_to_view;
  if (mirror) {
    Affine flip;
    flip.a = -1;
    flip.c = out_w - 1;
    fwd = fwd.then(flip);
  }
  const Affine inv = fwd.inverse();
  View v;
  v.flipped = mirror;
  v.image.reset(out_w, out_h, 3);
  const int W = s.image.width, H = s.image.height, C = s.image.channels;
  const uint8_t* src = s.image.px.data();
  const bool has_mask = !s.mask.empty();
  if (has_mask) v.mask.reset(out_w, out_h, 1);
  const std::vector<uint8_t>& lut = mask_flip_lut(mirror ? s.mask_layout : MaskLayout::None);
  const float k = 1.0f / 255.0f;
  if (inv.b == 0 && inv.d == 0) {
    // Axis-aligned (crops, resizes, mirrors: the common case): the source
    // column depends on x only and the row on y only, so the taps and weights
    // are computed once per column and once per row, with the same rules as
    // the general loop below.
    struct Tap {
      int a, b;
      float f;
      bool in;
      int nearest;
    };
    auto taps = [](int n, int limit, double scale, double offset) {
      std::vector<Tap> t(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        const double s = scale * i + offset;
        const int i0 = int(std::floor(s));
        // Both taps clamped into the image: rows of taps that fall outside are
        // never read, but even forming a pointer past the image is undefined.
        t[size_t(i)] = {std::clamp(i0, 0, limit - 1), std::clamp(i0 + 1, 0, limit - 1), float(s - i0),
                        s >= -0.5 && s <= limit - 0.5,
                        int(std::lround(s))};
      }
      return t;
    };
    const std::vector<Tap> tx = taps(out_w, W, inv.a, inv.c), ty = taps(out_h, H, inv.e, inv.f);
    for (int y = 0; y < out_h; ++y) {
      float* o = v.image.px.data() + size_t(y) * out_w * 3;
      uint8_t* om = has_mask ? v.mask.row(y) : nullptr;
      const Tap& r = ty[size_t(y)];
      const uint8_t* ra = src + size_t(r.a) * W * C;
      const uint8_t* rb = src + size_t(r.b) * W * C;
      for (int x = 0; x < out_w; ++x, o += 3) {
        const Tap& t = tx[size_t(x)];
        if (!(r.in && t.in)) {
          o[0] = o[1] = o[2] = 0;
          if (has_mask) om[x] = 0;
          continue;
        }
        const float w00 = (1 - t.f) * (1 - r.f), w01 = t.f * (1 - r.f), w10 = (1 - t.f) * r.f, w11 = t.f * r.f;
        const uint8_t *p00 = ra + size_t(t.a) * C, *p01 = ra + size_t(t.b) * C;
        const uint8_t *p10 = rb + size_t(t.a) * C, *p11 = rb + size_t(t.b) * C;
        for (int ch = 0; ch < 3; ++ch) {
          const int c = C == 3 ? ch : 0;
          o[ch] = (w00 * p00[c] + w01 * p01[c] + w10 * p10[c] + w11 * p11[c]) * k;
        }
        if (has_mask) {
          const int mx = t.nearest, my = r.nearest;
          om[x] = (mx >= 0 && my >= 0 && mx < W && my < H) ? lut[s.mask.px[size_t(my) * W + mx]] : 0;
        }
      }
    }
  }
  for (int y = 0; y < out_h && !(inv.b == 0 && inv.d == 0); ++y) {
    float* o = v.image.px.data() + size_t(y) * out_w * 3;
    uint8_t* om = has_mask ? v.mask.row(y) : nullptr;
    double sx = inv.b * y + inv.c, sy = inv.e * y + inv.f;
    for (int x = 0; x < out_w; ++x, sx += inv.a, sy += inv.d, o += 3) {
      // Bilinear over the four centres around (sx, sy). Inside the image's
      // extent [-0.5, W - 0.5] the taps are clamped to the border (as image
      // resizers do, so a resize does not darken its edges); beyond it, where a
      // rotation or an oversized crop reaches, the view is black.
      float acc[3] = {0, 0, 0};
      if (sx >= -0.5 && sy >= -0.5 && sx <= W - 0.5 && sy <= H - 0.5) {
        const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
        const float fx = float(sx - x0), fy = float(sy - y0);
        const int xa = std::max(x0, 0), xb = std::min(x0 + 1, W - 1);
        const int ya = std::max(y0, 0), yb = std::min(y0 + 1, H - 1);
        const uint8_t* p00 = src + (size_t(ya) * W + xa) * C;
        const uint8_t* p01 = src + (size_t(ya) * W + xb) * C;
        const uint8_t* p10 = src + (size_t(yb) * W + xa) * C;
        const uint8_t* p11 = src + (size_t(yb) * W + xb) * C;
        const float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        for (int ch = 0; ch < 3; ++ch) {
          const int c = C == 3 ? ch : 0;
          acc[ch] = w00 * p00[c] + w01 * p01[c] + w10 * p10[c] + w11 * p11[c];
        }
      }
      o[0] = acc[0] * k;
      o[1] = acc[1] * k;
      o[2] = acc[2] * k;
      if (has_mask) {
        int mx = int(std::lround(sx)), my = int(std::lround(sy));
        om[x] = (mx >= 0 && my >= 0 && mx < W && my < H) ? lut[s.mask.px[size_t(my) * W + mx]] : 0;
      }
    }
  }
  if (s.has_pose) {
    // The linear part of src_to_view (before the mirror) is s·R(t) with t the
    // angle in the y-down frame; on screen that is a turn of -t (counter-clockwise positive).
    const double ccw = -std::atan2(src_to_view.d, src_to_view.a) * 180.0 / M_PI;
    v.has_pose = true;
    v.pose = {s.pose[0], s.pose[1], float(s.pose[2] + ccw)};
    if (mirror) {
      v.pose[0] = -v.pose[0];
      v.pose[2] = -v.pose[2];
    }
  }
  if (!s.depth.empty()) {
    FB_CHECK(int(s.depth.size()) == np, "warp: '", s.source, "' has ", s.depth.size(), " depths for ", np, " points");
    const double scale = std::sqrt(std::abs(src_to_view.a * src_to_view.e - src_to_view.b * src_to_view.d));
    v.depth.resize(size_t(np));
    for (int i = 0; i < np; ++i) v.depth[size_t(i)] = float(s.depth[size_t(mirror ? perm[size_t(i)] : i)] * scale);
  }
  if (np > 0) {
    v.landmarks.resize(size_t(2 * np));
    v.visible.assign(size_t(np), 1);
    for (int i = 0; i < np; ++i) {
      // Mirrored views take point perm[i]'s position for slot i.
      const int from = mirror ? perm[size_t(i)] : i;
      double ox, oy;
      fwd.apply(s.landmarks[size_t(2 * from)], s.landmarks[size_t(2 * from + 1)], &ox, &oy);
      v.landmarks[size_t(2 * i)] = float(ox);
      v.landmarks[size_t(2 * i + 1)] = float(oy);
      if (!s.visible.empty()) v.visible[size_t(i)] = s.visible[size_t(from)];
    }
  }
  return v;
}

Box random_resized_box(int width, int height, double scale_min, double scale_max, double ratio_min,
                       double ratio_max, fb::Generator& rng) {
  FB_CHECK(scale_min > 0 && scale_min <= scale_max && ratio_min > 0 && ratio_min <= ratio_max,
           "random resized crop: bad scale (", scale_min, ", ", scale_max, ") or ratio (", ratio_min, ", ", ratio_max, ")");
  const double area = double(width) * height;
  const double lr0 = std::log(ratio_min), lr1 = std::log(ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    double target = area * (scale_min + (scale_max - scale_min) * rng.uniform());
    double ratio = std::exp(lr0 + (lr1 - lr0) * rng.uniform());
    int w = int(std::lround(std::sqrt(target * ratio)));
    int h = int(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      int y = int(rng.randint(height - h + 1));
      int x = int(rng.randint(width - w + 1));
      return {double(x), double(y), double(w), double(h)};
    }
  }
  double in_ratio = double(width) / height;
  double w = width, h = height;
  if (in_ratio < ratio_min) h = std::round(w / ratio_min);
  else if (in_ratio > ratio_max) w = std::round(h * ratio_max);
  return {std::floor((width - w) / 2), std::floor((height - h) / 2), w, h};
}

Box face_square(const Sample& s, double enlarge) {
  double x0, y0, x1, y1;  // edge coordinates
  if (s.box[2] > 0 && s.box[3] > 0) {
    x0 = s.box[0];
    y0 = s.box[1];
    x1 = x0 + s.box[2];
    y1 = y0 + s.box[3];
  } else if (s.num_points() > 0) {
    x0 = y0 = 1e30;
    x1 = y1 = -1e30;
    for (int i = 0; i < s.num_points(); ++i) {
      if (!s.visible.empty() && !s.visible[size_t(i)]) continue;
      x0 = std::min<double>(x0, s.landmarks[size_t(2 * i)]);
      x1 = std::max<double>(x1, s.landmarks[size_t(2 * i)]);
      y0 = std::min<double>(y0, s.landmarks[size_t(2 * i + 1)]);
      y1 = std::max<double>(y1, s.landmarks[size_t(2 * i + 1)]);
    }
    if (x1 < x0) return {0, 0, double(s.image.width), double(s.image.height)};
    x0 += 0.5; x1 += 0.5; y0 += 0.5; y1 += 0.5;  // centres -> edges
  } else {
    return {0, 0, double(s.image.width), double(s.image.height)};
  }
  double side = std::max(std::max(x1 - x0, y1 - y0), 1.0) * enlarge;
  double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return {cx - side / 2, cy - side / 2, side, side};
}

}  // namespace fb::data
