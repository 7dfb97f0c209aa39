// Direct and implicit-GEMM float convolutions (NHWC x OIHW).
//
// Forward. Output pixels of one output row are tiled MR at a time (MR <= 14
// on AVX-512, tiles balanced per row: 56 = 4 x 14, 28 = 2 x 14, 7 = 1 x 7).
// For a tap (kh, kw) those MR pixels read MR input pixels sw*C floats apart,
// so the direct-A kernel (direct_kernel.h) reads them in place; the packed
// weight panel [taps][Cg][NR] supplies the NR output channels. The loop nest
//   parallel over blocks of output rows    (A block: ~L2/4 of input rows)
//     for group, output panel (NR), channel chunk (B chunk ~ L1)
//       for each output row of the block, each MR tile: micro-kernel
// keeps the weight chunk and the input rows of a block in L2 while every
// tile is computed once, accumulating all taps and channels in registers.
// Zero padding is materialised once (one cheap pass) so the kernel has no
// bounds checks.
//
// Backward input, stride 1: dx = conv(dy, w') with w'[c][o] = w[o][c]
// spatially flipped and padding d*(K-1) - pad: the same forward kernel,
// whose weight packer reads w' out of w.
//
// Backward weight: dW_g[Og, taps*Cg] = dy_g^T[Og, P] @ patches[P, taps*Cg]
// through the packed GEMM driver, whose patch packer copies each pixel's
// channel runs straight from the padded input (implicit im2col) and whose
// dy packer copies rows; neither pack transposes anything. With fewer input
// channels than a vector row (the stem), the transposed product instead.
#include "kernels/cpu/conv_direct.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/cpu/aligned_buffer.h"
#include "kernels/cpu/direct_kernel.h"
#include "kernels/cpu/gemm_driver.h"

namespace fb::kernels::cpu {
namespace {

// The input with its zero border, or the input itself when there is none.
struct PaddedInput {
  FloatBuf buf;
  const float* data = nullptr;
  int64_t Hp = 0, Wp = 0;
};

PaddedInput pad_input(const ConvGeom& g, const float* x) {
  PaddedInput p;
  const int64_t ph = g.p.pad_h, pw = g.p.pad_w, C = g.C;
  p.Hp = g.H + 2 * ph;
  p.Wp = g.W + 2 * pw;
  if (ph == 0 && pw == 0) {
    p.data = x;
    return p;
  }
  p.buf = alloc_floats(size_t(g.N * p.Hp * p.Wp * C));
  float* d = p.buf.get();
  const int64_t Hp = p.Hp, Wp = p.Wp;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < g.N * Hp; ++r) {
    const int64_t n = r / Hp, h = r % Hp - ph;
    float* row = d + r * Wp * C;
    if (h < 0 || h >= g.H) {
      std::memset(row, 0, size_t(Wp * C) * sizeof(float));
      continue;
    }
    std::memset(row, 0, size_t(pw * C) * sizeof(float));
    std::memcpy(row + pw * C, x + (n * g.H + h) * g.W * C, size_t(g.W * C) * sizeof(float));
    std::memset(row + (pw + g.W) * C, 0, size_t(pw * C) * sizeof(float));
  }
  p.data = d;
  return p;
}

// Offsets (in floats) of each tap from the top-left input pixel of a window.
std::vector<int64_t> tap_offsets(const ConvGeom& g, int64_t Wp) {
  std::vector<int64_t> off;
  for (int64_t kh = 0; kh < g.KH; ++kh)
    for (int64_t kw = 0; kw < g.KW; ++kw) off.push_back((kh * g.p.dilation_h * Wp + kw * g.p.dilation_w) * g.C);
  return off;
}

}  // namespace

namespace {

// The forward kernel. With `w_transposed_flipped` the weights are those of
// the transposed problem's original convolution, w[c][o][KH-1-kh][KW-1-kw]
// in this problem's terms (backward input), read in place by the packer.
bool forward_direct(const ConvGeom& g, const float* x, const float* w, bool w_transposed_flipped, const float* bias,
                    float* y) {
  const DirectKernel& dk = direct_kernel(active_isa());
  const int64_t NR = dk.nr, taps = g.KH * g.KW, Cg = g.cin_per_group(), Og = g.cout_per_group();
  const int64_t R = g.N * g.OH;  // output rows
  if (R == 0 || g.OW == 0 || g.O == 0) return true;
  const PaddedInput xp = pad_input(g, x);
  const std::vector<int64_t> toff = tap_offsets(g, xp.Wp);

  // Channel chunks: one chunk of packed weights [taps][cq][NR] is about the
  // size of L1, so the B stream of every tile but the first of a row block
  // hits L1. Splitting the reduction costs one extra load+store of the C
  // tile per chunk (2*MR vectors against taps*cq*2*MR FMAs). Measured on
  // ResNet 3x3 layers, 32 channels per chunk beat both 16 and unchunked.
  const CacheSizes& cs = cache_sizes();
  const int64_t per_channel = taps * NR * int64_t(sizeof(float));
  int64_t target = std::max<int64_t>(8, (cs.l1d + cs.l1d / 4) / per_channel / 8 * 8);
  if (const char* e = std::getenv("FB_CONV_CB")) target = std::max<int64_t>(1, std::atol(e));
  const int64_t nq = (Cg + target - 1) / target;
  const int64_t cb = (Cg + nq - 1) / nq;
  const int64_t npanel = (Og + NR - 1) / NR;

  // Weights packed per (group, panel): [chunk][tap][c in chunk][NR], zero
  // beyond Og. The packer reads w in its own memory order, in runs, and
  // scatters into the chunk (36 KB, cache-resident): gathering each
  // destination row from 32 output channels' rows instead (18 KB apart for
  // 512 channels) took a third of a 512-channel 4x4 layer's time.
  FloatBuf wp = alloc_floats(size_t(g.p.groups * npanel * taps * Cg * NR));
  auto wp_at = [&](int64_t grp, int64_t panel, int64_t q) {
    return wp.get() + ((grp * npanel + panel) * Cg + q * cb) * taps * NR;
  };
#pragma omp parallel
  {
    // Two passes through a per-thread [j][c][t] copy of the chunk: the first
    // reads w in runs, the second writes the packed chunk in order. A single
    // pass between w and the chunk either gathers from 32 rows 18 KB apart
    // (512 channels) or scatters taps 4 KB apart, which alias in L1: 3.1 and
    // 3.9 ms against 2.2 ms for a 512-channel 3x3 layer.
    std::vector<float> tmp(size_t(NR * cb * taps));
#pragma omp for collapse(2) schedule(static)
    for (int64_t grp = 0; grp < g.p.groups; ++grp)
      for (int64_t panel = 0; panel < npanel; ++panel)
        for (int64_t q = 0; q < nq; ++q) {
          const int64_t c0 = q * cb, cq = std::min(cb, Cg - c0), nr = std::min(NR, Og - panel * NR);
          const int64_t run = cq * taps;  // tmp[j * run + c * taps + t]
          if (!w_transposed_flipped) {
            // Output channel o's weights for this chunk are one run of cq*taps floats.
            for (int64_t j = 0; j < nr; ++j)
              std::memcpy(tmp.data() + j * run, w + ((grp * Og + panel * NR + j) * Cg + c0) * taps,
                          size_t(run) * sizeof(float));
          } else {
            // w'[o][c][t] = w[c][o][taps-1-t]: for one c, the panel's nr
            // output channels are one run of nr*taps floats.
            for (int64_t c = 0; c < cq; ++c) {
              const float* src = w + ((grp * Cg + c0 + c) * Og + panel * NR) * taps;
              for (int64_t j = 0; j < nr; ++j)
                for (int64_t t = taps - 1; t >= 0; --t) tmp[size_t(j * run + c * taps + t)] = *src++;
            }
          }
          float* dst = wp_at(grp, panel, q);
          for (int64_t t = 0; t < taps; ++t)
            for (int64_t c = 0; c < cq; ++c, dst += NR) {
              const float* src = tmp.data() + c * taps + t;
              int64_t j = 0;
              for (; j < nr; ++j) dst[j] = src[j * run];
              for (; j < NR; ++j) dst[j] = 0.0f;
            }
        }
  }

  // Output-row blocks whose input rows take about a quarter of L2, at least
  // a few blocks per thread.
  const int64_t row_bytes = xp.Wp * g.C * int64_t(sizeof(float)) * g.p.stride_h;
  int64_t rb = std::max<int64_t>(1, (cs.l2 / 4) / std::max<int64_t>(1, row_bytes));
  const int64_t nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  rb = std::min(rb, std::max<int64_t>(1, R / (4 * nt)));
  const int64_t nblocks = (R + rb - 1) / rb;
  const int64_t ntile = (g.OW + dk.max_mr - 1) / dk.max_mr;
  const int64_t lda = g.p.stride_w * g.C;

  // With every channel in one chunk, no dilation along the row and no
  // groups, the taps of one kernel row read one contiguous run of input,
  // (kw, c) in the order the weights are packed in: one segment of KW*C
  // values per kernel row. The stem's 49 segments of 3 channels become 7 of
  // 21 and the kernel's per-segment overhead shrinks accordingly.
  // (ResNet-18's stem forward at batch 32: 12.3-12.5 -> 11.6-12.2 ms.)
  const bool merge_rows = nq == 1 && g.p.dilation_w == 1 && g.p.groups == 1 && g.KW > 1;
  const int64_t seg_step = merge_rows ? g.KW : 1;
#pragma omp parallel for schedule(dynamic, 1) if (nt > 1)
  for (int64_t blk = 0; blk < nblocks; ++blk) {
    const int64_t r0 = blk * rb, r1 = std::min(R, r0 + rb);
    std::vector<const float*> seg(static_cast<size_t>(taps), nullptr);
    for (int64_t grp = 0; grp < g.p.groups; ++grp)
      for (int64_t panel = 0; panel < npanel; ++panel) {
        const int64_t nr = std::min(NR, Og - panel * NR);
        for (int64_t q = 0; q < nq; ++q) {
          const int64_t cq = std::min(cb, Cg - q * cb);
          const float* b = wp_at(grp, panel, q);
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t n = r / g.OH, oh = r % g.OH;
            const float* in_row = xp.data + ((n * xp.Hp + oh * g.p.stride_h) * xp.Wp) * g.C + grp * Cg + q * cb;
            float* out_row = y + r * g.OW * g.O + grp * Og + panel * NR;
            // Kernel rows that fall on the zero border add nothing: they are
            // skipped (their taps are consecutive in the packed weights). At
            // 4x4 outputs of a 3x3/2 layer that is 2 of 12 row-taps.
            const int64_t ih0 = oh * g.p.stride_h - g.p.pad_h, dh = g.p.dilation_h;
            int64_t kh_lo = 0, kh_hi = g.KH;
            while (kh_lo < kh_hi && ih0 + kh_lo * dh < 0) ++kh_lo;
            while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * dh >= g.H) --kh_hi;
            if (kh_lo == kh_hi) {  // the whole window is border
              if (q == 0)
                for (int64_t ow = 0; ow < g.OW; ++ow) std::memset(out_row + ow * g.O, 0, size_t(nr) * sizeof(float));
              continue;
            }
            const int64_t seg_lo = merge_rows ? kh_lo : kh_lo * g.KW;
            const int64_t nseg_r = (kh_hi - kh_lo) * (merge_rows ? 1 : g.KW);
            const float* b_r = b + kh_lo * g.KW * cq * NR;
            int64_t ow = 0;
            for (int64_t t = 0; t < ntile; ++t) {
              const int64_t mr = g.OW / ntile + (t < g.OW % ntile ? 1 : 0);
              const float* base = in_row + ow * lda;
              for (int64_t s = 0; s < nseg_r; ++s) seg[size_t(s)] = base + toff[size_t((seg_lo + s) * seg_step)];
              dk.fn[mr](nseg_r, seg.data(), lda, cq * seg_step, b_r, out_row + ow * g.O, g.O, nr, q > 0 ? 1.0f : 0.0f);
              ow += mr;
            }
          }
        }
      }
    if (bias)
      for (int64_t p = r0 * g.OW; p < r1 * g.OW; ++p)
        for (int64_t o = 0; o < g.O; ++o) y[p * g.O + o] += bias[o];
  }
  return true;
}

}  // namespace

bool conv2d_forward_direct(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  return forward_direct(g, x, w, false, bias, y);
}

bool conv2d_backward_input_direct(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const auto& p = g.p;
  const int64_t pad_h = p.dilation_h * (g.KH - 1) - p.pad_h, pad_w = p.dilation_w * (g.KW - 1) - p.pad_w;
  if (p.stride_h != 1 || p.stride_w != 1 || pad_h < 0 || pad_w < 0) return false;
  // The transposed problem: dy is the input, dx the output.
  ConvGeom t = g;
  t.H = g.OH;
  t.W = g.OW;
  t.C = g.O;
  t.O = g.C;
  t.OH = g.H;
  t.OW = g.W;
  t.p.pad_h = pad_h;
  t.p.pad_w = pad_w;
  // Its weights w'[grp*Cg + c][o][kh][kw] = w[grp*Og + o][c][KH-1-kh][KW-1-kw]
  // are read from w by the packer (materialising w' scattered every write).
  return forward_direct(t, dy, w, true, nullptr, dx);
}

namespace {

// The output pixels in order, each with the top-left input pixel of its
// window in the padded input; coordinates advance without divisions.
struct PixelWalk {
  const ConvGeom& g;
  const PaddedInput& xp;
  int64_t grp_offset, n, oh, ow;
  PixelWalk(const ConvGeom& geom, const PaddedInput& padded, int64_t grp, int64_t p0)
      : g(geom), xp(padded), grp_offset(grp * geom.cin_per_group()) {
    const int64_t plane = g.OH * g.OW;
    n = p0 / plane;
    oh = (p0 % plane) / g.OW;
    ow = p0 % g.OW;
  }
  const float* window() const {
    return xp.data + ((n * xp.Hp + oh * g.p.stride_h) * xp.Wp + ow * g.p.stride_w) * g.C + grp_offset;
  }
  void next() {
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) oh = 0, ++n;
    }
  }
};

// A window's patch values (tap, c) in patch order, as runs contiguous in
// memory: one per tap, merged where consecutive taps touch (channels of a
// tap fill the pixel and the next tap is the next pixel: the RGB stem's 7
// taps of a kernel row become one run of 21 values instead of 7 of 3).
struct PatchRuns {
  struct Run {
    int64_t first, offset, len;  // patch index, offset in the window, values
  };
  std::vector<Run> runs;
  std::vector<int32_t> run_of;  // patch index -> its run
  PatchRuns(const std::vector<int64_t>& toff, int64_t Cg) {
    for (size_t t = 0; t < toff.size(); ++t) {
      if (!runs.empty() && runs.back().offset + runs.back().len == toff[t])
        runs.back().len += Cg;
      else
        runs.push_back({int64_t(t) * Cg, toff[t], Cg});
      run_of.insert(run_of.end(), size_t(Cg), int32_t(runs.size() - 1));
    }
  }
};

// dst[0:count] = the patch values of one window from patch index `first`.
inline void copy_patch_values(const float* window, const PatchRuns& pr, int64_t first, int64_t count,
                              float* __restrict dst) {
  int64_t i = 0;
  for (size_t r = size_t(pr.run_of[size_t(first)]); i < count; ++r) {
    const PatchRuns::Run& run = pr.runs[r];
    const int64_t skip = first + i - run.first, len = std::min(run.len - skip, count - i);
    const float* __restrict src = window + run.offset + skip;
    for (int64_t q = 0; q < len; ++q) dst[i + q] = src[q];
    i += len;
  }
}

// GEMM packing of kc rows: dst[k*width + j] = src[k*ld + j] for j < count,
// zero up to width (the micro-panel's MR or NR).
inline void pack_rows(const float* __restrict src, int64_t ld, int64_t kc, int64_t count, int64_t width,
                      float* __restrict dst) {
  for (int64_t k = 0; k < kc; ++k, src += ld, dst += width) {
    int64_t j = 0;
    for (; j < count; ++j) dst[j] = src[j];
    for (; j < width; ++j) dst[j] = 0.0f;
  }
}

// GEMM packing of the patch values [first, first + count) of kc consecutive
// output pixels (from p0), each zero-padded to width.
inline void pack_patches(const ConvGeom& g, const PaddedInput& xp, const PatchRuns& pr, int64_t grp, int64_t p0,
                         int64_t kc, int64_t first, int64_t count, int64_t width, float* __restrict dst) {
  PixelWalk px(g, xp, grp, p0);
  for (int64_t k = 0; k < kc; ++k, dst += width, px.next()) {
    copy_patch_values(px.window(), pr, first, count, dst);
    for (int64_t j = count; j < width; ++j) dst[j] = 0.0f;
  }
}

// The weight gradient of one convolution in either orientation of the same
// product, with K = every output pixel:
//   by output channel: dW_g [Og, taps*Cg] = dy_g^T [Og, P] @ patches [P, taps*Cg]
//   by patch value:    dW_g^T [taps*Cg, Og] = patches^T [taps*Cg, P] @ dy_g [P, Og]
// Both packers copy contiguous runs (output channels of a pixel; patch values
// of a window). The result is then reordered to OIHW: by output channel one
// row at a time (in L1); by patch value in blocks of 16 output channels, so
// that every cache line read (16 o) and written (runs of taps) is used whole.
void weight_grad(const ConvGeom& g, const PaddedInput& xp, const std::vector<int64_t>& toff,
                 const MicroKernel<float>& uk, const float* dy, bool by_output_channel, float* dw) {
  const int64_t taps = g.KH * g.KW, Cg = g.cin_per_group(), Og = g.cout_per_group(), Kc = taps * Cg;
  const int64_t P = g.N * g.OH * g.OW;
  const PatchRuns pr(toff, Cg);
  std::vector<float> dwr(size_t(Og * Kc));
  for (int64_t grp = 0; grp < g.p.groups; ++grp) {
    // As gemm_packed's pack_a(i0, rows, p0, kc, dst) and pack_b(p0, kc, j0, cols, dst).
    const float* dy_g = dy + grp * Og;
    auto dy_as_a = [&](int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
      pack_rows(dy_g + p0 * g.O + i0, g.O, kc, rows, uk.mr, dst);
    };
    auto dy_as_b = [&](int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
      pack_rows(dy_g + p0 * g.O + j0, g.O, kc, cols, uk.nr, dst);
    };
    auto patches_as_a = [&](int64_t i0, int64_t rows, int64_t p0, int64_t kc, float* dst) {
      pack_patches(g, xp, pr, grp, p0, kc, i0, rows, uk.mr, dst);
    };
    auto patches_as_b = [&](int64_t p0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
      pack_patches(g, xp, pr, grp, p0, kc, j0, cols, uk.nr, dst);
    };
    if (by_output_channel) {
      gemm_packed<float>(Og, Kc, P, 1.0f, dy_as_a, patches_as_b, 0.0f, dwr.data(), Kc, &uk, 512);
#pragma omp parallel for schedule(static)
      for (int64_t o = 0; o < Og; ++o) {
        const float* src = dwr.data() + o * Kc;
        float* d = dw + (grp * Og + o) * Kc;
        for (int64_t s = 0; s < taps; ++s)
          for (int64_t c = 0; c < Cg; ++c) d[c * taps + s] = src[s * Cg + c];
      }
    } else {
      gemm_packed<float>(Kc, Og, P, 1.0f, patches_as_a, dy_as_b, 0.0f, dwr.data(), Og, &uk, 512);
      constexpr int64_t kOb = 16;
      for (int64_t ob = 0; ob < Og; ob += kOb) {
        const int64_t oe = std::min(Og, ob + kOb);
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t s = 0; s < taps; ++s) {
            const float* src = dwr.data() + (s * Cg + c) * Og;
            for (int64_t o = ob; o < oe; ++o) dw[((grp * Og + o) * Cg + c) * taps + s] = src[o];
          }
      }
    }
  }
}

}  // namespace

bool conv2d_backward_weight_implicit(const ConvGeom& g, const float* dy, const float* x, float* dw) {
  const int64_t Kc = g.KH * g.KW * g.cin_per_group();
  if (g.O == 0 || Kc == 0) return true;
  if (g.N * g.OH * g.OW == 0) {
    std::fill(dw, dw + g.O * Kc, 0.0f);
    return true;
  }
  const PaddedInput xp = pad_input(g, x);
  const std::vector<int64_t> toff = tap_offsets(g, xp.Wp);
  const MicroKernel<float> uk = micro_kernel_f32(active_isa());
  // The K dimension is every output pixel in both orientations, so a long
  // KC (512 in gemm_packed) halves the C tile reloads. With at least NR
  // input channels, the output-channel orientation was faster on every
  // ResNet-18 3x3 layer (512@4: 21.5 -> 15.4 ms, 64@28: 16.3 -> 13.7 ms at
  // batch 32); with the stem's 3 channels it was 1.5x slower (there the
  // patch values are the long dimension and the output channels fill the
  // 32-wide vector tile).
  weight_grad(g, xp, toff, uk, dy, g.cin_per_group() >= uk.nr, dw);
  return true;
}

}  // namespace fb::kernels::cpu
