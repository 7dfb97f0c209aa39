// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (float, NHWC x OIHW).
//
// Each 2x2 block of outputs (a "tile") comes from the 4x4 input patch d
// around it and the 3x3 kernel g as
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A                          (Lavin & Gray 2016)
// with 16 multiplications per channel pair instead of 36 (2.25x fewer). The
// sum over input channels turns the elementwise product at each of the 16
// positions xi of the transformed tile into one GEMM:
//   M_xi[tiles, O] = V_xi[tiles, C] @ U_xi[C, O]
// V: transformed input tiles; U: transformed weights.
//
// Loop nest. The weights are transformed once per call into NR-wide panels
// U[xi][panel][C][NR]. Each thread takes blocks of TB consecutive tiles:
//   transform the block's input patches  -> V[xi][TB][C]   (vectorised over C)
//   for xi, output panel, run of <= MR tiles: the direct-A micro-kernel
//     (direct_kernel.h) reads V's rows in place      -> M[xi][TB][O]
//   inverse-transform M (+ bias) into the 2x2 outputs (vectorised over O)
// A block's V and M (up to 4 MB) sit in L3, the slices of one position xi in
// L2 while it is worked on, and the block is long enough that streaming U
// past it costs little.
//
// The input gradient of a 3x3 stride-1 convolution is the same computation on
// dy, with the kernels flipped in space, input and output channels swapped,
// and padding 2 - pad.
//
// The weight gradient follows from the forward formula (linear in U): with
// Z = A dY A^T the transformed 2x2 output gradient of a tile,
//   dU_xi[c, o] = sum over tiles of V_xi[t, c] Z_xi[t, o]      (16 GEMMs, K = tiles)
//   dg = G^T dU G                                             (per kernel)
// Blocks of tiles are shared by the threads: they split a block's transforms
// by tile, then its 16 GEMMs by xi (so at most 16 threads multiply),
// accumulating into dU.
//
// Numerics: the transforms add at most 9 terms (with exact halvings). Against
// the f64 reference (random data, batch 4) the relative error is 2.6e-7 -
// 6.8e-7 (64 to 512 channels), against 2.3e-7 - 3.8e-7 for the direct kernels.
#include "kernels/cpu/conv_winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu/aligned_buffer.h"
#include "kernels/cpu/direct_kernel.h"
#include "kernels/cpu/gemm.h"

namespace fb::kernels::cpu {
namespace {

constexpr int kXi = 16;     // positions of a transformed 4x4 tile
constexpr int kMaxNr = 32;  // widest micro-kernel panel (AVX-512)

// The convolution as the Winograd code sees it (the input gradient swaps the
// roles of input and output).
struct WinoShape {
  int64_t N, H, W, C;  // input
  int64_t OH, OW, O;   // output
  int64_t pad_h, pad_w;
  int64_t TH() const { return (OH + 1) / 2; }  // tiles per column / row
  int64_t TW() const { return (OW + 1) / 2; }
  int64_t tiles() const { return N * TH() * TW(); }
};

// U[xi][panel][c][NR] = (G g G^T)[xi] of kernel (o, c), zero for o >= O.
// kernel_at(o, c, kh, kw) reads the 3x3 kernel mapping input channel c to
// output channel o. Blocks of NR output x 16 input channels are first
// gathered into [c][tap][lane] order (whichever of o or c is contiguous in
// the weights, which differs between the forward and the input gradient, the
// reads are runs of whole kernels), then transformed with the lanes as the
// vector dimension and stored as whole NR-wide rows.
template <typename KernelAt>
FloatBuf transform_weights(const WinoShape& s, int nr, KernelAt kernel_at) {
  constexpr int64_t cb = 16;
  const int64_t npanel = (s.O + nr - 1) / nr, xi_stride = npanel * s.C * nr;
  FloatBuf u = alloc_floats(size_t(kXi * xi_stride));
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t panel = 0; panel < npanel; ++panel)
    for (int64_t c0 = 0; c0 < s.C; c0 += cb) {
      const int64_t nc = std::min(cb, s.C - c0);
      float gb[cb][9][kMaxNr];
      for (int lane = 0; lane < nr; ++lane) {
        const int64_t o = panel * nr + lane;
        for (int64_t c = 0; c < nc; ++c)
          for (int k = 0; k < 9; ++k) gb[c][k][lane] = o < s.O ? kernel_at(o, c0 + c, k / 3, k % 3) : 0.0f;
      }
      for (int64_t c = 0; c < nc; ++c) {
        float* dst = u.get() + (panel * s.C + c0 + c) * nr;
        const float(*g)[kMaxNr] = gb[c];  // g[kh * 3 + kw][lane]
#pragma omp simd
        for (int lane = 0; lane < nr; ++lane) {
          // t = G g, then G t^T: G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
          float t[4][3];
          for (int j = 0; j < 3; ++j) {
            const float g0 = g[j][lane], g1 = g[3 + j][lane], g2 = g[6 + j][lane];
            t[0][j] = g0;
            t[1][j] = 0.5f * (g0 + g1 + g2);
            t[2][j] = 0.5f * (g0 - g1 + g2);
            t[3][j] = g2;
          }
          for (int i = 0; i < 4; ++i) {
            dst[(i * 4 + 0) * xi_stride + lane] = t[i][0];
            dst[(i * 4 + 1) * xi_stride + lane] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
            dst[(i * 4 + 2) * xi_stride + lane] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
            dst[(i * 4 + 3) * xi_stride + lane] = t[i][2];
          }
        }
      }
    }
  return u;
}

// Tile index -> image and tile coordinates.
struct TilePos {
  int64_t n, ty, tx;
};
TilePos tile_pos(const WinoShape& s, int64_t tile) {
  const int64_t per_image = s.TH() * s.TW(), r = tile % per_image;
  return {tile / per_image, r / s.TW(), r % s.TW()};
}

// V[xi][t][c] = (B^T d B)[xi] for tiles tile0 .. tile0 + nt; reads outside
// the input come from `zeros` (C zeros).
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
void transform_input(const WinoShape& s, const float* x, const float* zeros, int64_t tile0, int64_t nt, float* v,
                     int64_t xi_stride) {
  const int64_t C = s.C;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos(s, tile0 + t);
    const float* d[16];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t ih = 2 * p.ty - s.pad_h + i, iw = 2 * p.tx - s.pad_w + j;
        d[i * 4 + j] = ih >= 0 && ih < s.H && iw >= 0 && iw < s.W ? x + ((p.n * s.H + ih) * s.W + iw) * C : zeros;
      }
    float* out = v + t * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      float e[16];
      for (int j = 0; j < 4; ++j) {  // B^T d: combine rows
        const float d0 = d[j][c], d1 = d[4 + j][c], d2 = d[8 + j][c], d3 = d[12 + j][c];
        e[j] = d0 - d2;
        e[4 + j] = d1 + d2;
        e[8 + j] = d2 - d1;
        e[12 + j] = d1 - d3;
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B: combine columns
        const float e0 = e[i * 4], e1 = e[i * 4 + 1], e2 = e[i * 4 + 2], e3 = e[i * 4 + 3];
        out[(i * 4 + 0) * xi_stride + c] = e0 - e2;
        out[(i * 4 + 1) * xi_stride + c] = e1 + e2;
        out[(i * 4 + 2) * xi_stride + c] = e2 - e1;
        out[(i * 4 + 3) * xi_stride + c] = e1 - e3;
      }
    }
  }
}

// The 2x2 outputs of tiles tile0 .. tile0 + nt from M[xi][t][O] (+ bias).
// Outputs past the bottom or right edge go to `scratch` (O floats).
// A^T = [1 1 1 0; 0 1 -1 -1].
void transform_output(const WinoShape& s, const float* m, int64_t xi_stride, const float* bias, int64_t tile0,
                      int64_t nt, float* y, float* scratch) {
  const int64_t O = s.O;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos(s, tile0 + t);
    float* dst[4];
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        const int64_t oh = 2 * p.ty + a, ow = 2 * p.tx + b;
        dst[a * 2 + b] = oh < s.OH && ow < s.OW ? y + ((p.n * s.OH + oh) * s.OW + ow) * O : scratch;
      }
    const float* src = m + t * O;
    float *y00 = dst[0], *y01 = dst[1], *y10 = dst[2], *y11 = dst[3];
#pragma omp simd
    for (int64_t o = 0; o < O; ++o) {
      float r0[4], r1[4];
      for (int j = 0; j < 4; ++j) {  // A^T M: combine rows
        const float m0 = src[j * xi_stride + o], m1 = src[(4 + j) * xi_stride + o],
                    m2 = src[(8 + j) * xi_stride + o], m3 = src[(12 + j) * xi_stride + o];
        r0[j] = m0 + m1 + m2;
        r1[j] = m1 - m2 - m3;
      }
      const float b = bias ? bias[o] : 0.0f;
      y00[o] = r0[0] + r0[1] + r0[2] + b;
      y01[o] = r0[1] - r0[2] - r0[3] + b;
      y10[o] = r1[0] + r1[1] + r1[2] + b;
      y11[o] = r1[1] - r1[2] - r1[3] + b;
    }
  }
}

// Z[xi][t][o] = (A dY A^T)[xi] for tiles tile0 .. tile0 + nt, where dY is the
// tile's 2x2 block of the output gradient (zero past the edges).
void transform_grad_output(const WinoShape& s, const float* dy, const float* zeros, int64_t tile0, int64_t nt,
                           float* z, int64_t xi_stride) {
  const int64_t O = s.O;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos(s, tile0 + t);
    const float* src[4];
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        const int64_t oh = 2 * p.ty + a, ow = 2 * p.tx + b;
        src[a * 2 + b] = oh < s.OH && ow < s.OW ? dy + ((p.n * s.OH + oh) * s.OW + ow) * O : zeros;
      }
    float* out = z + t * O;
    const float *d00 = src[0], *d01 = src[1], *d10 = src[2], *d11 = src[3];
#pragma omp simd
    for (int64_t o = 0; o < O; ++o) {
      // A dY, A = [1 0; 1 1; 1 -1; 0 -1]: rows (p, q); then each row times A^T: [p, p+q, p-q, -q].
      const float rows[4][2] = {{d00[o], d01[o]},
                                {d00[o] + d10[o], d01[o] + d11[o]},
                                {d00[o] - d10[o], d01[o] - d11[o]},
                                {-d10[o], -d11[o]}};
      for (int i = 0; i < 4; ++i) {
        const float p0 = rows[i][0], q = rows[i][1];
        out[(i * 4 + 0) * xi_stride + o] = p0;
        out[(i * 4 + 1) * xi_stride + o] = p0 + q;
        out[(i * 4 + 2) * xi_stride + o] = p0 - q;
        out[(i * 4 + 3) * xi_stride + o] = -q;
      }
    }
  }
}

// dw[o][c] = G^T dU[c][o] G (3x3) from dU[xi][c][o].
// G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
void inverse_transform_weight_grad(int64_t C, int64_t O, const float* du, float* dw) {
  const int64_t xi_stride = C * O;
#pragma omp for schedule(static)
  for (int64_t c = 0; c < C; ++c)
    for (int64_t o = 0; o < O; ++o) {
      const float* w = du + c * O + o;
      float s[3][4];
      for (int j = 0; j < 4; ++j) {
        const float w0 = w[j * xi_stride], w1 = w[(4 + j) * xi_stride], w2 = w[(8 + j) * xi_stride],
                    w3 = w[(12 + j) * xi_stride];
        s[0][j] = w0 + 0.5f * (w1 + w2);
        s[1][j] = 0.5f * (w1 - w2);
        s[2][j] = 0.5f * (w1 + w2) + w3;
      }
      float* out = dw + (o * C + c) * 9;
      for (int i = 0; i < 3; ++i) {
        out[i * 3 + 0] = s[i][0] + 0.5f * (s[i][1] + s[i][2]);
        out[i * 3 + 1] = 0.5f * (s[i][1] - s[i][2]);
        out[i * 3 + 2] = 0.5f * (s[i][1] + s[i][2]) + s[i][3];
      }
    }
}

// Tiles per block: a block's V and M, 64 * TB * (C + O) bytes, take up to
// 4 MB (a share of L3); only one position's V_xi and M_xi (1/16 of that) are
// worked on at a time, in L2. Long blocks matter for wide layers, where U
// (16 C O floats: 16 MB at 512 channels) is streamed once per block.
int64_t block_tiles(const WinoShape& s) {
  if (const char* e = std::getenv("FB_WINOGRAD_TB")) return std::max<int64_t>(1, std::atol(e));
  return std::max<int64_t>(14, (int64_t(4) << 20) / (64 * std::max<int64_t>(1, s.C + s.O)));
}

template <typename KernelAt>
void winograd_3x3(const WinoShape& s, const float* x, KernelAt kernel_at, const float* bias, float* y) {
  const DirectKernel& dk = direct_kernel(active_isa());
  const int nr = dk.nr;
  const int64_t npanel = (s.O + nr - 1) / nr, u_xi_stride = npanel * s.C * nr;
  const FloatBuf u = transform_weights(s, nr, kernel_at);
  const std::vector<float> zeros(size_t(s.C), 0.0f);
  const int64_t P = s.tiles();
  const int threads = omp_get_max_threads();
  // Blocks of at most block_tiles(), as many for every thread.
  const int64_t per_thread = (P + threads - 1) / threads;
  const int64_t blocks_per_thread = (per_thread + block_tiles(s) - 1) / block_tiles(s);
  const int64_t tb = std::max<int64_t>(1, (per_thread + blocks_per_thread - 1) / blocks_per_thread);
  const int64_t nblocks = (P + tb - 1) / tb;
#pragma omp parallel
  {
    const int64_t v_xi = tb * s.C, m_xi = tb * s.O;
    FloatBuf v = alloc_floats(size_t(kXi * v_xi)), m = alloc_floats(size_t(kXi * m_xi));
    std::vector<float> scratch(size_t(s.O));
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < nblocks; ++blk) {
      const int64_t tile0 = blk * tb, nt = std::min(tb, P - tile0);
      transform_input(s, x, zeros.data(), tile0, nt, v.get(), v_xi);
      // Runs of at most max_mr tiles, balanced (e.g. 56 = 4 x 14).
      const int64_t nrun = (nt + dk.max_mr - 1) / dk.max_mr;
      for (int xi = 0; xi < kXi; ++xi)
        for (int64_t panel = 0; panel < npanel; ++panel) {
          const float* b = u.get() + xi * u_xi_stride + panel * s.C * nr;
          const int64_t cols = std::min<int64_t>(nr, s.O - panel * nr);
          for (int64_t r = 0; r < nrun; ++r) {
            const int64_t t0 = nt * r / nrun, t1 = nt * (r + 1) / nrun;
            const float* a = v.get() + xi * v_xi + t0 * s.C;
            dk.fn[t1 - t0](1, &a, s.C, s.C, b, m.get() + xi * m_xi + t0 * s.O + panel * nr, s.O, cols, 0.0f);
          }
        }
      transform_output(s, m.get(), m_xi, bias, tile0, nt, y, scratch.data());
    }
  }
}

}  // namespace

bool winograd_applies(const ConvGeom& g) {
  static const bool enabled = [] {
    const char* e = std::getenv("FB_CONV_WINOGRAD");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  const Conv2dParams& p = g.p;
  const bool geometry = g.KH == 3 && g.KW == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 &&
                        p.dilation_w == 1 && p.groups == 1 && p.pad_h <= 2 && p.pad_w <= 2;
  const bool size = g.C >= 16 && g.O >= 16 && g.N > 0 && g.OH > 0 && g.OW > 0;
  return enabled && geometry && size && direct_kernel(active_isa()).nr <= kMaxNr;
}

bool conv2d_forward_winograd(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y) {
  if (!winograd_applies(g)) return false;
  const WinoShape s{g.N, g.H, g.W, g.C, g.OH, g.OW, g.O, g.p.pad_h, g.p.pad_w};
  const int64_t C = g.C;
  winograd_3x3(
      s, x, [w, C](int64_t o, int64_t c, int kh, int kw) { return w[((o * C + c) * 3 + kh) * 3 + kw]; }, bias, y);
  return true;
}

bool conv2d_backward_input_winograd(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  if (!winograd_applies(g)) return false;
  // dx = conv(dy, w') with w'[c][o] = w[o][c] flipped, padding 2 - pad.
  const WinoShape s{g.N, g.OH, g.OW, g.O, g.H, g.W, g.C, 2 - g.p.pad_h, 2 - g.p.pad_w};
  const int64_t C = g.C;
  winograd_3x3(
      s, dy,
      [w, C](int64_t c, int64_t o, int kh, int kw) { return w[((o * C + c) * 3 + (2 - kh)) * 3 + (2 - kw)]; },
      nullptr, dx);
  return true;
}

bool conv2d_backward_weight_winograd(const ConvGeom& g, const float* dy, const float* x, float* dw) {
  if (!winograd_applies(g)) return false;
  const WinoShape s{g.N, g.H, g.W, g.C, g.OH, g.OW, g.O, g.p.pad_h, g.p.pad_w};
  const int64_t C = g.C, O = g.O, P = s.tiles(), tb = std::min(P, block_tiles(s));
  FloatBuf v = alloc_floats(size_t(kXi * tb * C)), z = alloc_floats(size_t(kXi * tb * O));
  FloatBuf du = alloc_floats(size_t(kXi * C * O));
  const std::vector<float> zeros(size_t(std::max(C, O)), 0.0f);
#pragma omp parallel
  {
    for (int64_t tile0 = 0; tile0 < P; tile0 += tb) {  // every thread walks the blocks
      const int64_t nt = std::min(tb, P - tile0);
#pragma omp for schedule(static)
      for (int64_t t = 0; t < nt; ++t) {
        transform_input(s, x, zeros.data(), tile0 + t, 1, v.get() + t * C, tb * C);
        transform_grad_output(s, dy, zeros.data(), tile0 + t, 1, z.get() + t * O, tb * O);
      }
#pragma omp for schedule(static)
      for (int xi = 0; xi < kXi; ++xi)
        gemm<float>(true, false, C, O, nt, 1.0f, v.get() + xi * tb * C, C, z.get() + xi * tb * O, O,
                    tile0 == 0 ? 0.0f : 1.0f, du.get() + xi * C * O, O);
    }
    inverse_transform_weight_grad(C, O, du.get(), dw);
  }
  return true;
}

}  // namespace fb::kernels::cpu
