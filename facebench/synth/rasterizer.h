#pragma once
// Z-buffered triangle rasterisation into an id buffer ("visibility buffer"):
// each pixel keeps the nearest triangle and its screen-space barycentrics, and
// shading runs afterwards once per pixel (deferred), so the cost of the
// per-pixel texture functions does not grow with overdraw.
#include <array>
#include <cstdint>
#include <vector>

namespace fb::synth {

// A projected vertex: pixel coordinates (x right, y down; pixel (i, j) has its
// centre at (i, j)) and the distance along the view axis (> 0).
struct ScreenVertex {
  float x, y, d;
};

struct VisibilityBuffer {
  int width = 0, height = 0;
  std::vector<float> inv_depth;  // 1/d of the nearest surface, 0 where empty
  std::vector<int32_t> tri;      // id of the nearest triangle, -1 where empty
  std::vector<float> b1, b2;     // screen-space barycentrics of its vertices 1 and 2
  void reset(int w, int h);
};

// Draws triangles tris[0..n) whose corners index `v`; writes id first_id + k for
// triangle k. With cull_back, triangles whose corners run clockwise in the
// image (front faces are counter-clockwise seen from the camera) are skipped.
void rasterize(VisibilityBuffer& vb, const ScreenVertex* v, const std::array<int, 3>* tris, int n,
               int first_id, bool cull_back);

// Perspective-correct barycentric weights of the pixel's triangle.
inline void perspective_weights(float b1, float b2, float d0, float d1, float d2, float w[3]) {
  float b0 = 1 - b1 - b2;
  float a = b0 / d0, b = b1 / d1, c = b2 / d2;
  float s = 1.0f / (a + b + c);
  w[0] = a * s;
  w[1] = b * s;
  w[2] = c * s;
}

}  // namespace fb::synth
