// Dense-prediction heads: the ResNet feature pyramid, head shapes (odd and
// non-square sizes), heatmap decoding against maps with known peaks, f64
// gradient checks of the decoders and losses, and a tiny overfit run.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <functional>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "facebench/data/heatmap.h"
#include "facebench/tasks/heads.h"
#include "nn/optim.h"
#include "nn/resnet.h"
#include "tensor/ops.h"

using namespace fb;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

namespace {

std::shared_ptr<nn::ResNet> tiny_resnet(uint64_t seed) {
  nn::manual_seed(seed);
  nn::ResNetConfig cfg;
  cfg.arch = "resnet18";
  cfg.num_classes = 0;
  cfg.width = 0.125;
  return nn::make_resnet(cfg);
}

// log of an isotropic Gaussian centred at (cx, cy) in cell units: its spatial
// softmax is the normalised Gaussian, whose mean is (cx, cy) up to a
// discretisation error of order exp(-2 pi^2 sigma^2) (~1e-9 for sigma 1) and
// the mass cut off by the grid border (~1e-5 when the centre is at least
// 4 sigma inside).
Tensor log_gaussian_maps(int64_t H, int64_t W, const std::vector<std::array<double, 2>>& centres, double sigma,
                         DType dtype = DType::f64) {
  const int64_t K = int64_t(centres.size());
  Tensor m = Tensor::empty({1, H, W, K}, DType::f64);
  double* p = m.data<double>();
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x)
      for (int64_t k = 0; k < K; ++k) {
        double dx = x - centres[size_t(k)][0], dy = y - centres[size_t(k)][1];
        p[(y * W + x) * K + k] = -(dx * dx + dy * dy) / (2 * sigma * sigma);
      }
  return m.to(dtype);
}

void check_gradients(const char* name, const Fn& f, const std::vector<Tensor>& inputs) {
  auto r = autograd::gradcheck(f, inputs);
  INFO(name, "\n", r.report);
  CHECK(r.checked > 0);
  CHECK(r.ok);
}

Tensor rnd(const Shape& s, Generator& g) { return randn(s, g, DType::f64).set_requires_grad(true); }

}  // namespace

TEST_CASE("ResNet forward_pyramid: C2..C5 strides and channels; C5 is forward_maps, pooled C5 is forward_features") {
  auto net = tiny_resnet(3);
  net->eval();  // running statistics: three forward passes must see the same normalisation
  net->to(DType::f64);  // so that pooling by a different kernel agrees to rounding
  Generator g(7);
  Tensor x = randn({2, 70, 45, 3}, g, DType::f64);  // odd, non-square
  std::vector<Tensor> pyr = net->forward_pyramid(x);
  REQUIRE(pyr.size() == 4);
  REQUIRE(net->pyramid_channels().size() == 4);
  // Stem: /2 (conv) then /2 (pool) -> 18x12; each later stage halves with ceil.
  const int64_t expect_h[4] = {18, 9, 5, 3}, expect_w[4] = {12, 6, 3, 2};
  for (int i = 0; i < 4; ++i) {
    CHECK(pyr[size_t(i)].shape() == Shape({2, expect_h[i], expect_w[i], net->pyramid_channels()[size_t(i)]}));
  }
  CHECK(net->pyramid_channels() == std::vector<int64_t>({8, 16, 32, 64}));
  CHECK(net->pyramid_channels().back() == net->feature_dim());
  CHECK(ops::max_abs_diff(pyr[3], net->forward_maps(x)) == 0.0);
  Tensor pooled = ops::mean(pyr[3], {1, 2});
  CHECK(ops::max_abs_diff(pooled, net->forward_features(x)) < 1e-12);
}

TEST_CASE("ResNet forward_pyramid is differentiable: every level passes gradient to the input") {
  auto net = tiny_resnet(4);
  Generator g(8);
  Tensor x = randn({2, 32, 32, 3}, g).set_requires_grad(true);
  std::vector<Tensor> pyr = net->forward_pyramid(x);
  Tensor loss = add(add(sum(pyr[0]), sum(pyr[1])), add(sum(pyr[2]), sum(pyr[3])));
  autograd::backward(loss);
  REQUIRE(x.grad().defined());
  CHECK(ops::sum(ops::abs(x.grad())).item() > 0);
}

TEST_CASE("HeatmapHead: C5 at 1/32 becomes maps at 1/4 with 3 deconvolutions, extra outputs per point") {
  nn::manual_seed(1);
  tasks::HeatmapHead head(64, 68, 16, 3, 1);
  CHECK(head.output_channels() == 136);
  CHECK(head.upsampling() == 8);
  Generator g(9);
  Tensor c5 = randn({2, 4, 3, 64}, g);  // a 128x96 input
  Tensor out = head.forward(c5);
  CHECK(out.shape() == Shape({2, 32, 24, 136}));
  auto split = tasks::split_heatmap_outputs(out, 68);
  CHECK(split.heatmaps.shape() == Shape({2, 32, 24, 68}));
  CHECK(split.extra.shape() == Shape({2, 32, 24, 68}));
  CHECK(ops::max_abs_diff(split.extra, out.slice(3, 68, 136)) == 0.0);

  tasks::HeatmapHead plain(64, 5, 8, 2);
  CHECK(plain.forward(c5).shape() == Shape({2, 16, 12, 5}));
  CHECK_FALSE(tasks::split_heatmap_outputs(plain.forward(c5), 5).extra.defined());
  // PyTorch-style names, so a state dict reads like the reference decoder's.
  auto names = head.state_dict();
  CHECK(names.front().first == "deconv_layers.0.weight");
  CHECK(names.back().first == "final_layer.bias");

  CHECK_THROWS_WITH_AS(tasks::HeatmapHead(0, 68), doctest::Contains("in_channels"), Error);
  CHECK_THROWS_WITH_AS(head.forward(randn({4, 64}, g)), doctest::Contains("HeatmapHead"), Error);
  CHECK_THROWS_WITH_AS(tasks::split_heatmap_outputs(out, 67), doctest::Contains("multiple"), Error);
}

TEST_CASE("ParsingHead: logits at C2 resolution for odd, non-square inputs; upsample_logits to the input size") {
  auto net = tiny_resnet(5);
  nn::manual_seed(2);
  tasks::ParsingHead head(net->pyramid_channels(), 11, 16);
  Generator g(10);
  Tensor x = randn({2, 99, 61, 3}, g);
  std::vector<Tensor> pyr = net->forward_pyramid(x);
  Tensor logits = head.forward(pyr);
  CHECK(logits.shape() == Shape({2, pyr[0].size(1), pyr[0].size(2), 11}));
  Tensor full = tasks::upsample_logits(logits, 99, 61);
  CHECK(full.shape() == Shape({2, 99, 61, 11}));
  CHECK_THROWS_WITH_AS(head.forward(x), doctest::Contains("pyramid"), Error);
  CHECK_THROWS_WITH_AS(head.forward(std::vector<Tensor>{pyr[0], pyr[1]}), doctest::Contains("pyramid"), Error);
  CHECK_THROWS_WITH_AS(tasks::ParsingHead({8, 16, 32}, 11), doctest::Contains("4 pyramid"), Error);
}

TEST_CASE("soft_argmax recovers sub-pixel peaks in input-image pixels (odd, non-square maps, any stride)") {
  // Centres in cell units, at least 4 sigma inside a 17 (W) x 13 (H) grid.
  std::vector<std::array<double, 2>> centres = {{8.3, 5.7}, {6.0, 8.0}, {11.45, 4.2}};
  for (double stride : {4.0, 2.0, 1.0, 3.5}) {
    for (DType dt : {DType::f64, DType::f32}) {
      Tensor maps = log_gaussian_maps(13, 17, centres, 1.0, dt);
      Tensor xy = tasks::soft_argmax(maps, stride).to(DType::f64);
      REQUIRE(xy.shape() == Shape({1, 3, 2}));
      for (size_t k = 0; k < centres.size(); ++k) {
        INFO("stride ", stride, " point ", k);
        // Cell centre j sits on image pixel (j + 0.5) * stride - 0.5.
        CHECK(xy.data<double>()[2 * k] == doctest::Approx((centres[k][0] + 0.5) * stride - 0.5).epsilon(1e-5));
        CHECK(xy.data<double>()[2 * k + 1] == doctest::Approx((centres[k][1] + 0.5) * stride - 0.5).epsilon(1e-5));
      }
    }
  }
  // beta sharpens: a flat-ish map (Gaussian with sigma 4, scaled down) is pulled
  // to its peak cell as beta grows, up to the same sub-pixel mean.
  Tensor flat = ops::mul_scalar(log_gaussian_maps(7, 11, {{5.0, 3.0}}, 1.0), 0.01);
  Tensor blurred = tasks::soft_argmax(flat, 4.0, 1.0);
  Tensor sharp = tasks::soft_argmax(flat, 4.0, 100.0);
  // Nearly uniform weights average to the grid centre (5, 3) too, so compare spread instead:
  Tensor wb = tasks::spatial_softmax(flat, 1.0), ws = tasks::spatial_softmax(flat, 100.0);
  CHECK(ops::amax(wb.reshape({77}), 0).item() < 0.02);
  CHECK(ops::amax(ws.reshape({77}), 0).item() > 0.1);
  CHECK(blurred.data<double>()[0] == doctest::Approx(5.5 * 4 - 0.5));
  CHECK(sharp.data<double>()[0] == doctest::Approx(5.5 * 4 - 0.5));
  // Weights sum to one per map.
  Tensor s = ops::sum(tasks::spatial_softmax(log_gaussian_maps(7, 11, centres, 1.0), 3.0), {1, 2});
  for (double v : s.to_vector<double>()) CHECK(v == doctest::Approx(1.0));
}

TEST_CASE("argmax_quarter_offset: arg-max cell plus a quarter towards the larger neighbour, none at borders") {
  std::vector<std::array<double, 2>> centres = {{4.3, 2.7}, {6.0, 3.0}, {0.2, 6.4}};
  Tensor maps = log_gaussian_maps(7, 11, centres, 1.0, DType::f32);
  Tensor xy = tasks::argmax_quarter_offset(maps, 4.0);
  CHECK(xy.dtype() == DType::f32);
  auto v = xy.to_vector<double>();
  auto img = [](double cell) { return (cell + 0.5) * 4.0 - 0.5; };
  CHECK(v[0] == doctest::Approx(img(4.25)));  // right neighbour (5) is closer to 4.3 than the left one
  CHECK(v[1] == doctest::Approx(img(2.75)));  // argmax row 3, upper neighbour (2) is closer to 2.7
  CHECK(v[2] == doctest::Approx(img(6.0)));   // exact tie: no move
  CHECK(v[3] == doctest::Approx(img(3.0)));
  CHECK(v[4] == doctest::Approx(img(0.0)));   // column 0 is a border: no move
  CHECK(v[5] == doctest::Approx(img(6.0)));   // row 6 is the last row: no move
  CHECK_THROWS_WITH_AS(tasks::argmax_quarter_offset(maps, 0.0), doctest::Contains("stride"), Error);
  CHECK_THROWS_WITH_AS(tasks::argmax_quarter_offset(maps.reshape({77, 3}), 4.0), doctest::Contains("[N, H, W, K]"),
                       Error);
}

TEST_CASE("Both decoders invert data::render_heatmaps (same pixel-centre convention)") {
  data::View v;
  v.image.reset(96, 80, 3);  // 24 x 20 cells at stride 4
  // Far enough inside that the targets' 3-sigma windows are not cut by the border.
  v.landmarks = {41.3f, 37.8f, 50.0f, 42.0f, 61.7f, 45.6f};
  v.visible = {1, 1, 1};
  data::HeatmapConfig c;
  c.stride = 4;
  c.sigma = 1.5f;
  Tensor maps = Tensor::empty({1, 20, 24, 3}, DType::f32), weight = Tensor::empty({1, 3}, DType::f32);
  data::render_heatmaps(v, c, maps.data<float>(), weight.data<float>());
  // The rendered Gaussian is cut off 3 sigma out, around the rounded peak, so
  // its mean differs from the true centre by well under a tenth of a cell.
  Tensor logmaps = ops::log(ops::add_scalar(maps.to(DType::f64), 1e-12));
  Tensor soft = tasks::soft_argmax(logmaps, 4.0);
  Tensor hard = tasks::argmax_quarter_offset(maps, 4.0);
  for (int k = 0; k < 3; ++k) {
    for (int a = 0; a < 2; ++a) {
      double truth = v.landmarks[size_t(2 * k + a)];
      INFO("point ", k, " axis ", a);
      CHECK(std::fabs(soft.data<double>()[2 * k + a] - truth) < 0.1 * 4);
      // The classic decode is within a quarter cell plus rounding of the target.
      CHECK(std::fabs(hard.data<float>()[2 * k + a] - truth) <= 0.5 * 4 + 1e-4);
    }
  }
}

TEST_CASE("gradcheck f64: spatial_softmax, soft_argmax, sample_at, the losses and upsample_logits") {
  Generator g(11);
  check_gradients("spatial_softmax beta 1.7", [](auto& x) { return tasks::spatial_softmax(x[0], 1.7); },
                  {rnd({2, 3, 5, 2}, g)});
  check_gradients("soft_argmax stride 4 beta 2", [](auto& x) { return tasks::soft_argmax(x[0], 4.0, 2.0); },
                  {rnd({2, 5, 3, 3}, g)});
  check_gradients("soft_argmax stride 1.5 beta 1", [](auto& x) { return tasks::soft_argmax(x[0], 1.5); },
                  {rnd({1, 4, 7, 2}, g)});
  check_gradients("sample_at (values and logits of the weights)",
                  [](auto& x) { return tasks::sample_at(x[0], tasks::spatial_softmax(x[1], 1.3)); },
                  {rnd({2, 3, 4, 2}, g), rnd({2, 3, 4, 2}, g)});
  check_gradients("split_heatmap_outputs + depth sampling",
                  [](auto& x) {
                    auto s = tasks::split_heatmap_outputs(x[0], 2);
                    return tasks::sample_at(s.extra, tasks::spatial_softmax(s.heatmaps));
                  },
                  {rnd({2, 3, 3, 4}, g)});
  Tensor target = randn({2, 3, 4, 3}, g, DType::f64);
  Tensor w = from_vector<double>({1, 0, 1, 1, 1, 0}, {2, 3});
  check_gradients("heatmap_mse_loss (weighted)",
                  [target, w](auto& x) { return tasks::heatmap_mse_loss(x[0], target, w); }, {rnd({2, 3, 4, 3}, g)});
  // L1 has a kink at 0: keep prediction and target apart.
  Tensor pred = rnd({2, 3, 2}, g);
  Tensor far = ops::add_scalar(pred.detach().clone(), 0.5);
  check_gradients("landmark_l1_loss (weighted)",
                  [far, w](auto& x) { return tasks::landmark_l1_loss(x[0], far, w); }, {pred});
  check_gradients("upsample_logits 3x5 -> 7x11", [](auto& x) { return tasks::upsample_logits(x[0], 7, 11); },
                  {rnd({1, 3, 5, 2}, g)});
}

TEST_CASE("gradcheck f64 through the heads: HeatmapHead + soft_argmax and ParsingHead w.r.t. their inputs") {
  nn::manual_seed(12);
  tasks::HeatmapHead head(3, 2, 4, 2, 1);
  head.to(DType::f64);
  Generator g(12);
  check_gradients("HeatmapHead -> soft_argmax and depth",
                  [&head](auto& x) {
                    auto s = tasks::split_heatmap_outputs(head.forward(x[0]), 2);
                    Tensor xy = tasks::soft_argmax(s.heatmaps, 4.0, 3.0);
                    Tensor z = tasks::sample_at(s.extra, tasks::spatial_softmax(s.heatmaps, 3.0));
                    return cat({flatten(xy), flatten(z)}, 0);
                  },
                  {rnd({2, 2, 3, 3}, g)});
  tasks::ParsingHead parse({2, 3, 3, 4}, 3, 4);
  parse.to(DType::f64);
  check_gradients("ParsingHead (odd pyramid sizes)",
                  [&parse](auto& x) { return parse.forward(std::vector<Tensor>{x[0], x[1], x[2], x[3]}); },
                  {rnd({2, 7, 5, 2}, g), rnd({2, 4, 3, 3}, g), rnd({2, 2, 2, 3}, g), rnd({2, 1, 1, 4}, g)});
}

TEST_CASE("losses: weights select points and a fully ignored batch gives zero") {
  Tensor pred = from_vector<double>({0, 0, 1, 1}, {1, 2, 2});
  Tensor target = from_vector<double>({1, 2, 1, 1}, {1, 2, 2});
  CHECK(tasks::landmark_l1_loss(pred, target, from_vector<double>({1, 1}, {1, 2})).item() == doctest::Approx(1.5));
  CHECK(tasks::landmark_l1_loss(pred, target, from_vector<double>({1, 0}, {1, 2})).item() == doctest::Approx(3.0));
  CHECK(tasks::landmark_l1_loss(pred, target, from_vector<double>({0, 0}, {1, 2})).item() == 0.0);
  Tensor maps = zeros({1, 2, 2, 2}, DType::f64), tmaps = ones({1, 2, 2, 2}, DType::f64);
  CHECK(tasks::heatmap_mse_loss(maps, tmaps, from_vector<double>({1, 1}, {1, 2})).item() == doctest::Approx(1.0));
  CHECK_THROWS_WITH_AS(tasks::heatmap_mse_loss(maps, tmaps, from_vector<double>({1}, {1, 1})),
                       doctest::Contains("weight"), Error);
}

TEST_CASE("A tiny ResNet + HeatmapHead overfits 4 images (soft-argmax L1 drops ten-fold)") {
  auto net = tiny_resnet(21);
  tasks::HeatmapHead head(net->feature_dim(), 3, 16, 3);
  Generator g(21);
  // Each image has bright squares where its three points are, so the task is learnable from pixels.
  const int N = 4, S = 64, K = 3;
  Tensor images = ops::mul_scalar(randn({N, S, S, 3}, g), 0.1);
  std::vector<float> pts;
  float* im = images.data<float>();
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) {
      int cx = 8 + (n * 13 + k * 17) % 48, cy = 8 + (n * 7 + k * 23) % 48;
      pts.push_back(float(cx));
      pts.push_back(float(cy));
      for (int y = cy - 2; y <= cy + 2; ++y)
        for (int x = cx - 2; x <= cx + 2; ++x) im[((n * S + y) * S + x) * 3 + k] += 1.0f;
    }
  Tensor target = from_vector<float>(pts, {N, K, 2});
  Tensor weight = ones({N, K});
  std::vector<Tensor> params = net->parameters();
  for (auto& p : head.parameters()) params.push_back(p);
  nn::AdamW opt(params, 3e-3, nn::AdamWOptions{0.9, 0.999, 1e-8, 0.0});
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    Tensor maps = head.forward(net->forward_maps(images));
    Tensor loss = tasks::landmark_l1_loss(tasks::soft_argmax(maps, double(S) / maps.size(1)), target, weight);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  INFO("L1 first ", first, " last ", last);
  CHECK(last < 0.1 * first);
}
