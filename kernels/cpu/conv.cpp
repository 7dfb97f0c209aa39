// CPU convolution via GEMM: the double-precision path, the float
// pointwise cases and the geometries the faster paths do not take (float
// convolutions otherwise run the Winograd kernels of conv_winograd.cpp or the
// direct / implicit-GEMM kernels of conv_direct.cpp).
//
// A patch matrix row holds, for one output pixel (n, oh, ow), the receptive
// field of one group ordered (kh, kw, c): with NHWC input each (kh, kw) tap is
// one contiguous run of C/groups channels, so im2col is a sequence of memcpys.
// The OIHW weights are repacked once per call into the matching
// [O][kh][kw][c] order ("wr"), which makes every convolution
//   y_tile[rows, Og]   = col[rows, Kc] @ wr_g[Og, Kc]^T           (forward)
//   dcol[rows, Kc]     = dy_tile[rows, Og] @ wr_g[Og, Kc]          (backward input, then col2im)
//   dwr_g[Og, Kc]     += dy_tile[rows, Og]^T @ col[rows, Kc]       (backward weight)
// with Kc = KH*KW*Cg. Pointwise convolutions need no patch matrix at all:
// the NHWC input itself is the [N*H*W, C] matrix.
#include "kernels/cpu/conv.h"
#include "kernels/cpu/profile.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/gemm.h"

namespace fb::kernels::cpu {
namespace {

bool is_pointwise(const ConvGeom& g) {
  const auto& p = g.p;
  return g.KH == 1 && g.KW == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0;
}

int64_t patch_len(const ConvGeom& g) { return g.KH * g.KW * g.cin_per_group(); }

// Rows of output pixels per patch tile: small enough for the tile to stay in
// L2 and to give every thread several tiles, a multiple of the GEMM's 6-row
// micro-tile.
int64_t tile_rows(const ConvGeom& g, int64_t rows) {
  const int64_t threads = omp_get_max_threads();
  int64_t t = std::max<int64_t>(6, (256 * 1024 / int64_t(sizeof(float))) / std::max<int64_t>(1, patch_len(g)));
  t = std::min<int64_t>(t, 384);
  t = std::min<int64_t>(t, (rows + 2 * threads - 1) / (2 * threads));
  t = std::max<int64_t>(6, (t + 5) / 6 * 6);
  return t;
}

// OIHW -> [O][kh][kw][c].
template <typename T>
std::vector<T> repack_weight(const ConvGeom& g, const T* w) {
  const int64_t Cg = g.cin_per_group(), KK = g.KH * g.KW;
  std::vector<T> wr(static_cast<size_t>(g.O * KK * Cg));
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t k = 0; k < KK; ++k) wr[(o * KK + k) * Cg + c] = w[(o * Cg + c) * KK + k];
  return wr;
}

// [O][kh][kw][c] -> OIHW.
template <typename T>
void unpack_weight(const ConvGeom& g, const T* wr, T* w) {
  const int64_t Cg = g.cin_per_group(), KK = g.KH * g.KW;
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t k = 0; k < KK; ++k) w[(o * Cg + c) * KK + k] = wr[(o * KK + k) * Cg + c];
}

// Calls f(tap, ih, iw) for output pixel (oh, ow) and each tap index
// kh*KW + kw, with ih/iw possibly outside the input.
template <typename F>
inline void for_each_tap(const ConvGeom& g, int64_t oh, int64_t ow, F&& f) {
  const auto& p = g.p;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dilation_h;
    for (int64_t kw = 0; kw < g.KW; ++kw) f(kh * g.KW + kw, ih, ow * p.stride_w - p.pad_w + kw * p.dilation_w);
  }
}

// col[r, :] = patch of output pixel r0 + r (flattened n, oh, ow), group grp.
template <typename T>
void im2col(const ConvGeom& g, const T* x, int64_t grp, int64_t r0, int64_t rows, T* col) {
  const int64_t Cg = g.cin_per_group(), Kc = patch_len(g), plane = g.OH * g.OW;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pix = r0 + r, n = pix / plane, oh = (pix % plane) / g.OW, ow = pix % g.OW;
    T* dst = col + r * Kc;
    for_each_tap(g, oh, ow, [&](int64_t tap, int64_t ih, int64_t iw) {
      T* d = dst + tap * Cg;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W)
        std::fill(d, d + Cg, T(0));
      else
        std::memcpy(d, x + ((n * g.H + ih) * g.W + iw) * g.C + grp * Cg, sizeof(T) * size_t(Cg));
    });
  }
}

// dx += scatter of dcol (the adjoint of im2col), same indexing.
template <typename T>
void col2im_add(const ConvGeom& g, const T* col, int64_t grp, int64_t r0, int64_t rows, T* dx) {
  const int64_t Cg = g.cin_per_group(), Kc = patch_len(g), plane = g.OH * g.OW;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pix = r0 + r, n = pix / plane, oh = (pix % plane) / g.OW, ow = pix % g.OW;
    const T* src = col + r * Kc;
    for_each_tap(g, oh, ow, [&](int64_t tap, int64_t ih, int64_t iw) {
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return;
      T* d = dx + ((n * g.H + ih) * g.W + iw) * g.C + grp * Cg;
      const T* s = src + tap * Cg;
      for (int64_t c = 0; c < Cg; ++c) d[c] += s[c];
    });
  }
}

template <typename T>
void add_bias(int64_t r0, int64_t rows, int64_t O, const T* bias, T* y) {
  for (int64_t r = r0; r < r0 + rows; ++r) {
    T* row = y + r * O;
    for (int64_t o = 0; o < O; ++o) row[o] += bias[o];
  }
}

}  // namespace

template <typename T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  ProfileScope prof_("conv2d_forward");
  if constexpr (std::is_same_v<T, float>)
    if (conv2d_forward_winograd(g, x, w, bias, y) || conv2d_forward_direct(g, x, w, bias, y)) return;
  const int64_t P = g.N * g.OH * g.OW, Cg = g.cin_per_group(), Og = g.cout_per_group(), Kc = patch_len(g);
  if (P == 0 || g.O == 0) return;
  const std::vector<T> wr = repack_weight(g, w);
  if (is_pointwise(g)) {
    for (int64_t grp = 0; grp < g.p.groups; ++grp)
      gemm<T>(false, true, P, Og, Cg, T(1), x + grp * Cg, g.C, wr.data() + grp * Og * Kc, Kc, T(0), y + grp * Og,
              g.O);
    if (bias) {
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < P; r += 64) add_bias(r, std::min<int64_t>(64, P - r), g.O, bias, y);
    }
    return;
  }
  const int64_t tile = tile_rows(g, P);
  const int64_t ntiles = (P + tile - 1) / tile;
#pragma omp parallel
  {
    std::vector<T> col(static_cast<size_t>(tile * Kc));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < ntiles; ++t) {
      const int64_t r0 = t * tile, rows = std::min(tile, P - r0);
      for (int64_t grp = 0; grp < g.p.groups; ++grp) {
        im2col(g, x, grp, r0, rows, col.data());
        gemm<T>(false, true, rows, Og, Kc, T(1), col.data(), Kc, wr.data() + grp * Og * Kc, Kc, T(0),
                y + r0 * g.O + grp * Og, g.O);
      }
      if (bias) add_bias(r0, rows, g.O, bias, y);
    }
  }
}

template <typename T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  ProfileScope prof_("conv2d_backward_input");
  if constexpr (std::is_same_v<T, float>)
    if (!is_pointwise(g) && (conv2d_backward_input_winograd(g, dy, w, dx) || conv2d_backward_input_direct(g, dy, w, dx)))
      return;
  const int64_t Cg = g.cin_per_group(), Og = g.cout_per_group(), Kc = patch_len(g);
  const int64_t nx = g.N * g.H * g.W * g.C, plane = g.OH * g.OW;
  if (nx == 0) return;
  const std::vector<T> wr = repack_weight(g, w);
  if (is_pointwise(g)) {
    for (int64_t grp = 0; grp < g.p.groups; ++grp)
      gemm<T>(false, false, g.N * g.H * g.W, Cg, Og, T(1), dy + grp * Og, g.O, wr.data() + grp * Og * Kc, Kc, T(0),
              dx + grp * Cg, g.C);
    return;
  }
  std::fill(dx, dx + nx, T(0));
  if (plane == 0 || g.O == 0) return;
  // col2im scatters into overlapping windows, so each thread owns a range of
  // whole images; its GEMMs run over tiles that may span several of them.
  // With fewer images than threads the GEMMs parallelise instead. Every GEMM
  // call packs all of wr (Og x Kc), so a tile needs enough rows to amortise
  // that: the col buffer may hold 512K values (2 MB in f32; at Kc = 2304,
  // 222 rows) rather than L2's share. Tiles of one image's 16 pixels
  // (ResNet's 512-channel 4x4 layer) spent more time packing than multiplying.
  const bool per_image = g.N >= omp_get_max_threads();
  const int64_t tile = std::max<int64_t>(6, std::min<int64_t>(384, (512 * 1024 / std::max<int64_t>(1, Kc)) / 6 * 6));
#pragma omp parallel if (per_image)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t r_begin = g.N * t / nt * plane, r_end = g.N * (t + 1) / nt * plane;
    std::vector<T> col(static_cast<size_t>(std::min(tile, std::max<int64_t>(1, r_end - r_begin)) * Kc));
    for (int64_t r0 = r_begin; r0 < r_end; r0 += tile) {
      const int64_t rows = std::min(tile, r_end - r0);
      for (int64_t grp = 0; grp < g.p.groups; ++grp) {
        gemm<T>(false, false, rows, Kc, Og, T(1), dy + r0 * g.O + grp * Og, g.O, wr.data() + grp * Og * Kc, Kc, T(0),
                col.data(), Kc);
        col2im_add(g, col.data(), grp, r0, rows, dx);
      }
    }
  }
}

template <typename T>
void conv2d_backward_weight(const ConvGeom& g, const T* dy, const T* x, T* dw) {
  ProfileScope prof_("conv2d_backward_weight");
  if constexpr (std::is_same_v<T, float>)
    if (!is_pointwise(g) &&
        (conv2d_backward_weight_winograd(g, dy, x, dw) || conv2d_backward_weight_implicit(g, dy, x, dw)))
      return;
  const int64_t P = g.N * g.OH * g.OW, Cg = g.cin_per_group(), Og = g.cout_per_group(), Kc = patch_len(g);
  const int64_t nw = g.O * Kc;
  if (nw == 0) return;
  const bool pointwise = is_pointwise(g);
  // Each thread sums its tiles into a private [O][Kc] buffer; the buffers are
  // added in thread order afterwards, so results do not depend on timing.
  const int64_t tile = pointwise ? std::max<int64_t>(64, (P + 2 * omp_get_max_threads() - 1) /
                                                             (2 * omp_get_max_threads()))
                                 : tile_rows(g, P);
  const int64_t ntiles = (P + tile - 1) / tile;
  std::vector<std::vector<T>> partial(static_cast<size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    std::vector<T>& acc = partial[static_cast<size_t>(omp_get_thread_num())];
    acc.assign(static_cast<size_t>(nw), T(0));
    std::vector<T> col(pointwise ? 0 : static_cast<size_t>(tile * Kc));
#pragma omp for schedule(static)
    for (int64_t t = 0; t < ntiles; ++t) {
      const int64_t r0 = t * tile, rows = std::min(tile, P - r0);
      for (int64_t grp = 0; grp < g.p.groups; ++grp) {
        const T* b = x + r0 * g.C + grp * Cg;
        int64_t ldb = g.C;
        if (!pointwise) {
          im2col(g, x, grp, r0, rows, col.data());
          b = col.data();
          ldb = Kc;
        }
        gemm<T>(true, false, Og, Kc, rows, T(1), dy + r0 * g.O + grp * Og, g.O, b, ldb, T(1),
                acc.data() + grp * Og * Kc, Kc);
      }
    }
  }
  std::vector<T> dwr(static_cast<size_t>(nw), T(0));
  for (const auto& acc : partial)
    for (int64_t i = 0; i < int64_t(acc.size()); ++i) dwr[i] += acc[i];
  unpack_weight(g, dwr.data(), dw);
}

template <typename T>
void conv2d_backward_bias(int64_t rows, int64_t O, const T* dy, T* db) {
  ProfileScope prof_("conv2d_backward_bias");
  std::vector<std::vector<T>> partial(static_cast<size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    std::vector<T>& acc = partial[static_cast<size_t>(omp_get_thread_num())];
    acc.assign(static_cast<size_t>(O), T(0));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < O; ++o) acc[o] += dy[r * O + o];
  }
  std::fill(db, db + O, T(0));
  for (const auto& acc : partial)
    for (int64_t o = 0; o < int64_t(acc.size()); ++o) db[o] += acc[o];
}

#define FB_INSTANTIATE_CONV(T)                                                           \
  template void conv2d_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);    \
  template void conv2d_backward_input<T>(const ConvGeom&, const T*, const T*, T*);       \
  template void conv2d_backward_weight<T>(const ConvGeom&, const T*, const T*, T*);      \
  template void conv2d_backward_bias<T>(int64_t, int64_t, const T*, T*);
FB_INSTANTIATE_CONV(float)
FB_INSTANTIATE_CONV(double)
#undef FB_INSTANTIATE_CONV

}  // namespace fb::kernels::cpu
