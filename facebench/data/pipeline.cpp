#include "facebench/data/pipeline.h"

#include "facebench/data/geometry.h"
#include "tensor/error.h"

namespace fb::data {

Pipeline::Pipeline(std::vector<CropGroup> groups) : groups_(std::move(groups)) {
  FB_CHECK(!groups_.empty(), "pipeline: needs at least one crop group");
  for (const auto& g : groups_) {
    FB_CHECK(g.count >= 1, "pipeline: crop count must be >= 1, got ", g.count);
    FB_CHECK(g.aug.size >= 1 && g.aug.size <= 8192, "pipeline: crop size must be in [1, 8192], got ", g.aug.size);
  }
}

int Pipeline::num_views() const {
  int n = 0;
  for (const auto& g : groups_) n += g.count;
  return n;
}

int Pipeline::view_size(int v) const {
  for (const auto& g : groups_) {
    if (v < g.count) return g.aug.size;
    v -= g.count;
  }
  FB_FAIL("pipeline: view ", v, " out of range");
}

std::vector<View> Pipeline::operator()(const Sample& s, fb::Generator& rng) const {
  std::vector<View> out;
  out.reserve(size_t(num_views()));
  for (const auto& g : groups_)
    for (int k = 0; k < g.count; ++k) out.push_back(augment(s, g.aug, rng));
  return out;
}

View augment(const Sample& s, const AugmentConfig& c, fb::Generator& rng) {
  FB_CHECK(s.image.width > 0 && s.image.height > 0, "augment: empty image '", s.source, "'");
  Affine m;
  if (c.crop == CropMode::Resize) {
    m = box_to_view(0, 0, s.image.width, s.image.height, c.size, c.size);
  } else if (c.crop == CropMode::RandomResizedCrop) {
    Box b = random_resized_box(s.image.width, s.image.height, c.scale_min, c.scale_max, c.ratio_min, c.ratio_max, rng);
    m = box_to_view(b.x, b.y, b.w, b.h, c.size, c.size);
  } else {
    Box b = face_square(s, c.face_enlarge);
    double side = b.w * (1.0 + c.face_scale_jitter * (2 * rng.uniform() - 1));
    double cx = b.x + b.w / 2 + c.face_shift * b.w * (2 * rng.uniform() - 1);
    double cy = b.y + b.h / 2 + c.face_shift * b.h * (2 * rng.uniform() - 1);
    double deg = c.rotate_degrees * (2 * rng.uniform() - 1);
    // Rotate the image about the crop centre (centre coordinates: edge - 0.5),
    // then cut the axis-aligned square.
    m = rotate_scale_about(cx - 0.5, cy - 0.5, deg, 1.0)
            .then(box_to_view(cx - side / 2, cy - side / 2, side, side, c.size, c.size));
  }
  // Draw every decision even when its probability is 0 or 1, so changing one
  // probability does not shift the random stream of the others.
  const bool mirror = rng.uniform() < c.flip_p;
  View v = warp(s, m, c.size, c.size, mirror);
  const bool do_jitter = rng.uniform() < c.jitter_p;
  if (do_jitter) c.jitter(v.image, rng);
  if (rng.uniform() < c.gray_p) to_grayscale(v.image);
  const bool do_blur = rng.uniform() < c.blur_p;
  const double sigma = c.blur_sigma_min + (c.blur_sigma_max - c.blur_sigma_min) * rng.uniform();
  if (do_blur) gaussian_blur(v.image, float(sigma));
  if (rng.uniform() < c.solarize_p) solarize(v.image, c.solarize_threshold);
  return v;
}

Pipeline swav_multicrop(std::vector<int> sizes, std::vector<int> counts, std::vector<float> scale_min,
                        std::vector<float> scale_max, float color_strength) {
  FB_CHECK(color_strength >= 0 && color_strength <= 1.25f, "multi-crop: colour strength must lie in [0, 1.25], got ",
           color_strength);  // above 1.25 the hue range would leave [-0.5, 0.5] turns
  FB_CHECK(sizes.size() == counts.size() && sizes.size() == scale_min.size() && sizes.size() == scale_max.size(),
           "multi-crop: sizes, counts and scale ranges must have the same length (", sizes.size(), ", ",
           counts.size(), ", ", scale_min.size(), ", ", scale_max.size(), ")");
  std::vector<CropGroup> groups;
  for (size_t i = 0; i < sizes.size(); ++i) {
    CropGroup g;
    g.count = counts[i];
    g.aug.size = sizes[i];
    g.aug.crop = CropMode::RandomResizedCrop;
    g.aug.scale_min = scale_min[i];
    g.aug.scale_max = scale_max[i];
    g.aug.flip_p = 0.5f;
    const float s = color_strength;
    g.aug.jitter_p = s > 0 ? 0.8f : 0.0f;
    g.aug.jitter = ColorJitter{0.8f * s, 0.8f * s, 0.8f * s, 0.2f * s};
    g.aug.gray_p = s > 0 ? 0.2f : 0.0f;
    g.aug.blur_p = 0.5f;
    groups.push_back(g);
  }
  return Pipeline(groups);
}

Pipeline face_pipeline(int size, float flip_p, float rotate_degrees, float scale_jitter) {
  CropGroup g;
  g.aug.size = size;
  g.aug.crop = CropMode::Face;
  g.aug.flip_p = flip_p;
  g.aug.rotate_degrees = rotate_degrees;
  g.aug.face_scale_jitter = scale_jitter;
  return Pipeline({g});
}

Pipeline resize_pipeline(int size) {
  CropGroup g;
  g.aug.size = size;
  g.aug.crop = CropMode::Resize;
  return Pipeline({g});
}

}  // namespace fb::data
