// CPU pooling kernels. The window/bin/tap formulas come from kernels/ref/pool.h
// so that both implementations state PyTorch's rules once; what differs here
// is the loop order (channels innermost) and the threading.
#include "kernels/cpu/pool.h"
#include "kernels/cpu/bit_select.h"
#include "kernels/cpu/profile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/pool.h"

namespace fb::kernels::cpu {

using ref::PoolWindow;
using ref::pool_window;

template <typename T>
void max_pool2d_forward(const PoolGeom& g, const T* x, T* y, int64_t* idx) {
  ProfileScope prof_("max_pool2d_forward");
  const auto& p = g.p;
  const int64_t C = g.C;
  // The running argmax is kept as a T (plane indices are exact in T below
  // 2^digits), so that the window loop selects only same-width lanes, by bit
  // masks (bit_select.h); it becomes int64 once per output. 9.5 -> 3.0 ms on
  // ResNet-18's 64@56 -> 28 pool at batch 32.
  const bool index_in_t = double(g.H) * double(g.W) < std::ldexp(1.0, std::numeric_limits<T>::digits);
#pragma omp parallel
  {
    std::vector<T> best(static_cast<size_t>(C));
#pragma omp for collapse(2) schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
          T* yo = y + ((n * g.OH + oh) * g.OW + ow) * C;
          int64_t* io = idx + ((n * g.OH + oh) * g.OW + ow) * C;
          T* b = best.data();
          std::fill(yo, yo + C, -std::numeric_limits<T>::infinity());
          std::fill(io, io + C, wh.start * g.W + ww.start);
          std::fill(b, b + C, T(wh.start * g.W + ww.start));
          for (int64_t h = wh.start; h < wh.end; ++h)
            for (int64_t w = ww.start; w < ww.end; ++w) {
              const T* xi = x + ((n * g.H + h) * g.W + w) * C;
              const int64_t at = h * g.W + w;
              // The first maximum wins; the first NaN wins and then sticks (v != v: NaN).
              if (index_in_t) {
                const T at_t = T(at);
#pragma omp simd
                for (int64_t c = 0; c < C; ++c) {
                  const T v = xi[c], cur = yo[c];
                  const bool take = v > cur || (v != v && cur == cur);
                  yo[c] = select_bits(take, v, cur);
                  b[c] = select_bits(take, at_t, b[c]);
                }
              } else {  // planes of 2^24 pixels and more in float: int64 indices, slower
                for (int64_t c = 0; c < C; ++c) {
                  const T v = xi[c], cur = yo[c];
                  const bool take = v > cur || (v != v && cur == cur);
                  yo[c] = take ? v : cur;
                  io[c] = take ? at : io[c];
                }
              }
            }
          if (index_in_t)
            for (int64_t c = 0; c < C; ++c) io[c] = static_cast<int64_t>(b[c]);
        }
      }
  }
}

template <typename T>
void max_pool2d_backward(const PoolGeom& g, const T* dy, const int64_t* idx, T* dx) {
  ProfileScope prof_("max_pool2d_backward");
  const int64_t C = g.C, in_plane = g.H * g.W, out_plane = g.OH * g.OW;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n) {
    T* dxn = dx + n * in_plane * C;
    std::fill(dxn, dxn + in_plane * C, T(0));
    for (int64_t o = 0; o < out_plane; ++o) {
      const T* d = dy + (n * out_plane + o) * C;
      const int64_t* ix = idx + (n * out_plane + o) * C;
      for (int64_t c = 0; c < C; ++c) dxn[ix[c] * C + c] += d[c];
    }
  }
}

template <typename T>
void avg_pool2d_forward(const PoolGeom& g, const T* x, T* y) {
  const auto& p = g.p;
  const int64_t C = g.C;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
        T* yo = y + ((n * g.OH + oh) * g.OW + ow) * C;
        std::fill(yo, yo + C, T(0));
        for (int64_t h = wh.start; h < wh.end; ++h)
          for (int64_t w = ww.start; w < ww.end; ++w) {
            const T* xi = x + ((n * g.H + h) * g.W + w) * C;
            for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
          }
        const T inv = T(1) / static_cast<T>(ref::avg_pool_divisor(wh, ww, p.count_include_pad));
        for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
      }
    }
}

template <typename T>
void avg_pool2d_backward(const PoolGeom& g, const T* dy, T* dx) {
  const auto& p = g.p;
  const int64_t C = g.C;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n) {
    T* dxn = dx + n * g.H * g.W * C;
    std::fill(dxn, dxn + g.H * g.W * C, T(0));
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const PoolWindow wh = pool_window(oh, g.H, p.kernel_h, p.stride_h, p.pad_h);
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const PoolWindow ww = pool_window(ow, g.W, p.kernel_w, p.stride_w, p.pad_w);
        const T* d = dy + ((n * g.OH + oh) * g.OW + ow) * C;
        const T div = static_cast<T>(ref::avg_pool_divisor(wh, ww, p.count_include_pad));
        for (int64_t h = wh.start; h < wh.end; ++h)
          for (int64_t w = ww.start; w < ww.end; ++w) {
            T* xi = dxn + (h * g.W + w) * C;
            for (int64_t c = 0; c < C; ++c) xi[c] += d[c] / div;
          }
      }
    }
  }
}

template <typename T>
void adaptive_avg_pool2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* x,
                                 T* y) {
  ProfileScope prof_("adaptive_avg_pool2d_forward");
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = ref::adaptive_start(oh, OH, H), h1 = ref::adaptive_end(oh, OH, H);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ref::adaptive_start(ow, OW, W), w1 = ref::adaptive_end(ow, OW, W);
        T* yo = y + ((n * OH + oh) * OW + ow) * C;
        std::fill(yo, yo + C, T(0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            const T* xi = x + ((n * H + h) * W + w) * C;
            for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
          }
        const T inv = T(1) / static_cast<T>((h1 - h0) * (w1 - w0));
        for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
      }
    }
}

template <typename T>
void adaptive_avg_pool2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW, const T* dy,
                                  T* dx) {
  ProfileScope prof_("adaptive_avg_pool2d_backward");
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    T* dxn = dx + n * H * W * C;
    std::fill(dxn, dxn + H * W * C, T(0));
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = ref::adaptive_start(oh, OH, H), h1 = ref::adaptive_end(oh, OH, H);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = ref::adaptive_start(ow, OW, W), w1 = ref::adaptive_end(ow, OW, W);
        const T* d = dy + ((n * OH + oh) * OW + ow) * C;
        const T div = static_cast<T>((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            T* xi = dxn + (h * W + w) * C;
            for (int64_t c = 0; c < C; ++c) xi[c] += d[c] / div;
          }
      }
    }
  }
}

template <typename T>
void upsample_bilinear2d_forward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                 bool align_corners, const T* x, T* y) {
  const T sh = ref::bilinear_scale<T>(H, OH, align_corners), sw = ref::bilinear_scale<T>(W, OW, align_corners);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh) {
      const ref::LinearTap<T> th = ref::linear_tap(oh, H, sh, align_corners);
      const T* r0 = x + (n * H + th.i0) * W * C;
      const T* r1 = x + (n * H + th.i1) * W * C;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const ref::LinearTap<T> tw = ref::linear_tap(ow, W, sw, align_corners);
        const T *a = r0 + tw.i0 * C, *b = r0 + tw.i1 * C, *c_ = r1 + tw.i0 * C, *d = r1 + tw.i1 * C;
        T* yo = y + ((n * OH + oh) * OW + ow) * C;
        for (int64_t c = 0; c < C; ++c)
          yo[c] = th.l0 * (tw.l0 * a[c] + tw.l1 * b[c]) + th.l1 * (tw.l0 * c_[c] + tw.l1 * d[c]);
      }
    }
}

template <typename T>
void upsample_bilinear2d_backward(int64_t N, int64_t H, int64_t W, int64_t C, int64_t OH, int64_t OW,
                                  bool align_corners, const T* dy, T* dx) {
  const T sh = ref::bilinear_scale<T>(H, OH, align_corners), sw = ref::bilinear_scale<T>(W, OW, align_corners);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    T* dxn = dx + n * H * W * C;
    std::fill(dxn, dxn + H * W * C, T(0));
    for (int64_t oh = 0; oh < OH; ++oh) {
      const ref::LinearTap<T> th = ref::linear_tap(oh, H, sh, align_corners);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const ref::LinearTap<T> tw = ref::linear_tap(ow, W, sw, align_corners);
        const T* d = dy + ((n * OH + oh) * OW + ow) * C;
        T* a = dxn + (th.i0 * W + tw.i0) * C;
        T* b = dxn + (th.i0 * W + tw.i1) * C;
        T* c_ = dxn + (th.i1 * W + tw.i0) * C;
        T* e = dxn + (th.i1 * W + tw.i1) * C;
        const T w00 = th.l0 * tw.l0, w01 = th.l0 * tw.l1, w10 = th.l1 * tw.l0, w11 = th.l1 * tw.l1;
        // Sequential adds: the four taps may alias at the borders.
        for (int64_t c = 0; c < C; ++c) a[c] += w00 * d[c];
        for (int64_t c = 0; c < C; ++c) b[c] += w01 * d[c];
        for (int64_t c = 0; c < C; ++c) c_[c] += w10 * d[c];
        for (int64_t c = 0; c < C; ++c) e[c] += w11 * d[c];
      }
    }
  }
}

#define FB_INSTANTIATE_POOL(T)                                                                                   \
  template void max_pool2d_forward<T>(const PoolGeom&, const T*, T*, int64_t*);                                  \
  template void max_pool2d_backward<T>(const PoolGeom&, const T*, const int64_t*, T*);                           \
  template void avg_pool2d_forward<T>(const PoolGeom&, const T*, T*);                                            \
  template void avg_pool2d_backward<T>(const PoolGeom&, const T*, T*);                                           \
  template void adaptive_avg_pool2d_forward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, const T*,  \
                                               T*);                                                              \
  template void adaptive_avg_pool2d_backward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, const T*, \
                                                T*);                                                             \
  template void upsample_bilinear2d_forward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool,      \
                                               const T*, T*);                                                    \
  template void upsample_bilinear2d_backward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool,     \
                                                const T*, T*);
FB_INSTANTIATE_POOL(float)
FB_INSTANTIATE_POOL(double)
#undef FB_INSTANTIATE_POOL

}  // namespace fb::kernels::cpu
