#include "facebench/tasks/heads.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace fb::tasks {

namespace {

void check_maps(const Tensor& maps, const char* who) {
  FB_CHECK(maps.defined() && maps.dim() == 4, who, ": expected maps [N, H, W, K], got ",
           maps.defined() ? shape_str(maps.shape()) : std::string("an undefined tensor"));
  FB_CHECK(maps.size(1) > 0 && maps.size(2) > 0 && maps.size(3) > 0, who, ": empty maps ", shape_str(maps.shape()));
  FB_CHECK(maps.dtype() == DType::f32 || maps.dtype() == DType::f64, who, ": maps must be f32 or f64, got ",
           dtype_name(maps.dtype()));
}

void check_stride(double stride, const char* who) {
  FB_CHECK(stride > 0 && std::isfinite(stride), who, ": stride must be positive, got ", stride);
}

// The image position of heatmap cell index i on a grid `stride` times coarser
// (pixel centres on both grids; see heads.h).
double cell_to_image(double i, double stride) { return (i + 0.5) * stride - 0.5; }

// [H*W, 2] image coordinates (x, y) of each cell centre, row-major like the maps.
Tensor cell_centre_grid(int64_t H, int64_t W, double stride, DType dtype) {
  Tensor g = Tensor::empty({H * W, 2}, DType::f64);
  double* p = g.data<double>();
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      p[2 * (y * W + x)] = cell_to_image(double(x), stride);
      p[2 * (y * W + x) + 1] = cell_to_image(double(y), stride);
    }
  return g.to(dtype);
}

// The sum of a weight tensor's values as the loss normaliser: at least 1, so
// a batch where every point is ignored gives 0 instead of 0/0.
double weight_normaliser(const Tensor& weight) {
  return std::max(1.0, ops::sum(weight.to(DType::f64)).item());
}

}  // namespace

// ---------------------------------------------------------------- heads ----

HeatmapHead::HeatmapHead(int64_t in_channels, int64_t points, int64_t channels, int64_t deconvs,
                         int64_t extra_outputs_per_point)
    : points_(points), extra_(extra_outputs_per_point), deconvs_(deconvs) {
  FB_CHECK(in_channels > 0, "HeatmapHead: in_channels must be positive, got ", in_channels);
  FB_CHECK(points > 0, "HeatmapHead: points must be positive, got ", points);
  FB_CHECK(channels > 0, "HeatmapHead: channels must be positive, got ", channels);
  FB_CHECK(deconvs >= 0 && deconvs <= 6, "HeatmapHead: deconvs must be in [0, 6], got ", deconvs);
  FB_CHECK(extra_outputs_per_point >= 0, "HeatmapHead: extra_outputs_per_point must be >= 0, got ",
           extra_outputs_per_point);
  deconv_layers = register_module("deconv_layers", std::make_shared<nn::Sequential>());
  int64_t in = in_channels;
  for (int64_t i = 0; i < deconvs; ++i) {
    // Kernel 4, stride 2, padding 1 doubles the size exactly: (h - 1) * 2 - 2 + 4.
    deconv_layers->add(std::make_shared<nn::ConvTranspose2d>(in, channels, 4, nn::Conv2dOptions{2, 1, 1, 1, false}));
    deconv_layers->add(std::make_shared<nn::BatchNorm>(channels));
    deconv_layers->add(std::make_shared<nn::ReLU>());
    in = channels;
  }
  final_layer = register_module("final_layer", std::make_shared<nn::Conv2d>(in, output_channels(), 1));
  // Small initial outputs (as the simple-baselines decoder): the maps start
  // near flat, so a soft-argmax starts at the grid centre instead of at
  // whichever cell a random init favours.
  Tensor w = ops::mul_scalar(randn(final_layer->weight.shape(), nn::default_generator(), DType::f64), 1e-3);
  copy_into(final_layer->weight, w);
  fill_(final_layer->bias, 0.0);
}

Tensor HeatmapHead::forward(const Tensor& c5) {
  FB_CHECK(c5.dim() == 4, "HeatmapHead: expected C5 [N, H, W, C], got ", shape_str(c5.shape()));
  return final_layer->forward(deconv_layers->forward(c5));
}

ParsingHead::ParsingHead(const std::vector<int64_t>& pyramid_channels, int64_t classes, int64_t channels)
    : classes_(classes) {
  FB_CHECK(pyramid_channels.size() == 4, "ParsingHead: expected 4 pyramid channel counts (C2..C5), got ",
           pyramid_channels.size());
  for (int64_t c : pyramid_channels) FB_CHECK(c > 0, "ParsingHead: pyramid channel counts must be positive");
  FB_CHECK(classes > 0, "ParsingHead: classes must be positive, got ", classes);
  FB_CHECK(channels > 0, "ParsingHead: channels must be positive, got ", channels);
  lateral = register_module("lateral", std::make_shared<nn::Sequential>());
  for (int64_t c : pyramid_channels) lateral->add(std::make_shared<nn::Conv2d>(c, channels, 1));
  smooth = register_module("smooth", std::make_shared<nn::Sequential>());
  smooth->add(std::make_shared<nn::Conv2d>(channels, channels, 3, nn::Conv2dOptions{1, 1, 1, 1, false}));
  smooth->add(std::make_shared<nn::BatchNorm>(channels));
  smooth->add(std::make_shared<nn::ReLU>());
  classifier = register_module("classifier", std::make_shared<nn::Conv2d>(channels, classes, 1));
}

Tensor ParsingHead::forward(const std::vector<Tensor>& pyramid) {
  FB_CHECK(pyramid.size() == 4, "ParsingHead: expected the pyramid {C2, C3, C4, C5}, got ", pyramid.size(),
           " maps");
  const auto& laterals = lateral->children();
  for (size_t i = 0; i < 4; ++i) {
    FB_CHECK(pyramid[i].dim() == 4, "ParsingHead: C", i + 2, " must be [N, H, W, C], got ",
             shape_str(pyramid[i].shape()));
    FB_CHECK(pyramid[i].size(0) == pyramid[0].size(0), "ParsingHead: batch sizes differ between C2 and C", i + 2);
  }
  Tensor p = laterals[3].second->forward(pyramid[3]);
  for (int i = 2; i >= 0; --i) {
    const Tensor& c = pyramid[size_t(i)];
    // Upsample to the finer level's exact size rather than by 2: with odd
    // input sizes the levels are not exact multiples of each other.
    p = add(laterals[size_t(i)].second->forward(c), upsample_bilinear2d(p, c.size(1), c.size(2)));
  }
  return classifier->forward(smooth->forward(p));
}

Tensor ParsingHead::forward(const Tensor&) {
  FB_FAIL("ParsingHead takes the feature pyramid {C2, C3, C4, C5}: call forward(std::vector<Tensor>)");
}

Tensor upsample_logits(const Tensor& logits, int64_t height, int64_t width) {
  FB_CHECK(logits.dim() == 4, "upsample_logits: expected logits [N, h, w, C], got ", shape_str(logits.shape()));
  FB_CHECK(height > 0 && width > 0, "upsample_logits: target size must be positive, got ", height, "x", width);
  return upsample_bilinear2d(logits, height, width, /*align_corners=*/false);
}

// ----------------------------------------------------------- decoding ----

SplitHeatmapOutputs split_heatmap_outputs(const Tensor& outputs, int64_t points) {
  check_maps(outputs, "split_heatmap_outputs");
  FB_CHECK(points > 0 && outputs.size(3) % points == 0, "split_heatmap_outputs: ", outputs.size(3),
           " channels are not a multiple of ", points, " points");
  SplitHeatmapOutputs s;
  s.heatmaps = slice(outputs, 3, 0, points);
  if (outputs.size(3) > points) s.extra = slice(outputs, 3, points, outputs.size(3));
  return s;
}

Tensor spatial_softmax(const Tensor& maps, double beta) {
  check_maps(maps, "spatial_softmax");
  FB_CHECK(beta > 0 && std::isfinite(beta), "spatial_softmax: beta must be positive, got ", beta);
  const int64_t N = maps.size(0), H = maps.size(1), W = maps.size(2), K = maps.size(3);
  // Softmax runs over the last dim, so bring (H, W) there: [N, K, H*W].
  Tensor scaled = beta == 1.0 ? maps : mul_scalar(maps, beta);
  Tensor nk = reshape(contiguous(permute(scaled, {0, 3, 1, 2})), {N, K, H * W});
  Tensor w = softmax(nk);
  return contiguous(permute(reshape(w, {N, K, H, W}), {0, 2, 3, 1}));
}

Tensor soft_argmax(const Tensor& maps, double stride, double beta) {
  check_maps(maps, "soft_argmax");
  check_stride(stride, "soft_argmax");
  FB_CHECK(beta > 0 && std::isfinite(beta), "soft_argmax: beta must be positive, got ", beta);
  const int64_t N = maps.size(0), H = maps.size(1), W = maps.size(2), K = maps.size(3);
  Tensor scaled = beta == 1.0 ? maps : mul_scalar(maps, beta);
  Tensor nk = reshape(contiguous(permute(scaled, {0, 3, 1, 2})), {N * K, H * W});
  // Expected position = weights [N*K, HW] @ cell centres [HW, 2].
  Tensor xy = matmul(softmax(nk), cell_centre_grid(H, W, stride, maps.dtype()));
  return reshape(xy, {N, K, 2});
}

Tensor argmax_quarter_offset(const Tensor& maps, double stride) {
  check_maps(maps, "argmax_quarter_offset");
  check_stride(stride, "argmax_quarter_offset");
  const int64_t N = maps.size(0), H = maps.size(1), W = maps.size(2), K = maps.size(3);
  Tensor m = maps.detach().to(DType::f64).contiguous();
  const double* p = m.data<double>();
  Tensor out = Tensor::empty({N, K, 2}, DType::f64);
  double* o = out.data<double>();
  auto at = [&](int64_t n, int64_t y, int64_t x, int64_t k) { return p[((n * H + y) * W + x) * K + k]; };
  // A quarter cell towards the larger neighbour; none at a border or a tie.
  auto nudge = [](double lower, double upper) { return upper > lower ? 0.25 : (upper < lower ? -0.25 : 0.0); };
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int64_t by = 0, bx = 0;
      double best = at(n, 0, 0, k);
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          if (at(n, y, x, k) > best) best = at(n, y, x, k), by = y, bx = x;
      double fx = double(bx), fy = double(by);
      if (bx > 0 && bx < W - 1) fx += nudge(at(n, by, bx - 1, k), at(n, by, bx + 1, k));
      if (by > 0 && by < H - 1) fy += nudge(at(n, by - 1, bx, k), at(n, by + 1, bx, k));
      o[2 * (n * K + k)] = cell_to_image(fx, stride);
      o[2 * (n * K + k) + 1] = cell_to_image(fy, stride);
    }
  return out.to(maps.dtype());
}

Tensor sample_at(const Tensor& values, const Tensor& weights) {
  check_maps(values, "sample_at (values)");
  check_maps(weights, "sample_at (weights)");
  FB_CHECK(values.shape() == weights.shape(), "sample_at: values ", shape_str(values.shape()), " and weights ",
           shape_str(weights.shape()), " must have the same shape");
  return sum(mul(values, weights), {1, 2});
}

// ------------------------------------------------------------- losses ----

Tensor heatmap_mse_loss(const Tensor& pred, const Tensor& target, const Tensor& weight) {
  check_maps(pred, "heatmap_mse_loss");
  FB_CHECK(target.defined() && target.shape() == pred.shape(), "heatmap_mse_loss: target shape ",
           target.defined() ? shape_str(target.shape()) : std::string("(undefined)"), " differs from prediction ",
           shape_str(pred.shape()));
  FB_CHECK(weight.defined() && weight.shape() == Shape({pred.size(0), pred.size(3)}),
           "heatmap_mse_loss: weight must be [N, K] = [", pred.size(0), ", ", pred.size(3), "]");
  Tensor per_point = mean(mse_loss(pred, target.detach().to(pred.dtype()), Reduction::None), {1, 2});  // [N, K]
  Tensor w = weight.detach().to(pred.dtype());
  return mul_scalar(sum(mul(per_point, w)), 1.0 / weight_normaliser(weight));
}

Tensor landmark_l1_loss(const Tensor& pred, const Tensor& target, const Tensor& weight) {
  FB_CHECK(pred.defined() && pred.dim() == 3 && pred.size(2) == 2, "landmark_l1_loss: expected pred [N, K, 2], got ",
           pred.defined() ? shape_str(pred.shape()) : std::string("an undefined tensor"));
  FB_CHECK(target.defined() && target.shape() == pred.shape(), "landmark_l1_loss: target shape differs from pred ",
           shape_str(pred.shape()));
  FB_CHECK(weight.defined() && weight.shape() == Shape({pred.size(0), pred.size(1)}),
           "landmark_l1_loss: weight must be [N, K] = [", pred.size(0), ", ", pred.size(1), "]");
  Tensor err = l1_loss(pred, target.detach().to(pred.dtype()), Reduction::None);  // [N, K, 2]
  Tensor w = weight.detach().to(pred.dtype()).reshape({pred.size(0), pred.size(1), 1});
  return mul_scalar(sum(mul(err, w)), 1.0 / weight_normaliser(weight));
}

}  // namespace fb::tasks
