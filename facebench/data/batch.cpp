#include "facebench/data/batch.h"

#include <cstring>

#include "tensor/error.h"

namespace fb::data {

namespace {
class CpuAllocator : public BatchAllocator {
 public:
  Tensor empty(const Shape& shape, DType dtype) override { return Tensor::empty(shape, dtype); }
};
}  // namespace

std::shared_ptr<BatchAllocator> default_batch_allocator() {
  static auto a = std::make_shared<CpuAllocator>();
  return a;
}

Batch collate(const std::vector<Sample>& samples, const std::vector<std::vector<View>>& rows,
              const CollateOptions& opt, BatchAllocator& alloc) {
  FB_CHECK(!rows.empty() && rows.size() == samples.size(), "collate: needs one row of views per sample");
  const int64_t B = int64_t(rows.size());
  const size_t nv = rows[0].size();
  FB_CHECK(nv > 0, "collate: a sample produced no view");
  Batch b;
  for (const auto& s : samples) b.samples.push_back(s.index);
  for (size_t v = 0; v < nv; ++v) {
    const int S = rows[0][v].image.width, T = rows[0][v].image.height;
    Tensor t = alloc.empty({B, T, S, 3}, DType::f32);
    float* out = t.data<float>();
    const size_t per = size_t(S) * T * 3;
    float scale[3], shift[3];
    for (int c = 0; c < 3; ++c) {
      scale[c] = 1.0f / opt.normalize.std[c];
      shift[c] = -opt.normalize.mean[c] / opt.normalize.std[c];
    }
    for (int64_t i = 0; i < B; ++i) {
      FB_CHECK(rows[size_t(i)].size() == nv, "collate: sample '", samples[size_t(i)].source, "' has ",
               rows[size_t(i)].size(), " views, expected ", nv);
      const ImageF& im = rows[size_t(i)][v].image;
      FB_CHECK(im.width == S && im.height == T && im.channels == 3, "collate: view ", v, " of '",
               samples[size_t(i)].source, "' is ", im.width, "x", im.height, ", expected ", S, "x", T);
      float* o = out + size_t(i) * per;
      for (size_t j = 0; j < per; j += 3) {
        o[j] = im.px[j] * scale[0] + shift[0];
        o[j + 1] = im.px[j + 1] * scale[1] + shift[1];
        o[j + 2] = im.px[j + 2] * scale[2] + shift[2];
      }
    }
    b.views.push_back(t);
  }
  const Sample& s0 = samples[0];
  const View& v0 = rows[0][0];
  auto same_shape = [&](bool ok, const Sample& s, const char* what) {
    FB_CHECK(ok, "collate: sample '", s.source, "' differs from '", s0.source, "' in its ", what);
  };
  if (s0.label >= 0) {
    b.labels = alloc.empty({B}, DType::i64);
    for (int64_t i = 0; i < B; ++i) {
      same_shape(samples[size_t(i)].label >= 0, samples[size_t(i)], "label (missing)");
      b.labels.data<int64_t>()[i] = samples[size_t(i)].label;
    }
  }
  if (!s0.values.empty()) {
    const int64_t V = int64_t(s0.values.size());
    b.values = alloc.empty({B, V}, DType::f32);
    for (int64_t i = 0; i < B; ++i) {
      same_shape(int64_t(samples[size_t(i)].values.size()) == V, samples[size_t(i)], "number of values");
      std::memcpy(b.values.data<float>() + i * V, samples[size_t(i)].values.data(), size_t(V) * sizeof(float));
    }
  }
  const int64_t K = int64_t(v0.landmarks.size() / 2);
  if (K > 0) {
    b.landmarks = alloc.empty({B, K, 2}, DType::f32);
    b.visible = alloc.empty({B, K}, DType::f32);
    for (int64_t i = 0; i < B; ++i) {
      const View& v = rows[size_t(i)][0];
      same_shape(int64_t(v.landmarks.size()) == 2 * K, samples[size_t(i)], "number of landmarks");
      std::memcpy(b.landmarks.data<float>() + i * 2 * K, v.landmarks.data(), size_t(2 * K) * sizeof(float));
      for (int64_t k = 0; k < K; ++k) b.visible.data<float>()[i * K + k] = v.visible.empty() ? 1.0f : float(v.visible[size_t(k)]);
    }
    if (opt.heatmaps) {
      const int64_t hh = v0.image.height / opt.heatmap.stride, hw = v0.image.width / opt.heatmap.stride;
      b.heatmaps = alloc.empty({B, hh, hw, K}, DType::f32);
      b.heatmap_weights = alloc.empty({B, K}, DType::f32);
      for (int64_t i = 0; i < B; ++i)
        render_heatmaps(rows[size_t(i)][0], opt.heatmap, b.heatmaps.data<float>() + i * hh * hw * K,
                        b.heatmap_weights.data<float>() + i * K);
    }
  }
  if (!v0.depth.empty()) {
    b.depth = alloc.empty({B, K}, DType::f32);
    for (int64_t i = 0; i < B; ++i) {
      same_shape(int64_t(rows[size_t(i)][0].depth.size()) == K, samples[size_t(i)], "landmark depths");
      std::memcpy(b.depth.data<float>() + i * K, rows[size_t(i)][0].depth.data(), size_t(K) * sizeof(float));
    }
  }
  if (v0.has_pose) {
    b.pose = alloc.empty({B, 3}, DType::f32);
    for (int64_t i = 0; i < B; ++i) {
      same_shape(rows[size_t(i)][0].has_pose, samples[size_t(i)], "head pose (missing)");
      std::memcpy(b.pose.data<float>() + i * 3, rows[size_t(i)][0].pose.data(), 3 * sizeof(float));
    }
  }
  if (!v0.mask.empty()) {
    const int64_t S = v0.mask.width, T = v0.mask.height;
    b.masks = alloc.empty({B, T, S}, DType::u8);
    for (int64_t i = 0; i < B; ++i) {
      const View& v = rows[size_t(i)][0];
      same_shape(v.mask.width == S && v.mask.height == T, samples[size_t(i)], "parsing mask");
      std::memcpy(b.masks.data<uint8_t>() + i * S * T, v.mask.px.data(), size_t(S * T));
    }
  }
  return b;
}

}  // namespace fb::data
