// Scanline-free half-space rasteriser: for each triangle, walk its clipped
// bounding box with incrementally updated edge functions.
#include "facebench/synth/rasterizer.h"

#include <algorithm>
#include <cmath>

namespace fb::synth {

void VisibilityBuffer::reset(int w, int h) {
  width = w;
  height = h;
  size_t n = size_t(w) * size_t(h);
  inv_depth.assign(n, 0.0f);
  tri.assign(n, -1);
  b1.resize(n);
  b2.resize(n);
}

void rasterize(VisibilityBuffer& vb, const ScreenVertex* v, const std::array<int, 3>* tris, int n,
               int first_id, bool cull_back) {
  const int W = vb.width, H = vb.height;
  for (int k = 0; k < n; ++k) {
    const ScreenVertex& p0 = v[tris[k][0]];
    const ScreenVertex& p1 = v[tris[k][1]];
    const ScreenVertex& p2 = v[tris[k][2]];
    if (p0.d <= 1e-3f || p1.d <= 1e-3f || p2.d <= 1e-3f) continue;  // behind the camera
    // Twice the signed area in image coordinates (y down): negative for faces
    // that are counter-clockwise as seen by a y-up camera.
    float area = (p1.x - p0.x) * (p2.y - p0.y) - (p2.x - p0.x) * (p1.y - p0.y);
    if (std::fabs(area) < 1e-8f) continue;
    if (cull_back && area > 0) continue;
    float xmin = std::min({p0.x, p1.x, p2.x}), xmax = std::max({p0.x, p1.x, p2.x});
    float ymin = std::min({p0.y, p1.y, p2.y}), ymax = std::max({p0.y, p1.y, p2.y});
    int x0 = std::max(0, int(std::ceil(xmin))), x1 = std::min(W - 1, int(std::floor(xmax)));
    int y0 = std::max(0, int(std::ceil(ymin))), y1 = std::min(H - 1, int(std::floor(ymax)));
    if (x0 > x1 || y0 > y1) continue;
    float inv_area = 1.0f / area;
    // Edge functions e_i(x, y) = barycentric of vertex i times area; e1 belongs
    // to vertex 1 (edge p2 -> p0), e2 to vertex 2 (edge p0 -> p1).
    float e1_dx = (p2.y - p0.y) * inv_area, e1_dy = -(p2.x - p0.x) * inv_area;
    float e2_dx = -(p1.y - p0.y) * inv_area, e2_dy = (p1.x - p0.x) * inv_area;
    float e1_row = ((float(x0) - p0.x) * (p2.y - p0.y) - (p2.x - p0.x) * (float(y0) - p0.y)) * inv_area;
    float e2_row = ((p1.x - p0.x) * (float(y0) - p0.y) - (float(x0) - p0.x) * (p1.y - p0.y)) * inv_area;
    float id0 = 1.0f / p0.d, id1 = 1.0f / p1.d, id2 = 1.0f / p2.d;
    // A tiny tolerance closes the cracks between neighbouring triangles.
    const float eps = -1e-5f;
    for (int y = y0; y <= y1; ++y, e1_row += e1_dy, e2_row += e2_dy) {
      float b1 = e1_row, b2 = e2_row;
      size_t row = size_t(y) * W;
      for (int x = x0; x <= x1; ++x, b1 += e1_dx, b2 += e2_dx) {
        float b0 = 1 - b1 - b2;
        if (b0 < eps || b1 < eps || b2 < eps) continue;
        float inv = b0 * id0 + b1 * id1 + b2 * id2;
        size_t p = row + x;
        if (inv <= vb.inv_depth[p]) continue;
        vb.inv_depth[p] = inv;
        vb.tri[p] = first_id + k;
        vb.b1[p] = b1;
        vb.b2[p] = b2;
      }
    }
  }
}

}  // namespace fb::synth
