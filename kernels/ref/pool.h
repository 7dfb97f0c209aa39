#pragma once
// Reference pooling and bilinear resampling on NHWC tensors: plain loops that
// follow PyTorch's definitions, the oracle for kernels/cpu. The small index
// helpers (window bounds, adaptive bins, bilinear source coordinates) are the
// single statement of those definitions and are shared with the CPU kernels.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/geometry.h"

namespace fb::kernels::ref {

// ---- index helpers ----------------------------------------------------------

// Window of output position `o` along one axis: [start, end) clipped to the
// input, and `padded_size`, the window length counting padding but never
// reaching past in+pad (what avg pool divides by when count_include_pad).
struct PoolWindow {
  int64_t start, end, padded_size;
};
inline PoolWindow pool_window(int64_t o, int64_t in, int64_t k, int64_t stride, int64_t pad) {
  int64_t s = o * stride - pad;
  int64_t e = s + k;
  if (e > in + pad) e = in + pad;
  const int64_t padded = e - s;
  if (s < 0) s = 0;
  if (e > in) e = in;
  return {s, e, padded};
}

// Adaptive pooling bin i of `out` over `in`: [floor(i*in/out), ceil((i+1)*in/out)).
inline int64_t adaptive_start(int64_t i, int64_t out, int64_t in) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t out, int64_t in) { return ((i + 1) * in + out - 1) / out; }

// Bilinear source coordinate of destination index `d`, as PyTorch's
// upsample_bilinear2d without explicit scale factors: i0 is the lower tap,
// i1 the upper one (equal to i0 at the border), l1 the upper tap's weight.
template <typename T>
struct LinearTap {
  int64_t i0, i1;
  T l0, l1;
};
template <typename T>
inline T bilinear_scale(int64_t in, int64_t out, bool align_corners) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return static_cast<T>(in) / static_cast<T>(out);
}
template <typename T>
inline LinearTap<T> linear_tap(int64_t d, int64_t in, T scale, bool align_corners) {
  T src = align_corners ? scale * static_cast<T>(d) : scale * (static_cast<T>(d) + T(0.5)) - T(0.5);
  if (src < T(0)) src = T(0);  // only reachable without align_corners
  const int64_t i0 = static_cast<int64_t>(src);
  const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
  const T l1 = src - static_cast<T>(i0);
  return {i0, i1, T(1) - l1, l1};
}

// ---- max pool -------------------------------------------------------------------
// y [N,OH,OW,C]; idx [N,OH,OW,C] = h*W + w of the max (the first one on ties;
// a NaN wins, so NaNs propagate). Padding acts as -inf.
template <typename T>
void max_pool2d_forward(const PoolGeom& g, const T* x, T* y, int64_t* idx) {
  const auto& p = g.p;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t c = 0; c < g.C; ++c) {
          const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
          const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
          T best = -std::numeric_limits<T>::infinity();
          int64_t best_i = wh.start * g.W + ww.start;
          for (int64_t h = wh.start; h < wh.end; ++h)
            for (int64_t w = ww.start; w < ww.end; ++w) {
              const T v = x[((n * g.H + h) * g.W + w) * g.C + c];
              if (v > best || std::isnan(v)) {
                best = v;
                best_i = h * g.W + w;
                if (std::isnan(v)) goto done;
              }
            }
        done:
          const int64_t o = ((n * g.OH + oh) * g.OW + ow) * g.C + c;
          y[o] = best;
          idx[o] = best_i;
        }
}

// dx [N,H,W,C]: each dy goes to the input element its index names.
template <typename T>
void max_pool2d_backward(const PoolGeom& g, const T* dy, const int64_t* idx, T* dx) {
  for (int64_t i = 0; i < g.N * g.H * g.W * g.C; ++i) dx[i] = T(0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.OH * g.OW; ++o)
      for (int64_t c = 0; c < g.C; ++c) {
        const int64_t yi = (n * g.OH * g.OW + o) * g.C + c;
        dx[(n * g.H * g.W + idx[yi]) * g.C + c] += dy[yi];
      }
}

// ---- average pool ---------------------------------------------------------------
// Divisor: the padded window size (count_include_pad) or the number of input
// elements inside the window.
inline int64_t avg_pool_divisor(const PoolWindow& wh, const PoolWindow& ww, bool count_include_pad) {
  return count_include_pad ? wh.padded_size * ww.padded_size : (wh.end - wh.start) * (ww.end - ww.start);
}

template <typename T>
void avg_pool2d_forward(const PoolGeom& g, const T* x, T* y) {
  const auto& p = g.p;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t c = 0; c < g.C; ++c) {
          const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
          const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
          double acc = 0;
          for (int64_t h = wh.start; h < wh.end; ++h)
            for (int64_t w = ww.start; w < ww.end; ++w) acc += x[((n * g.H + h) * g.W + w) * g.C + c];
          y[((n * g.OH + oh) * g.OW + ow) * g.C + c] =
              static_cast<T>(acc / double(avg_pool_divisor(wh, ww, p.count_include_pad)));
        }
}

template <typename T>
void avg_pool2d_backward(const PoolGeom& g, const T* dy, T* dx) {
  const auto& p = g.p;
  for (int64_t i = 0; i < g.N * g.H * g.W * g.C; ++i) dx[i] = T(0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t c = 0; c < g.C; ++c) {
          const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
          const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
          const T v = dy[((n * g.OH + oh) * g.OW + ow) * g.C + c] /
                      static_cast<T>(avg_pool_divisor(wh, ww, p.count_include_pad));
          for (int64_t h = wh.start; h < wh.end; ++h)
            for (int64_t w = ww.start; w < ww.end; ++w) dx[((n * g.H + h) * g.W + w) * g.C + c] += v;
        }
}

// ---- adaptive average pool ----------------------------------------------------------
// x [N,H,W,C] -> y [N,OH,OW,C].
template <typename T>
void adaptive_avg_pool2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* x,
                                 T* y) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t c = 0; c < C; ++c) {
          const int64_t h0 = adaptive_start(oh, OH, H), h1 = adaptive_end(oh, OH, H);
          const int64_t w0 = adaptive_start(ow, OW, W), w1 = adaptive_end(ow, OW, W);
          double acc = 0;
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) acc += x[((n * H + h) * W + w) * C + c];
          y[((n * OH + oh) * OW + ow) * C + c] = static_cast<T>(acc / double((h1 - h0) * (w1 - w0)));
        }
}

template <typename T>
void adaptive_avg_pool2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* dy,
                                  T* dx) {
  for (int64_t i = 0; i < N * H * W * C; ++i) dx[i] = T(0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t c = 0; c < C; ++c) {
          const int64_t h0 = adaptive_start(oh, OH, H), h1 = adaptive_end(oh, OH, H);
          const int64_t w0 = adaptive_start(ow, OW, W), w1 = adaptive_end(ow, OW, W);
          const T v = dy[((n * OH + oh) * OW + ow) * C + c] / static_cast<T>((h1 - h0) * (w1 - w0));
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) dx[((n * H + h) * W + w) * C + c] += v;
        }
}

// ---- bilinear upsampling ----------------------------------------------------------------
template <typename T>
void upsample_bilinear2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                 bool align_corners, const T* x, T* y) {
  const T sh = bilinear_scale<T>(H, OH, align_corners), sw = bilinear_scale<T>(W, OW, align_corners);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const LinearTap<T> th = linear_tap(oh, H, sh, align_corners);
        const LinearTap<T> tw = linear_tap(ow, W, sw, align_corners);
        for (int64_t c = 0; c < C; ++c) {
          auto at = [&](int64_t h, int64_t w) { return x[((n * H + h) * W + w) * C + c]; };
          y[((n * OH + oh) * OW + ow) * C + c] = th.l0 * (tw.l0 * at(th.i0, tw.i0) + tw.l1 * at(th.i0, tw.i1)) +
                                                 th.l1 * (tw.l0 * at(th.i1, tw.i0) + tw.l1 * at(th.i1, tw.i1));
        }
      }
}

template <typename T>
void upsample_bilinear2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                  bool align_corners, const T* dy, T* dx) {
  const T sh = bilinear_scale<T>(H, OH, align_corners), sw = bilinear_scale<T>(W, OW, align_corners);
  for (int64_t i = 0; i < N * H * W * C; ++i) dx[i] = T(0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const LinearTap<T> th = linear_tap(oh, H, sh, align_corners);
        const LinearTap<T> tw = linear_tap(ow, W, sw, align_corners);
        for (int64_t c = 0; c < C; ++c) {
          const T g = dy[((n * OH + oh) * OW + ow) * C + c];
          auto at = [&](int64_t h, int64_t w) -> T& { return dx[((n * H + h) * W + w) * C + c]; };
          at(th.i0, tw.i0) += th.l0 * tw.l0 * g;
          at(th.i0, tw.i1) += th.l0 * tw.l1 * g;
          at(th.i1, tw.i0) += th.l1 * tw.l0 * g;
          at(th.i1, tw.i1) += th.l1 * tw.l1 * g;
        }
      }
}

}  // namespace fb::kernels::ref
