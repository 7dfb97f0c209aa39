// CUDA elementwise, softmax/cross-entropy, batch norm, pooling, Sinkhorn and
// contrastive cross-entropy kernels against the f64 reference on random odd
// shapes, forward and backward (f32 kernels: relative error below 1e-5).
#include "cuda_test_util.h"
#include "kernels/contrastive.h"

using namespace fb;
using fbtest::f64;
using fbtest::gpu;
using fbtest::reference;
using fbtest::rel;
using kernels::Activation;

namespace {
constexpr double kTol = 1e-5;
}

TEST_CASE("cuda ops: activations forward and backward") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(11);
  for (Activation a : {Activation::Relu, Activation::Gelu, Activation::Sigmoid, Activation::Tanh}) {
    Tensor x = fbtest::rnd({3, 5, 7, 9}, gen, -3, 3), dy = fbtest::rnd({3, 5, 7, 9}, gen);
    Tensor y = kernels::activation_forward(a, gpu(x));
    Tensor dx = kernels::activation_backward(a, gpu(dy), gpu(x));
    CAPTURE(static_cast<int>(a));
    CHECK(rel(y, reference([&] { return kernels::activation_forward(a, f64(x)); })) < kTol);
    CHECK(rel(dx, reference([&] { return kernels::activation_backward(a, f64(dy), f64(x)); })) < kTol);
  }
}

TEST_CASE("cuda ops: softmax and log-softmax forward and backward") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(12);
  for (Shape s : {Shape{7, 13}, Shape{3, 5, 1000}, Shape{2, 1}}) {
    Tensor x = fbtest::rnd(s, gen, -20, 20), dy = fbtest::rnd(s, gen);
    Tensor y = kernels::softmax_forward(gpu(x)), ly = kernels::log_softmax_forward(gpu(x));
    CHECK(rel(y, reference([&] { return kernels::softmax_forward(f64(x)); })) < kTol);
    CHECK(rel(ly, reference([&] { return kernels::log_softmax_forward(f64(x)); })) < kTol);
    Tensor dx = kernels::softmax_backward(gpu(dy), y), ldx = kernels::log_softmax_backward(gpu(dy), ly);
    CHECK(rel(dx, reference([&] { return kernels::softmax_backward(f64(dy), f64(y)); })) < kTol);
    CHECK(rel(ldx, reference([&] { return kernels::log_softmax_backward(f64(dy), f64(ly)); })) < kTol);
  }
}

TEST_CASE("cuda ops: cross-entropy with smoothing, ignore_index and every reduction") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(13);
  const int64_t N = 37, C = 101;
  Tensor logits = fbtest::rnd({N, C}, gen, -5, 5);
  std::vector<int64_t> lab(N);
  for (int64_t i = 0; i < N; ++i) lab[i] = i % 5 == 0 ? -100 : gen.randint(C);
  Tensor labels = from_vector(lab, {N});
  for (auto r : {kernels::Reduction::None, kernels::Reduction::Mean, kernels::Reduction::Sum})
    for (double eps : {0.0, 0.1}) {
      CAPTURE(static_cast<int>(r));
      CAPTURE(eps);
      Tensor out = kernels::cross_entropy_forward(gpu(logits), gpu(labels), eps, -100, r);
      CHECK(rel(out, reference([&] { return kernels::cross_entropy_forward(f64(logits), labels, eps, -100, r); })) <
            kTol);
      Tensor dloss = r == kernels::Reduction::None ? fbtest::rnd({N}, gen) : full({}, 0.7);
      Tensor d = kernels::cross_entropy_backward(gpu(dloss), gpu(logits), gpu(labels), eps, -100, r);
      CHECK(rel(d, reference([&] {
              return kernels::cross_entropy_backward(f64(dloss), f64(logits), labels, eps, -100, r);
            })) < kTol);
    }
  std::vector<int64_t> bad(N, 0);
  bad[3] = C;
  CHECK_THROWS_WITH_AS(kernels::cross_entropy_forward(gpu(logits), gpu(from_vector(bad, {N})), 0.0, -100,
                                                      kernels::Reduction::Mean),
                       doctest::Contains("out of range"), Error);
}

TEST_CASE("cuda ops: batch norm training forward, backward and eval") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(14);
  for (Shape s : {Shape{3, 5, 7, 11}, Shape{129, 64}, Shape{2, 3}}) {
    const int64_t C = s.back();
    Tensor x = fbtest::rnd(s, gen, -2, 3), g = fbtest::rnd({C}, gen), b = fbtest::rnd({C}, gen);
    Tensor dy = fbtest::rnd(s, gen);
    auto [y, mean, invstd] = kernels::batch_norm_forward_train(gpu(x), gpu(g), gpu(b), 1e-5);
    // Named references, not a structured binding: clang 14 cannot capture bindings in the lambdas below.
    const auto r_stats = reference([&] { return kernels::batch_norm_forward_train(f64(x), f64(g), f64(b), 1e-5); });
    const Tensor &ry = std::get<0>(r_stats), &rmean = std::get<1>(r_stats), &rinv = std::get<2>(r_stats);
    CHECK(rel(y, ry) < kTol);
    CHECK(rel(mean, rmean) < kTol);
    CHECK(rel(invstd, rinv) < kTol);
    auto [dx, dg, db] = kernels::batch_norm_backward(gpu(dy), gpu(x), gpu(g), mean, invstd);
    auto [rdx, rdg, rdb] =
        reference([&] { return kernels::batch_norm_backward(f64(dy), f64(x), f64(g), rmean, rinv); });
    CHECK(rel(dx, rdx) < 1e-4);  // a difference of sums: f32 cancellation
    CHECK(rel(dg, rdg) < kTol);
    CHECK(rel(db, rdb) < kTol);
    Tensor rv = fbtest::rnd({C}, gen, 0.5, 2);
    Tensor ye = kernels::batch_norm_forward_eval(gpu(x), gpu(g), gpu(b), gpu(rmean.to(DType::f32)), gpu(rv), 1e-5);
    CHECK(rel(ye, reference([&] {
            return kernels::batch_norm_forward_eval(f64(x), f64(g), f64(b), rmean, f64(rv), 1e-5);
          })) < kTol);
  }
}

TEST_CASE("cuda ops: fused batch norm + residual + ReLU equals the composed reference, forward, backward, eval") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(141);
  for (Shape s : {Shape{3, 5, 7, 11}, Shape{129, 64}, Shape{2, 3}})
    for (bool with_residual : {false, true}) {
      CAPTURE(shape_str(s));
      CAPTURE(with_residual);
      const int64_t C = s.back();
      Tensor x = fbtest::rnd(s, gen, -2, 3), g = fbtest::rnd({C}, gen), b = fbtest::rnd({C}, gen);
      Tensor res = with_residual ? fbtest::rnd(s, gen) : Tensor(), dy = fbtest::rnd(s, gen);
      const Tensor gres = with_residual ? gpu(res) : Tensor(), rres = with_residual ? f64(res) : Tensor();
      auto [y, mean, invstd] = kernels::batch_norm_relu_forward_train(gpu(x), gpu(g), gpu(b), 1e-5, gres);
      // Named references, not a structured binding: clang 14 cannot capture bindings in the lambdas below.
      const auto r_fwd =
          reference([&] { return kernels::batch_norm_relu_forward_train(f64(x), f64(g), f64(b), 1e-5, rres); });
      const Tensor &ry = std::get<0>(r_fwd), &rmean = std::get<1>(r_fwd), &rinv = std::get<2>(r_fwd);
      CHECK(rel(y, ry) < kTol);
      CHECK(rel(mean, rmean) < kTol);
      CHECK(rel(invstd, rinv) < kTol);
      // Backward from the reference output, so both see the same ReLU mask.
      const Tensor gy = gpu(ry.to(DType::f32));
      auto [dx, dg, db, dz] = kernels::batch_norm_relu_backward(gpu(dy), gy, gpu(x), gpu(g), mean, invstd, true);
      auto [rdx, rdg, rdb, rdz] = reference(
          [&] { return kernels::batch_norm_relu_backward(f64(dy), f64(ry), f64(x), f64(g), rmean, rinv, true); });
      CHECK(rel(dx, rdx) < 1e-4);  // a difference of sums: f32 cancellation
      CHECK(rel(dg, rdg) < kTol);
      CHECK(rel(db, rdb) < kTol);
      CHECK(rel(dz, rdz) == 0.0);  // dy or 0: exact
      auto [dx2, dg2, db2, none] = kernels::batch_norm_relu_backward(gpu(dy), gy, gpu(x), gpu(g), mean, invstd, false);
      CHECK_FALSE(none.defined());
      CHECK(rel(dx2, rdx) < 1e-4);
      Tensor rv = fbtest::rnd({C}, gen, 0.5, 2);
      Tensor ye = kernels::batch_norm_relu_forward_eval(gpu(x), gpu(g), gpu(b), gpu(rmean.to(DType::f32)), gpu(rv),
                                                        1e-5, gres);
      CHECK(rel(ye, reference([&] {
              return kernels::batch_norm_relu_forward_eval(f64(x), f64(g), f64(b), rmean, f64(rv), 1e-5, rres);
            })) < kTol);
    }
  Tensor x = Tensor::empty({4, 6}, DType::f32, Device::cuda()), g = Tensor::empty({6}, DType::f32, Device::cuda());
  CHECK_THROWS_WITH_AS(
      kernels::batch_norm_relu_forward_train(x, g, g, 1e-5, Tensor::empty({4, 5}, DType::f32, Device::cuda())),
      doctest::Contains("differ in shape"), Error);
}

TEST_CASE("cuda ops: max, average and adaptive pooling forward and backward") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(15);
  Tensor x = fbtest::rnd({2, 9, 11, 5}, gen);
  kernels::Pool2dParams p;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_h = p.pad_w = 1;
  for (bool ceil_mode : {false, true}) {
    p.ceil_mode = ceil_mode;
    auto [y, idx] = kernels::max_pool2d_forward(gpu(x), p);
    const auto r_pool = reference([&] { return kernels::max_pool2d_forward(f64(x), p); });
    const Tensor &ry = std::get<0>(r_pool), &ridx = std::get<1>(r_pool);  // capturable, unlike a binding
    CHECK(rel(y, ry) == 0.0);
    CHECK(ops::max_abs_diff(idx.to(Device::cpu()).to(DType::f64), ridx.to(DType::f64)) == 0.0);
    Tensor dy = fbtest::rnd(y.shape(), gen);
    CHECK(rel(kernels::max_pool2d_backward(gpu(dy), idx, x.shape()),
              reference([&] { return kernels::max_pool2d_backward(f64(dy), ridx, x.shape()); })) < kTol);
    for (bool inc : {true, false}) {
      p.count_include_pad = inc;
      Tensor ya = kernels::avg_pool2d_forward(gpu(x), p);
      CHECK(rel(ya, reference([&] { return kernels::avg_pool2d_forward(f64(x), p); })) < kTol);
      Tensor dya = fbtest::rnd(ya.shape(), gen);
      CHECK(rel(kernels::avg_pool2d_backward(gpu(dya), x.shape(), p),
                reference([&] { return kernels::avg_pool2d_backward(f64(dya), x.shape(), p); })) < kTol);
    }
  }
  for (const auto& size : {std::pair<int64_t, int64_t>{1, 1}, {3, 2}, {4, 7}}) {
    const int64_t oh = size.first, ow = size.second;  // capturable, unlike a structured binding
    Tensor y = kernels::adaptive_avg_pool2d_forward(gpu(x), oh, ow);
    CHECK(rel(y, reference([&] { return kernels::adaptive_avg_pool2d_forward(f64(x), oh, ow); })) < kTol);
    Tensor dy = fbtest::rnd(y.shape(), gen);
    CHECK(rel(kernels::adaptive_avg_pool2d_backward(gpu(dy), x.shape()),
              reference([&] { return kernels::adaptive_avg_pool2d_backward(f64(dy), x.shape()); })) < kTol);
  }
}

TEST_CASE("cuda ops: Sinkhorn-Knopp codes equal the reference and their rows sum to 1") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(16);
  // Odd shapes, more prototypes than samples and the reverse, SwAV's eps
  // and iterations, one iteration, none, and a large one (4096 x 3000).
  struct Case {
    int64_t B, K;
    double eps;
    int iters;
  };
  for (Case c : {Case{7, 13, 0.05, 3}, Case{256, 3000, 0.05, 3}, Case{33, 5, 0.1, 1}, Case{9, 40, 0.05, 0},
                 Case{4096, 3000, 0.05, 3}}) {
    CAPTURE(c.B);
    CAPTURE(c.K);
    CAPTURE(c.iters);
    Tensor s = fbtest::rnd({c.B, c.K}, gen);  // cosine scores lie in [-1, 1]
    Tensor q = kernels::sinkhorn(gpu(s), c.eps, c.iters);
    Tensor ref = reference([&] { return kernels::sinkhorn(f64(s), c.eps, c.iters); });
    CHECK(rel(q, ref) < kTol);
    if (c.iters > 0) {
      // After a row normalisation last, every row sums to exactly 1 (up to f32).
      const auto rows = ops::sum(f64(q), {1}).to_vector<double>();
      for (double r : rows) CHECK(r == doctest::Approx(1.0).epsilon(1e-4));
    }
  }
}

TEST_CASE("cuda ops: contrastive cross-entropy forward and backward (MoCo and NT-Xent masks, odd and large shapes)") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(16);
  struct Case {
    int64_t N, M;
    bool nt_xent;  // positive (i + N/2) mod N and own column excluded; else positive 0, nothing excluded
    double scale, tau;
  };
  for (const Case& c : {Case{1, 1, false, 1, 0.2}, Case{37, 1001, false, 1, 0.07}, Case{5, 70000, false, 1, 0.07},
                        Case{2, 2, true, 1, 0.5}, Case{130, 130, true, 1, 0.1}, Case{512, 512, true, 1, 0.1},
                        Case{64, 257, false, 300, 0.05}}) {
    CAPTURE(c.N);
    CAPTURE(c.M);
    CAPTURE(c.nt_xent);
    Tensor sim = fbtest::rnd({c.N, c.M}, gen, -c.scale, c.scale);
    std::vector<int64_t> pos(c.N, 0), exc(c.N);
    for (int64_t i = 0; i < c.N; ++i) {
      if (c.nt_xent) pos[i] = (i + c.N / 2) % c.N;
      exc[i] = i;
    }
    Tensor positive = from_vector(pos, {c.N}), excluded = c.nt_xent ? from_vector(exc, {c.N}) : Tensor();
    auto on_gpu = [](const Tensor& t) { return t.defined() ? gpu(t) : Tensor(); };
    auto [loss, row_max, row_log_sum] =
        kernels::contrastive_cross_entropy_forward(gpu(sim), gpu(positive), on_gpu(excluded), c.tau);
    auto [ref_loss, ref_max, ref_log_sum] = reference(
        [&] { return kernels::contrastive_cross_entropy_forward(f64(sim), positive, excluded, c.tau); });
    CHECK(rel(loss, ref_loss) < kTol);
    CHECK(rel(row_max, ref_max) == 0.0);  // the maximum is one of the inputs
    CHECK(rel(row_log_sum, ref_log_sum) < kTol);
    Tensor dloss = full({}, 0.7);
    Tensor d = kernels::contrastive_cross_entropy_backward(gpu(dloss), gpu(sim), gpu(positive), on_gpu(excluded),
                                                           c.tau, row_max, row_log_sum);
    Tensor ref_d = reference([&] {
      return kernels::contrastive_cross_entropy_backward(f64(dloss), f64(sim), positive, excluded, c.tau, ref_max,
                                                         ref_log_sum);
    });
    CHECK(rel(d, ref_d) < kTol);
    if (c.nt_xent) {  // the excluded (own) column gets exactly no gradient
      const std::vector<double> dv = d.to_vector<double>();
      for (int64_t i = 0; i < c.N; ++i) CHECK(dv[i * c.M + i] == 0.0);
    }
  }
}
