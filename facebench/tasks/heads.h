#pragma once
// Dense-prediction heads on a ResNet backbone, as the paper uses them:
//
// - HeatmapHead: the landmark decoder (deconvolutions on C5, then one map per
//   landmark, optionally with extra per-point maps such as depth for 3-D).
// - ParsingHead: an FPN-style segmentation decoder over C2..C5.
//
// plus the decoders and losses that go with them. Everything is NHWC.
//
// Coordinates follow facebench/data/sample.h: x right, y down, integer values
// at pixel CENTRES. A map predicted at `stride` (4 when C5 at 1/32 goes through
// 3 deconvolutions) has its cell (i, j) centred on image pixel
//     x = (j + 0.5) * stride - 0.5,   y = (i + 0.5) * stride - 0.5,
// the inverse of the mapping data::render_heatmaps draws its targets with.
#include <memory>
#include <vector>

#include "nn/layers.h"

namespace fb::tasks {

// ---------------------------------------------------------------- heads ----

// deconvs x (ConvTranspose 4x4 stride 2 pad 1 without bias, BN, ReLU) then a
// 1x1 conv to points * (1 + extra_outputs_per_point) maps. Output channel
// order: the `points` heatmaps first, then the extra maps grouped by kind
// (extra kind e of point k is channel points * (1 + e) + k); split them with
// split_heatmap_outputs. Parameter names: "deconv_layers.*", "final_layer.*".
class HeatmapHead : public nn::Module {
 public:
  HeatmapHead(int64_t in_channels, int64_t points, int64_t channels = 256, int64_t deconvs = 3,
              int64_t extra_outputs_per_point = 0);
  // C5 [N, h, w, in_channels] -> [N, h * 2^deconvs, w * 2^deconvs, points * (1 + extra)].
  Tensor forward(const Tensor& c5) override;
  int64_t points() const { return points_; }
  int64_t extra_outputs_per_point() const { return extra_; }
  int64_t output_channels() const { return points_ * (1 + extra_); }
  // How many times finer the output grid is than the input feature map.
  int64_t upsampling() const { return int64_t(1) << deconvs_; }

  std::shared_ptr<nn::Sequential> deconv_layers;
  std::shared_ptr<nn::Conv2d> final_layer;

 private:
  int64_t points_, extra_, deconvs_;
};

// Lateral 1x1 convs bring C2..C5 to `channels`; a top-down pass upsamples
// (bilinear, to the finer level's exact size, so odd sizes work) and adds;
// a 3x3 conv + BN + ReLU smooths the C2-level sum and a 1x1 conv predicts the
// class logits at C2 resolution (1/4 of the input for a standard ResNet).
// Parameter names: "lateral.{0..3}.*", "smooth.{0,1}.*" (2 is the ReLU), "classifier.*".
class ParsingHead : public nn::Module {
 public:
  ParsingHead(const std::vector<int64_t>& pyramid_channels, int64_t classes, int64_t channels = 64);
  using nn::Module::forward;
  // {C2, C3, C4, C5} -> logits [N, H2, W2, classes] where C2 is [N, H2, W2, *].
  Tensor forward(const std::vector<Tensor>& pyramid);
  // A single tensor is not a pyramid: always throws, naming the overload to use.
  Tensor forward(const Tensor& x) override;
  int64_t classes() const { return classes_; }

  std::shared_ptr<nn::Sequential> lateral;  // four 1x1 convs, C2 first
  std::shared_ptr<nn::Sequential> smooth;   // 3x3 conv (no bias), BN, ReLU
  std::shared_ptr<nn::Conv2d> classifier;

 private:
  int64_t classes_;
};

// Bilinear (align_corners = false, consistent with the pixel-centre
// convention) resize of logits [N, h, w, C] to [N, H, W, C]; differentiable.
Tensor upsample_logits(const Tensor& logits, int64_t height, int64_t width);

// ----------------------------------------------------------- decoding ----

struct SplitHeatmapOutputs {
  Tensor heatmaps;  // [N, H, W, K]
  Tensor extra;     // [N, H, W, K * e] (undefined when e == 0); kind e of point k at channel e * K + k
};
// Splits a HeatmapHead output [N, H, W, K * (1 + e)] (differentiable views).
SplitHeatmapOutputs split_heatmap_outputs(const Tensor& outputs, int64_t points);

// Per-map spatial softmax of beta * maps: [N, H, W, K] -> weights of the same
// shape that sum to 1 over (H, W) for each (n, k). Differentiable.
Tensor spatial_softmax(const Tensor& maps, double beta = 1.0);

// Differentiable decode ("integral regression"): the expected cell position
// under spatial_softmax(maps, beta), mapped to input-image pixels with the
// cell-centre rule above. maps [N, H, W, K] -> [N, K, 2] (x, y).
Tensor soft_argmax(const Tensor& maps, double stride, double beta = 1.0);

// The classic, non-differentiable decode: the arg-max cell, moved a quarter
// cell towards the larger of its two neighbours along each axis (no move at
// a border or a tie), mapped to input pixels. maps [N, H, W, K] -> [N, K, 2],
// same dtype as maps, never recorded for autograd.
Tensor argmax_quarter_offset(const Tensor& maps, double stride);

// Reads one value per point from `values` [N, H, W, K] (a depth map, say) as
// the weighted sum with `weights` [N, H, W, K] (spatial_softmax output).
// -> [N, K]. Differentiable in both.
Tensor sample_at(const Tensor& values, const Tensor& weights);

// ------------------------------------------------------------- losses ----

// Weighted heatmap MSE: sum_{n,k} w[n,k] * mean_{h,w} (pred - target)^2 /
// max(sum w, 1). pred/target [N, H, W, K] (target from
// data::render_heatmaps), weight [N, K] (0 ignores a point). Gradient flows
// into pred only.
Tensor heatmap_mse_loss(const Tensor& pred, const Tensor& target, const Tensor& weight);

// Weighted L1 on coordinates: sum_{n,k} w[n,k] * (|dx| + |dy|) / max(sum w, 1).
// pred/target [N, K, 2], weight [N, K]. Divide by a normaliser (e.g. the
// inter-ocular distance) beforehand if the loss should be scale-free.
Tensor landmark_l1_loss(const Tensor& pred, const Tensor& target, const Tensor& weight);

}  // namespace fb::tasks
