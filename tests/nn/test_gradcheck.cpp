// Every differentiable op, checked against central finite differences in
// double precision, through both the CPU kernels and the reference kernels.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "autograd/gradcheck.h"
#include "kernels/backend.h"
#include "nn/functional.h"

using namespace fb;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

namespace {

Generator g_gen(2024);

Tensor rnd(const Shape& s) { return randn(s, g_gen, DType::f64).set_requires_grad(true); }
// Values bounded away from 0 (for ReLU, abs-like kinks, log, sqrt, division).
Tensor away_from_zero(const Shape& s, bool positive = false) {
  Tensor t = randn(s, g_gen, DType::f64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = p[i];
    double mag = 0.2 + std::fabs(v);
    p[i] = positive ? mag : (v < 0 ? -mag : mag);
  }
  return t.set_requires_grad(true);
}
Tensor labels(const std::vector<int64_t>& v) { return from_vector<int64_t>(v, {static_cast<int64_t>(v.size())}); }

struct Case {
  const char* name;
  std::function<std::vector<Tensor>()> inputs;
  Fn f;
};

kernels::Conv2dParams conv_p(int64_t s, int64_t pad, int64_t dil, int64_t groups) {
  kernels::Conv2dParams p;
  p.stride_h = p.stride_w = s;
  p.pad_h = p.pad_w = pad;
  p.dilation_h = p.dilation_w = dil;
  p.groups = groups;
  return p;
}

kernels::Pool2dParams pool_p(int64_t k, int64_t s, int64_t pad, bool ceil, bool include_pad) {
  kernels::Pool2dParams p;
  p.kernel_h = p.kernel_w = k;
  p.stride_h = p.stride_w = s;
  p.pad_h = p.pad_w = pad;
  p.ceil_mode = ceil;
  p.count_include_pad = include_pad;
  return p;
}

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"add (broadcast)", [] { return std::vector<Tensor>{rnd({3, 4}), rnd({4})}; },
               [](auto& x) { return add(x[0], x[1]); }});
  c.push_back({"sub (broadcast)", [] { return std::vector<Tensor>{rnd({2, 1, 3}), rnd({4, 1})}; },
               [](auto& x) { return sub(x[0], x[1]); }});
  c.push_back({"mul (broadcast)", [] { return std::vector<Tensor>{rnd({2, 3, 4}), rnd({3, 1})}; },
               [](auto& x) { return mul(x[0], x[1]); }});
  c.push_back({"div (broadcast)", [] { return std::vector<Tensor>{rnd({3, 4}), away_from_zero({4})}; },
               [](auto& x) { return div(x[0], x[1]); }});
  c.push_back({"add_scalar", [] { return std::vector<Tensor>{rnd({5})}; },
               [](auto& x) { return add_scalar(x[0], 1.5); }});
  c.push_back({"mul_scalar", [] { return std::vector<Tensor>{rnd({5})}; },
               [](auto& x) { return mul_scalar(x[0], -2.5); }});
  c.push_back({"pow_scalar", [] { return std::vector<Tensor>{away_from_zero({6}, true)}; },
               [](auto& x) { return pow_scalar(x[0], 2.7); }});
  c.push_back({"neg", [] { return std::vector<Tensor>{rnd({4})}; }, [](auto& x) { return neg(x[0]); }});
  c.push_back({"exp", [] { return std::vector<Tensor>{rnd({4, 2})}; }, [](auto& x) { return exp(x[0]); }});
  c.push_back({"log", [] { return std::vector<Tensor>{away_from_zero({7}, true)}; },
               [](auto& x) { return log(x[0]); }});
  c.push_back({"sqrt", [] { return std::vector<Tensor>{away_from_zero({7}, true)}; },
               [](auto& x) { return sqrt(x[0]); }});
  c.push_back({"clamp", [] { return std::vector<Tensor>{away_from_zero({9})}; },
               [](auto& x) { return clamp(x[0], -0.1, 0.8); }});
  c.push_back({"sum (dims, keepdim)", [] { return std::vector<Tensor>{rnd({2, 3, 4})}; },
               [](auto& x) { return sum(x[0], {0, 2}, true); }});
  c.push_back({"sum (all)", [] { return std::vector<Tensor>{rnd({2, 3})}; }, [](auto& x) { return sum(x[0]); }});
  c.push_back({"mean (dim)", [] { return std::vector<Tensor>{rnd({3, 5})}; },
               [](auto& x) { return mean(x[0], {1}); }});
  c.push_back({"reshape", [] { return std::vector<Tensor>{rnd({2, 6})}; },
               [](auto& x) { return mul(reshape(x[0], {3, 4}), reshape(x[0], {3, 4})); }});
  c.push_back({"permute", [] { return std::vector<Tensor>{rnd({2, 3, 4})}; },
               [](auto& x) { return contiguous(permute(x[0], {2, 0, 1})); }});
  c.push_back({"transpose", [] { return std::vector<Tensor>{rnd({3, 4})}; },
               [](auto& x) { return mul(transpose(x[0], 0, 1), transpose(x[0], 0, 1)); }});
  c.push_back({"slice (step 2)", [] { return std::vector<Tensor>{rnd({7, 3})}; },
               [](auto& x) { return mul(slice(x[0], 0, 1, 7, 2), slice(x[0], 0, 1, 7, 2)); }});
  c.push_back({"flatten", [] { return std::vector<Tensor>{rnd({2, 3, 2})}; },
               [](auto& x) { return exp(flatten(x[0], 1)); }});
  c.push_back({"cat", [] { return std::vector<Tensor>{rnd({2, 3}), rnd({2, 2})}; },
               [](auto& x) { return exp(cat({x[0], x[1]}, 1)); }});
  c.push_back({"nchw_to_nhwc", [] { return std::vector<Tensor>{rnd({2, 3, 4, 5})}; },
               [](auto& x) { return exp(nchw_to_nhwc(x[0])); }});
  c.push_back({"matmul", [] { return std::vector<Tensor>{rnd({3, 5}), rnd({5, 4})}; },
               [](auto& x) { return matmul(x[0], x[1]); }});
  c.push_back({"linear (3-D input, bias)", [] { return std::vector<Tensor>{rnd({2, 3, 5}), rnd({4, 5}), rnd({4})}; },
               [](auto& x) { return linear(x[0], x[1], x[2]); }});
  c.push_back({"relu", [] { return std::vector<Tensor>{away_from_zero({4, 5})}; },
               [](auto& x) { return relu(x[0]); }});
  c.push_back({"gelu", [] { return std::vector<Tensor>{rnd({4, 5})}; }, [](auto& x) { return gelu(x[0]); }});
  c.push_back({"sigmoid", [] { return std::vector<Tensor>{rnd({4, 5})}; }, [](auto& x) { return sigmoid(x[0]); }});
  c.push_back({"tanh", [] { return std::vector<Tensor>{rnd({4, 5})}; }, [](auto& x) { return fb::tanh(x[0]); }});
  c.push_back({"softmax", [] { return std::vector<Tensor>{rnd({3, 6})}; }, [](auto& x) { return softmax(x[0]); }});
  c.push_back({"log_softmax", [] { return std::vector<Tensor>{rnd({3, 6})}; },
               [](auto& x) { return log_softmax(x[0]); }});
  c.push_back({"l2_normalize", [] { return std::vector<Tensor>{rnd({3, 5})}; },
               [](auto& x) { return l2_normalize(x[0]); }});
  c.push_back({"conv2d (stride 2, pad 1, bias)",
               [] { return std::vector<Tensor>{rnd({2, 7, 6, 3}), rnd({4, 3, 3, 3}), rnd({4})}; },
               [](auto& x) { return conv2d(x[0], x[1], x[2], conv_p(2, 1, 1, 1)); }});
  c.push_back({"conv2d (dilation 2, groups 2)",
               [] { return std::vector<Tensor>{rnd({1, 8, 7, 4}), rnd({6, 2, 3, 3}), Tensor()}; },
               [](auto& x) { return conv2d(x[0], x[1], x[2], conv_p(1, 2, 2, 2)); }});
  c.push_back({"conv2d (1x1)", [] { return std::vector<Tensor>{rnd({2, 3, 3, 5}), rnd({4, 5, 1, 1}), Tensor()}; },
               [](auto& x) { return conv2d(x[0], x[1], x[2], conv_p(1, 0, 1, 1)); }});
  c.push_back({"conv_transpose2d (stride 2, output_padding 1, bias)",
               [] { return std::vector<Tensor>{rnd({2, 3, 4, 4}), rnd({4, 3, 3, 3}), rnd({3})}; },
               [](auto& x) { return conv_transpose2d(x[0], x[1], x[2], conv_p(2, 1, 1, 1), 1, 1); }});
  c.push_back({"conv_transpose2d (groups 2, 4x4 kernel)",
               [] { return std::vector<Tensor>{rnd({1, 3, 3, 4}), rnd({4, 1, 4, 4}), Tensor()}; },
               [](auto& x) { return conv_transpose2d(x[0], x[1], x[2], conv_p(2, 1, 1, 2)); }});
  c.push_back({"max_pool2d (3x3 s2 p1)", [] { return std::vector<Tensor>{rnd({2, 7, 6, 3})}; },
               [](auto& x) { return max_pool2d(x[0], pool_p(3, 2, 1, false, true)); }});
  c.push_back({"max_pool2d (ceil_mode)", [] { return std::vector<Tensor>{rnd({1, 6, 6, 2})}; },
               [](auto& x) { return max_pool2d(x[0], pool_p(3, 2, 0, true, true)); }});
  c.push_back({"avg_pool2d (pad, count_include_pad)", [] { return std::vector<Tensor>{rnd({2, 5, 6, 3})}; },
               [](auto& x) { return avg_pool2d(x[0], pool_p(3, 2, 1, false, true)); }});
  c.push_back({"avg_pool2d (ceil, exclude pad)", [] { return std::vector<Tensor>{rnd({1, 6, 5, 2})}; },
               [](auto& x) { return avg_pool2d(x[0], pool_p(3, 2, 1, true, false)); }});
  c.push_back({"adaptive_avg_pool2d (5x7 -> 3x2)", [] { return std::vector<Tensor>{rnd({2, 5, 7, 3})}; },
               [](auto& x) { return adaptive_avg_pool2d(x[0], 3, 2); }});
  c.push_back({"upsample_bilinear2d", [] { return std::vector<Tensor>{rnd({1, 3, 4, 2})}; },
               [](auto& x) { return upsample_bilinear2d(x[0], 7, 5, false); }});
  c.push_back({"upsample_bilinear2d (align_corners)", [] { return std::vector<Tensor>{rnd({1, 3, 4, 2})}; },
               [](auto& x) { return upsample_bilinear2d(x[0], 5, 9, true); }});
  c.push_back({"batch_norm (train)", [] { return std::vector<Tensor>{rnd({3, 2, 3, 4}), rnd({4}), rnd({4})}; },
               [](auto& x) { return batch_norm(x[0], x[1], x[2], Tensor(), Tensor(), true); }});
  c.push_back({"batch_norm (eval)", [] { return std::vector<Tensor>{rnd({3, 2, 2, 4}), rnd({4}), rnd({4})}; },
               [](auto& x) {
                 Tensor rm = from_vector<double>({0.1, -0.2, 0.3, 0.0}, {4});
                 Tensor rv = from_vector<double>({1.5, 0.5, 2.0, 1.0}, {4});
                 return batch_norm(x[0], x[1], x[2], rm, rv, false);
               }});
  c.push_back({"batch_norm_relu_eval (residual)",
               [] { return std::vector<Tensor>{rnd({2, 2, 3, 4}), rnd({4}), rnd({4}), rnd({2, 2, 3, 4})}; },
               [](auto& x) {
                 Tensor rm = from_vector<double>({0.1, -0.2, 0.3, 0.0}, {4});
                 Tensor rv = from_vector<double>({1.5, 0.5, 2.0, 1.0}, {4});
                 return batch_norm_relu_eval(x[0], x[1], x[2], rm, rv, 1e-5, x[3]);
               }});
  c.push_back({"batch_norm_relu (train)", [] { return std::vector<Tensor>{rnd({3, 2, 3, 4}), rnd({4}), rnd({4})}; },
               [](auto& x) { return batch_norm_relu(x[0], x[1], x[2], Tensor(), Tensor()); }});
  c.push_back({"batch_norm_relu (train, residual)",
               [] { return std::vector<Tensor>{rnd({2, 3, 2, 5}), rnd({5}), rnd({5}), rnd({2, 3, 2, 5})}; },
               [](auto& x) { return batch_norm_relu(x[0], x[1], x[2], Tensor(), Tensor(), 0.1, 1e-5, x[3]); }});
  c.push_back({"layer_norm", [] { return std::vector<Tensor>{rnd({3, 6}), rnd({6}), rnd({6})}; },
               [](auto& x) { return layer_norm(x[0], x[1], x[2]); }});
  c.push_back({"cross_entropy (mean, smoothing 0.1, ignore_index)", [] { return std::vector<Tensor>{rnd({4, 5})}; },
               [](auto& x) { return cross_entropy(x[0], labels({1, 4, -100, 0}), 0.1, -100); }});
  c.push_back({"cross_entropy (none)", [] { return std::vector<Tensor>{rnd({3, 4})}; },
               [](auto& x) { return cross_entropy(x[0], labels({3, 0, 2}), 0.0, -100, Reduction::None); }});
  // MoCo's form (positive column 0, nothing excluded) and NT-Xent's (2N x 2N,
  // positive i + N, own column excluded), then random columns with some rows
  // excluding nothing; odd sizes.
  c.push_back({"contrastive_cross_entropy (positive 0)", [] { return std::vector<Tensor>{rnd({5, 7})}; },
               [](auto& x) { return contrastive_cross_entropy(x[0], labels({0, 0, 0, 0, 0}), Tensor(), 0.2); }});
  c.push_back({"contrastive_cross_entropy (nt-xent mask)", [] { return std::vector<Tensor>{rnd({6, 6})}; },
               [](auto& x) {
                 return contrastive_cross_entropy(x[0], labels({3, 4, 5, 0, 1, 2}), labels({0, 1, 2, 3, 4, 5}), 0.5);
               }});
  c.push_back({"contrastive_cross_entropy (random, some unmasked)",
               [] { return std::vector<Tensor>{rnd({3, 9})}; },
               [](auto& x) { return contrastive_cross_entropy(x[0], labels({8, 0, 4}), labels({-1, 3, 5}), 0.7); }});
  c.push_back({"mse_loss", [] { return std::vector<Tensor>{rnd({3, 4}), rnd({3, 4})}; },
               [](auto& x) { return mse_loss(x[0], x[1]); }});
  c.push_back({"l1_loss (sum)", [] { return std::vector<Tensor>{rnd({3, 4}), rnd({3, 4})}; },
               [](auto& x) { return l1_loss(x[0], x[1], Reduction::Sum); }});
  c.push_back({"smooth_l1_loss (none, beta 0.5)", [] { return std::vector<Tensor>{rnd({3, 4}), rnd({3, 4})}; },
               [](auto& x) { return smooth_l1_loss(x[0], x[1], 0.5, Reduction::None); }});
  c.push_back({"dropout (p 0.3)", [] { return std::vector<Tensor>{rnd({4, 6})}; },
               [](auto& x) {
                 Generator g(7);  // same mask on every evaluation
                 return dropout(x[0], 0.3, true, g);
               }});
  return c;
}

}  // namespace

TEST_CASE("gradcheck in f64 for every differentiable op, CPU kernels and reference kernels") {
  for (auto backend : {kernels::CpuBackend::Cpu, kernels::CpuBackend::Reference}) {
    kernels::CpuBackendGuard guard(backend);
    int passed = 0;
    for (auto& c : cases()) {
      auto inputs = c.inputs();
      // Point losses with a kink (L1, smooth-L1) need |pred - target| away from the kink.
      if (std::string(c.name).find("l1") != std::string::npos) {
        double* p = inputs[0].data<double>();
        const double* t = inputs[1].data<double>();
        for (int64_t i = 0; i < inputs[0].numel(); ++i)
          if (std::fabs(p[i] - t[i]) < 0.05 || std::fabs(std::fabs(p[i] - t[i]) - 0.5) < 0.05) p[i] += 0.2;
      }
      auto r = autograd::gradcheck(c.f, inputs);
      INFO("op: ", c.name, " backend: ", kernels::cpu_backend_name(backend), "\n", r.report);
      CHECK(r.checked > 0);
      CHECK(r.ok);
      if (r.ok) ++passed;
      std::printf("gradcheck f64 [%s] %-52s %s  (%lld elements, max abs err %.2e)\n",
                  kernels::cpu_backend_name(backend), c.name, r.ok ? "ok" : "FAILED",
                  static_cast<long long>(r.checked), r.max_abs_error);
    }
    std::printf("gradcheck f64 [%s]: %d of %zu ops passed\n", kernels::cpu_backend_name(backend), passed,
                cases().size());
  }
}
