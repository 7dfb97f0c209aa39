// The CUDA convolution loaders' index arithmetic (kernels/cuda/conv_index.h),
// run on the CPU: whole convolutions computed as GEMMs over the operands it
// addresses (forward, input gradient, weight gradient) must equal the
// reference kernels, on geometries with strides, padding, dilation, odd
// sizes, 1x1 and 7x7 kernels. This proves on any machine the part of the
// implicit-GEMM kernels that says which element goes where; the CUDA tests
// prove the rest on a GPU.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/backend.h"
#include "kernels/cuda/conv_index.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
using namespace fb::kernels::cuda;

namespace {

struct Case {
  Shape x, w;
  int64_t sh, sw, ph, pw, dh, dw;
};

template <typename F>
Tensor reference(F&& f) {
  kernels::CpuBackendGuard g(kernels::CpuBackend::Reference);
  return f();
}

double max_abs_diff(const std::vector<double>& a, const Tensor& b) {
  const std::vector<double> bv = b.contiguous().to_vector<double>();
  REQUIRE(a.size() == bv.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - bv[i]));
  return m;
}

}  // namespace

TEST_CASE("cuda conv index arithmetic: convolutions through the loaders' addressing equal the reference") {
  const Case cases[] = {
      {{2, 9, 11, 5}, {7, 5, 3, 3}, 2, 2, 1, 1, 1, 1},  // stride 2, odd sizes
      {{2, 10, 9, 8}, {6, 8, 3, 3}, 1, 1, 1, 1, 1, 1},  // ResNet's 3x3
      {{1, 12, 13, 4}, {3, 4, 3, 3}, 1, 1, 2, 2, 2, 2},  // dilation 2
      {{3, 8, 7, 6}, {5, 6, 1, 1}, 2, 2, 0, 0, 1, 1},   // 1x1 stride 2 (downsampling)
      {{2, 15, 15, 3}, {4, 3, 7, 7}, 2, 2, 3, 3, 1, 1},  // the stem
      {{1, 7, 10, 3}, {2, 3, 3, 2}, 3, 1, 2, 0, 1, 3},   // unequal strides, pads, dilations
  };
  Generator gen(77);
  for (const Case& cs : cases) {
    kernels::Conv2dParams p;
    p.stride_h = cs.sh, p.stride_w = cs.sw, p.pad_h = cs.ph, p.pad_w = cs.pw;
    p.dilation_h = cs.dh, p.dilation_w = cs.dw;
    const kernels::ConvGeom geo = kernels::conv_geometry(cs.x, cs.w, p);
    CAPTURE(shape_str(cs.x));
    CAPTURE(shape_str(cs.w));
    const ConvIndex g = conv_index(geo);
    Tensor x = uniform(cs.x, -1, 1, gen, DType::f64), w = uniform(cs.w, -1, 1, gen, DType::f64);
    Tensor dy = uniform({geo.N, geo.OH, geo.OW, geo.O}, -1, 1, gen, DType::f64);
    const std::vector<double> xv = x.to_vector<double>(), dyv = dy.to_vector<double>();
    // Weights in the k orders the GEMMs use: OHWI (forward), [C, KH, KW, O] (input gradient).
    const std::vector<double> w_ohwi = w.permute({0, 2, 3, 1}).contiguous().to_vector<double>();
    const std::vector<double> w_chwo = w.permute({1, 2, 3, 0}).contiguous().to_vector<double>();
    const int taps = g.KH * g.KW;

    // Forward: y[r, o] = sum_k A[r, k] * w_ohwi[o, k], K = taps * C.
    const int M = g.N * g.OH * g.OW, Kf = taps * g.C;
    std::vector<double> y(size_t(M) * g.O, 0.0);
    for (int r = 0; r < M; ++r) {
      const FwdRow row = fwd_row(g, r);
      for (int k = 0; k < Kf; ++k)
        if (const int64_t at = fwd_offset(g, row, k); at >= 0)
          for (int o = 0; o < g.O; ++o) y[size_t(r) * g.O + o] += xv[size_t(at)] * w_ohwi[size_t(o) * Kf + k];
    }
    CHECK(max_abs_diff(y, reference([&] { return kernels::conv2d_forward(x, w, Tensor(), p); })) < 1e-12);

    // Input gradient: dx[q, c] = sum_k A[q, k] * w_chwo[c, k], K = taps * O.
    const int Q = g.N * g.H * g.W, Kd = taps * g.O;
    std::vector<double> dx(size_t(Q) * g.C, 0.0);
    for (int q = 0; q < Q; ++q) {
      const DgradRow row = dgrad_row(g, q);
      for (int k = 0; k < Kd; ++k)
        if (const int64_t at = dgrad_offset(g, row, k); at >= 0)
          for (int c = 0; c < g.C; ++c) dx[size_t(q) * g.C + c] += dyv[size_t(at)] * w_chwo[size_t(c) * Kd + k];
    }
    CHECK(max_abs_diff(dx, reference([&] { return kernels::conv2d_backward_input(dy, w, cs.x, p); })) < 1e-12);

    // Weight gradient: dw[o, rr] = sum_k dy[k, o] * B[rr, k], rr = (kh, kw, c), K = pixels.
    const int R = taps * g.C;
    std::vector<double> dw_ohwi(size_t(g.O) * R, 0.0);
    for (int rr = 0; rr < R; ++rr) {
      const WgradRow row = wgrad_row(g, rr);
      for (int k = 0; k < M; ++k)
        if (const int64_t at = wgrad_offset(g, row, k); at >= 0)
          for (int o = 0; o < g.O; ++o) dw_ohwi[size_t(o) * R + rr] += dyv[size_t(k) * g.O + o] * xv[size_t(at)];
    }
    Tensor dw_ref = reference([&] { return kernels::conv2d_backward_weight(dy, x, cs.w, p); });
    CHECK(max_abs_diff(dw_ohwi, dw_ref.permute({0, 2, 3, 1})) < 1e-12);
  }
}
