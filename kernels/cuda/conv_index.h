#pragma once
// The index arithmetic of the implicit-GEMM convolution loaders (conv.cu):
// where in memory the element (row r, k) of each pass's GEMM operand lives.
// Plain C++ as well as device code, so that the CPU tests can compute whole
// convolutions through it and compare them with the reference kernels.
//
//   forward A       row r = output pixel (n, oh, ow), k = (kh, kw, c):
//                   x[n, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw, c]
//   input-grad A    row r = input pixel (n, h, w), k = (kh, kw, o):
//                   dy[n, oh, ow, o] with oh = (h + ph - kh*dh) / sh when that
//                   division is exact and in range (likewise ow), else 0
//   weight-grad B   row r = (kh, kw, c), k = output pixel (n, oh, ow):
//                   x at the forward's position
// Each splits into row(r), the part that depends on r alone (computed once
// per row by the Hopper loop), and offset(row, k): the element's offset, or
// -1 where the operand is zero (padding, a stride the tap misses).
#include <cstdint>

#include "kernels/cuda/fast_div.h"
#include "kernels/geometry.h"

namespace fb::kernels::cuda {

// int copy of ConvGeom, with the divisors the loaders split indices by.
struct ConvIndex {
  int N, H, W, C, O, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw;
  FastDiv by_C, by_O, by_KW, by_W, by_H, by_OW, by_OH, by_sh, by_sw;

  // Output pixel index r -> (n, oh, ow); input pixel index r -> (n, h, w).
  FB_HOST_DEVICE void out_pixel(int r, int& n, int& oh, int& ow) const {
    int t;
    by_OW.divmod(r, t, ow);
    by_OH.divmod(t, n, oh);
  }
  FB_HOST_DEVICE void in_pixel(int r, int& n, int& h, int& w) const {
    int t;
    by_W.divmod(r, t, w);
    by_H.divmod(t, n, h);
  }
  // k = (kh, kw, c) with c < by.d channels (C, or O for the input gradient).
  FB_HOST_DEVICE void tap(int k, const FastDiv& by, int& kh, int& kw, int& c) const {
    int t;
    by.divmod(k, t, c);
    by_KW.divmod(t, kh, kw);
  }
};

inline ConvIndex conv_index(const ConvGeom& g) {
  ConvIndex G{};
  G.N = int(g.N), G.H = int(g.H), G.W = int(g.W), G.C = int(g.C), G.O = int(g.O);
  G.KH = int(g.KH), G.KW = int(g.KW), G.OH = int(g.OH), G.OW = int(g.OW);
  G.sh = int(g.p.stride_h), G.sw = int(g.p.stride_w), G.ph = int(g.p.pad_h), G.pw = int(g.p.pad_w);
  G.dh = int(g.p.dilation_h), G.dw = int(g.p.dilation_w);
  G.by_C = FastDiv(G.C), G.by_O = FastDiv(G.O), G.by_KW = FastDiv(G.KW);
  G.by_W = FastDiv(G.W), G.by_H = FastDiv(G.H), G.by_OW = FastDiv(G.OW), G.by_OH = FastDiv(G.OH);
  G.by_sh = FastDiv(G.sh), G.by_sw = FastDiv(G.sw);
  return G;
}

// ---- forward A -------------------------------------------------------------
// The output pixel's image (offset of its first element) and the input
// position of its window's top-left tap.
struct FwdRow {
  int64_t image;
  int ih0, iw0;
};
FB_HOST_DEVICE inline FwdRow fwd_row(const ConvIndex& g, int r) {
  int n, oh, ow;
  g.out_pixel(r, n, oh, ow);
  return {int64_t(n) * g.H * g.W * g.C, oh * g.sh - g.ph, ow * g.sw - g.pw};
}
FB_HOST_DEVICE inline int64_t fwd_offset(const ConvIndex& g, const FwdRow& row, int k) {
  int kh, kw, c;
  g.tap(k, g.by_C, kh, kw, c);
  const int ih = row.ih0 + kh * g.dh, iw = row.iw0 + kw * g.dw;
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return -1;
  return row.image + (int64_t(ih) * g.W + iw) * g.C + c;
}

// ---- input-gradient A ------------------------------------------------------
struct DgradRow {  // the input pixel
  int n, h, w;
};
FB_HOST_DEVICE inline DgradRow dgrad_row(const ConvIndex& g, int r) {
  DgradRow p;
  g.in_pixel(r, p.n, p.h, p.w);
  return p;
}
FB_HOST_DEVICE inline int64_t dgrad_offset(const ConvIndex& g, const DgradRow& row, int k) {
  int kh, kw, o;
  g.tap(k, g.by_O, kh, kw, o);
  const int nh = row.h + g.ph - kh * g.dh, nw = row.w + g.pw - kw * g.dw;
  if (nh < 0 || nw < 0) return -1;
  int oh, ow, rh, rw;
  g.by_sh.divmod(nh, oh, rh);
  g.by_sw.divmod(nw, ow, rw);
  if (rh || rw || oh >= g.OH || ow >= g.OW) return -1;
  return ((int64_t(row.n) * g.OH + oh) * g.OW + ow) * g.O + o;
}

// ---- weight-gradient B -----------------------------------------------------
struct WgradRow {  // the tap's offsets from the window's top-left, its channel
  int dh, dw, c;
};
FB_HOST_DEVICE inline WgradRow wgrad_row(const ConvIndex& g, int r) {
  int kh, kw, c;
  g.tap(r, g.by_C, kh, kw, c);
  return {kh * g.dh, kw * g.dw, c};
}
FB_HOST_DEVICE inline int64_t wgrad_offset(const ConvIndex& g, const WgradRow& row, int k) {
  int n, oh, ow;
  g.out_pixel(k, n, oh, ow);
  const int ih = oh * g.sh - g.ph + row.dh, iw = ow * g.sw - g.pw + row.dw;
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return -1;
  return ((int64_t(n) * g.H + ih) * g.W + iw) * g.C + row.c;
}

}  // namespace fb::kernels::cuda
