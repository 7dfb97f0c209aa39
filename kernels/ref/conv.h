#pragma once
// Reference 2-D convolution, NHWC activations x OIHW weights: plain loops that
// follow the definition, accumulating in double. The oracle for kernels/cpu
// and kernels/cuda.
//
//   y[n,oh,ow,o] = bias[o] + sum_{c,kh,kw} x[n, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw, g*Cg + c]
//                                          * w[o, c, kh, kw],   g = o / (O/groups)
// Out-of-range input positions read as zero (zero padding).
#include <cstdint>
#include <vector>

#include "kernels/geometry.h"

namespace fb::kernels::ref {

namespace detail {
// Calls f(x_index, y_index, w_index) for every (output, tap) pair that reads
// inside the input, i.e. for every term of the sum above.
template <typename F>
void conv_for_each_tap(const ConvGeom& g, F&& f) {
  const int64_t Cg = g.cin_per_group(), Og = g.cout_per_group();
  const auto& p = g.p;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t o = 0; o < g.O; ++o) {
          const int64_t grp = o / Og;
          const int64_t yi = ((n * g.OH + oh) * g.OW + ow) * g.O + o;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh) {
              const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dilation_h;
              if (ih < 0 || ih >= g.H) continue;
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t iw = ow * p.stride_w - p.pad_w + kw * p.dilation_w;
                if (iw < 0 || iw >= g.W) continue;
                const int64_t xi = ((n * g.H + ih) * g.W + iw) * g.C + grp * Cg + c;
                const int64_t wi = ((o * Cg + c) * g.KH + kh) * g.KW + kw;
                f(xi, yi, wi);
              }
            }
        }
}
}  // namespace detail

// y [N,OH,OW,O]; bias may be null.
template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t ny = g.N * g.OH * g.OW * g.O;
  std::vector<double> acc(static_cast<size_t>(ny), 0.0);
  detail::conv_for_each_tap(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[yi] += double(x[xi]) * w[wi]; });
  for (int64_t i = 0; i < ny; ++i) y[i] = static_cast<T>(acc[i] + (bias ? double(bias[i % g.O]) : 0.0));
}

// dx [N,H,W,C] = d(sum y*dy)/dx.
template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t nx = g.N * g.H * g.W * g.C;
  std::vector<double> acc(static_cast<size_t>(nx), 0.0);
  detail::conv_for_each_tap(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[xi] += double(dy[yi]) * w[wi]; });
  for (int64_t i = 0; i < nx; ++i) dx[i] = static_cast<T>(acc[i]);
}

// dw [O, C/groups, KH, KW] = d(sum y*dy)/dw.
template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* dy, const T* x, T* dw) {
  const int64_t nw = g.O * g.cin_per_group() * g.KH * g.KW;
  std::vector<double> acc(static_cast<size_t>(nw), 0.0);
  detail::conv_for_each_tap(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[wi] += double(dy[yi]) * x[xi]; });
  for (int64_t i = 0; i < nw; ++i) dw[i] = static_cast<T>(acc[i]);
}

// db [O] = sum of dy [rows, O] over rows.
template <typename T>
void conv2d_backward_bias(int64_t rows, int64_t O, const T* dy, T* db) {
  for (int64_t o = 0; o < O; ++o) {
    double acc = 0;
    for (int64_t r = 0; r < rows; ++r) acc += dy[r * O + o];
    db[o] = static_cast<T>(acc);
  }
}

}  // namespace fb::kernels::ref
