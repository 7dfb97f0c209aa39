#include "facebench/data/heatmap.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace fb::data {

void render_heatmaps(const View& v, const HeatmapConfig& c, float* out, float* weight) {
  FB_CHECK(c.stride >= 1 && c.sigma > 0, "heatmaps: stride must be >= 1 and sigma > 0");
  const int Hh = v.image.height / c.stride, Wh = v.image.width / c.stride;
  const int K = int(v.landmarks.size() / 2);
  std::fill(out, out + size_t(Hh) * Wh * K, 0.0f);
  const int r = int(std::ceil(3 * c.sigma));
  for (int k = 0; k < K; ++k) {
    // A view pixel centre x maps to heatmap coordinate (x + 0.5) / stride - 0.5
    // (pixel-centre convention on both grids).
    const float hx = (v.landmarks[size_t(2 * k)] + 0.5f) / float(c.stride) - 0.5f;
    const float hy = (v.landmarks[size_t(2 * k + 1)] + 0.5f) / float(c.stride) - 0.5f;
    const bool vis = v.visible.empty() || v.visible[size_t(k)];
    const bool inside = hx >= -0.5f && hy >= -0.5f && hx < Wh - 0.5f && hy < Hh - 0.5f;
    weight[k] = vis && inside ? 1.0f : 0.0f;
    if (!weight[k]) continue;
    const int cx = int(std::lround(hx)), cy = int(std::lround(hy));
    for (int y = std::max(0, cy - r); y <= std::min(Hh - 1, cy + r); ++y)
      for (int x = std::max(0, cx - r); x <= std::min(Wh - 1, cx + r); ++x) {
        float d2 = (x - hx) * (x - hx) + (y - hy) * (y - hy);
        out[(size_t(y) * Wh + x) * K + k] = std::exp(-d2 / (2 * c.sigma * c.sigma));
      }
  }
}

}  // namespace fb::data
