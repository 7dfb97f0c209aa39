// Winograd F(m x m, 3x3) for 3x3 stride-1 convolutions (float, NHWC x OIHW),
// with m = 2 or 4 (the tile transforms are in winograd_tiles.h).
//
// Each m x m block of outputs (a "tile") comes from the a x a input patch d
// around it (a = m + 2) and the 3x3 kernel g as
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A                          (Lavin & Gray 2016)
// with a^2 multiplications per channel pair instead of 9 m^2: 2.25x fewer for
// F(2x2), 4x fewer for F(4x4). The sum over input channels turns the
// elementwise product at each of the a^2 positions xi of the transformed tile
// into one GEMM:
//   M_xi[tiles, O] = V_xi[tiles, C] @ U_xi[C, O]
// V: transformed input tiles; U: transformed weights.
//
// Loop nest. The weights are transformed once per call into NR-wide panels
// U[xi][panel][C][NR]. Each thread takes blocks of TB consecutive tiles:
//   transform the block's input patches  -> V[xi][TB][C]   (vectorised over C)
//   for xi, output panel, run of <= MR tiles: the direct-A micro-kernel
//     (direct_kernel.h) reads V's rows in place      -> M[xi][TB][O]
//   inverse-transform M (+ bias) into the m x m outputs (vectorised over O)
// A block's V and M (up to 4 MB) sit in L3, the slices of one position xi in
// L2 while it is worked on, and the block is long enough that streaming U
// past it costs little.
//
// The input gradient of a 3x3 stride-1 convolution is the same computation on
// dy, with the kernels flipped in space, input and output channels swapped,
// and padding 2 - pad.
//
// The weight gradient follows from the forward formula (linear in U): with
// Z = A dY A^T the transformed output gradient of a tile,
//   dU_xi[o, c] = sum over tiles of Z_xi[t, o] V_xi[t, c]      (a^2 GEMMs, K = tiles)
//   dg = G^T dU G                                             (per kernel)
// The threads share the tile transforms. When one block holds every tile
// (wide layers), each thread then takes chunks of output channels through
// all a^2 GEMMs and the inverse transform at once; otherwise the blocks'
// GEMMs are split by xi and accumulate into the whole dU.
//
// Which tile size: see winograd_tile() below.
//
// The short loops over a tile's rows and columns inside the channel loops
// carry "#pragma GCC unroll": left rolled (GCC keeps F(4x4)'s 6-long loops
// so), they stop the channel loop from being vectorised.
//
// Numerics: F(2x2)'s transforms add at most 9 terms (with exact halvings);
// F(4x4)'s scale by up to 8 and 1/24 (and 1/6, inexact). Against the f64
// reference (random data, batch 4; 64@56, 128@28, 256@14, 512@7) the
// relative error of F(2x2) is 2.6e-7 - 6.8e-7, of F(4x4) 1.7e-6 - 3.5e-6
// forward and input gradient, 7.8e-7 - 2.8e-6 weight gradient; the direct
// kernels' is 2.3e-7 - 3.8e-7.
#include "kernels/cpu/conv_winograd.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/cpu/aligned_buffer.h"
#include "kernels/cpu/direct_kernel.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/winograd_tiles.h"
#include "tensor/error.h"

namespace fb::kernels::cpu {
namespace {

constexpr int kMaxNr = 32;  // widest micro-kernel panel (AVX-512)

// The convolution as the Winograd code sees it (the input gradient swaps the
// roles of input and output).
struct WinoShape {
  int64_t N, H, W, C;  // input
  int64_t OH, OW, O;   // output
  int64_t pad_h, pad_w;
  int64_t tiles_down(int m) const { return (OH + m - 1) / m; }
  int64_t tiles_across(int m) const { return (OW + m - 1) / m; }
  int64_t tiles(int m) const { return N * tiles_down(m) * tiles_across(m); }
};

// Tile index -> image and the tile's first output row and column.
struct TilePos {
  int64_t n, oh, ow;
};
template <typename Tile>
TilePos tile_pos(const WinoShape& s, int64_t tile) {
  const int64_t across = s.tiles_across(Tile::m), per_image = s.tiles_down(Tile::m) * across;
  const int64_t r = tile % per_image;
  return {tile / per_image, r / across * Tile::m, r % across * Tile::m};
}

// U[xi][panel][c][NR] = (G g G^T)[xi] of kernel (o, c), zero for o >= O.
// kernel_at(o, c, kh, kw) reads the 3x3 kernel mapping input channel c to
// output channel o. Blocks of NR output x 16 input channels are first
// gathered into [c][tap][lane] order (whichever of o or c is contiguous in
// the weights, which differs between the forward and the input gradient, the
// reads are runs of whole kernels), then transformed with the lanes as the
// vector dimension and stored as whole NR-wide rows.
template <typename Tile, typename KernelAt>
FloatBuf transform_weights(const WinoShape& s, int nr, KernelAt kernel_at) {
  constexpr int a = Tile::a;
  constexpr int64_t cb = 16;
  const int64_t npanel = (s.O + nr - 1) / nr, xi_stride = npanel * s.C * nr;
  FloatBuf u = alloc_floats(size_t(a * a * xi_stride));
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
          float t[3][a];  // t[j] = G (column j of g)
#pragma GCC unroll 8
          for (int j = 0; j < 3; ++j) Tile::weight(g[j][lane], g[3 + j][lane], g[6 + j][lane], t[j]);
#pragma GCC unroll 8
          for (int i = 0; i < a; ++i) {  // row i of G g, times G^T
            float r[a];
            Tile::weight(t[0][i], t[1][i], t[2][i], r);
#pragma GCC unroll 8
            for (int k = 0; k < a; ++k) dst[(i * a + k) * xi_stride + lane] = r[k];
          }
        }
      }
    }
  return u;
}

// Pixel pointers of a tile's m x m output positions in an NHWC tensor of the
// output's shape (O channels), `outside` for positions past the bottom or
// right edge.
template <typename Tile, typename P>
void output_pixels(const WinoShape& s, const TilePos& p, P* base, P* outside, P* (&px)[Tile::m * Tile::m]) {
  constexpr int m = Tile::m;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) {
      const int64_t oh = p.oh + i, ow = p.ow + j;
      px[i * m + j] = oh < s.OH && ow < s.OW ? base + ((p.n * s.OH + oh) * s.OW + ow) * s.O : outside;
    }
}

// V[xi][t][c] = (B^T d B)[xi] for tiles tile0 .. tile0 + nt; reads outside
// the input come from `zeros` (C zeros).
template <typename Tile>
void transform_input(const WinoShape& s, const float* x, const float* zeros, int64_t tile0, int64_t nt, float* v,
                     int64_t xi_stride) {
  constexpr int a = Tile::a;
  const int64_t C = s.C;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos<Tile>(s, tile0 + t);
    const float* d[a * a];
    for (int i = 0; i < a; ++i)
      for (int j = 0; j < a; ++j) {
        const int64_t ih = p.oh - s.pad_h + i, iw = p.ow - s.pad_w + j;
        d[i * a + j] = ih >= 0 && ih < s.H && iw >= 0 && iw < s.W ? x + ((p.n * s.H + ih) * s.W + iw) * C : zeros;
      }
    float* out = v + t * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) {
      float e[a][a];                 // e[j] = B^T (column j of d)
#pragma GCC unroll 8
      for (int j = 0; j < a; ++j) {
        float col[a];
#pragma GCC unroll 8
        for (int i = 0; i < a; ++i) col[i] = d[i * a + j][c];
        Tile::input(col, e[j]);
      }
#pragma GCC unroll 8
      for (int i = 0; i < a; ++i) {  // row i of B^T d, times B
        float row[a], r[a];
#pragma GCC unroll 8
        for (int j = 0; j < a; ++j) row[j] = e[j][i];
        Tile::input(row, r);
#pragma GCC unroll 8
        for (int k = 0; k < a; ++k) out[(i * a + k) * xi_stride + c] = r[k];
      }
    }
  }
}

// The m x m outputs of tiles tile0 .. tile0 + nt from M[xi][t][O] (+ bias).
// Outputs past the bottom or right edge go to `scratch` (O floats).
template <typename Tile>
void transform_output(const WinoShape& s, const float* mm, int64_t xi_stride, const float* bias, int64_t tile0,
                      int64_t nt, float* y, float* scratch) {
  constexpr int a = Tile::a, m = Tile::m;
  const int64_t O = s.O;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos<Tile>(s, tile0 + t);
    float* dst[m * m];
    output_pixels<Tile>(s, p, y, scratch, dst);
    const float* src = mm + t * O;
#pragma omp simd
    for (int64_t o = 0; o < O; ++o) {
      float r[a][m];  // r[j] = A^T (column j of M)
#pragma GCC unroll 8
      for (int j = 0; j < a; ++j) {
        float col[a];
#pragma GCC unroll 8
        for (int i = 0; i < a; ++i) col[i] = src[(i * a + j) * xi_stride + o];
        Tile::output(col, r[j]);
      }
      const float b = bias ? bias[o] : 0.0f;
#pragma GCC unroll 8
      for (int i = 0; i < m; ++i) {  // row i of A^T M, times A
        float row[a], out[m];
#pragma GCC unroll 8
        for (int j = 0; j < a; ++j) row[j] = r[j][i];
        Tile::output(row, out);
#pragma GCC unroll 8
        for (int k = 0; k < m; ++k) dst[i * m + k][o] = out[k] + b;
      }
    }
  }
}

// Z[xi][t][o] = (A dY A^T)[xi] for tiles tile0 .. tile0 + nt, where dY is the
// tile's m x m block of the output gradient (zero past the edges).
template <typename Tile>
void transform_grad_output(const WinoShape& s, const float* dy, const float* zeros, int64_t tile0, int64_t nt,
                           float* z, int64_t xi_stride) {
  constexpr int a = Tile::a, m = Tile::m;
  const int64_t O = s.O;
  for (int64_t t = 0; t < nt; ++t) {
    const TilePos p = tile_pos<Tile>(s, tile0 + t);
    const float* src[m * m];
    output_pixels<Tile>(s, p, dy, zeros, src);
    float* out = z + t * O;
#pragma omp simd
    for (int64_t o = 0; o < O; ++o) {
      float r[m][a];  // r[j] = A (column j of dY)
#pragma GCC unroll 8
      for (int j = 0; j < m; ++j) {
        float col[m];
#pragma GCC unroll 8
        for (int i = 0; i < m; ++i) col[i] = src[i * m + j][o];
        Tile::grad_output(col, r[j]);
      }
#pragma GCC unroll 8
      for (int i = 0; i < a; ++i) {  // row i of A dY, times A^T
        float row[m], zr[a];
#pragma GCC unroll 8
        for (int j = 0; j < m; ++j) row[j] = r[j][i];
        Tile::grad_output(row, zr);
#pragma GCC unroll 8
        for (int k = 0; k < a; ++k) out[(i * a + k) * xi_stride + o] = zr[k];
      }
    }
  }
}

// dw[o][c] = G^T dU[o][c] G (3x3) for one output channel o, from its a^2
// rows dU[o][xi][c] (row_stride floats apart): the rows are read and
// transformed vectorised over c into nine rows taps[tap][c] (9 C floats of
// scratch), then interleaved into dw_o[c][tap] (a vector store with stride 9
// would be nine scalar stores per lane).
template <typename Tile>
void inverse_transform_weight_grad(int64_t C, const float* du_o, int64_t row_stride, float* taps, float* dw_o) {
  constexpr int a = Tile::a;
#pragma omp simd
  for (int64_t c = 0; c < C; ++c) {
    float s[a][3];  // s[j] = G^T (column j of dU)
#pragma GCC unroll 8
    for (int j = 0; j < a; ++j) {
      float col[a];
#pragma GCC unroll 8
      for (int i = 0; i < a; ++i) col[i] = du_o[(i * a + j) * row_stride + c];
      Tile::weight_grad(col, s[j]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < 3; ++i) {
      float row[a], r[3];
#pragma GCC unroll 8
      for (int j = 0; j < a; ++j) row[j] = s[j][i];
      Tile::weight_grad(row, r);
#pragma GCC unroll 8
      for (int k = 0; k < 3; ++k) taps[(i * 3 + k) * C + c] = r[k];
    }
  }
  for (int64_t c = 0; c < C; ++c)
#pragma GCC unroll 9
    for (int k = 0; k < 9; ++k) dw_o[c * 9 + k] = taps[k * C + c];
}

// Tiles per block: a block's V and M, 4 a^2 TB (C + O) bytes, take up to
// 4 MB (a share of L3); only one position's V_xi and M_xi (1/a^2 of that)
// are worked on at a time, in L2. Long blocks matter for wide layers, where
// U (a^2 C O floats: 16 MB at 512 channels for F(2x2)) is streamed once per
// block.
template <typename Tile>
int64_t block_tiles(const WinoShape& s) {
  if (const char* e = std::getenv("FB_WINOGRAD_TB")) return std::max<int64_t>(1, std::atol(e));
  const int64_t bytes_per_tile = 4 * Tile::a * Tile::a * std::max<int64_t>(1, s.C + s.O);
  return std::max<int64_t>(14, (int64_t(4) << 20) / bytes_per_tile);
}

template <typename Tile, typename KernelAt>
void winograd_3x3(const WinoShape& s, const float* x, KernelAt kernel_at, const float* bias, float* y) {
  constexpr int kXi = Tile::a * Tile::a;
  const DirectKernel& dk = direct_kernel(active_isa());
  const int nr = dk.nr;
  const int64_t npanel = (s.O + nr - 1) / nr, u_xi_stride = npanel * s.C * nr;
  const FloatBuf u = transform_weights<Tile>(s, nr, kernel_at);
  const std::vector<float> zeros(size_t(s.C), 0.0f);
  const int64_t P = s.tiles(Tile::m);
  const int threads = omp_get_max_threads();
  // Blocks of at most block_tiles(), as many for every thread.
  const int64_t per_thread = (P + threads - 1) / threads, max_tb = block_tiles<Tile>(s);
  const int64_t blocks_per_thread = (per_thread + max_tb - 1) / max_tb;
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
      transform_input<Tile>(s, x, zeros.data(), tile0, nt, v.get(), v_xi);
      // Runs of at most max_mr tiles, balanced (e.g. 56 = 4 x 14).
      const int64_t nrun = (nt + dk.max_mr - 1) / dk.max_mr;
      for (int xi = 0; xi < kXi; ++xi)
        for (int64_t panel = 0; panel < npanel; ++panel) {
          const float* b = u.get() + xi * u_xi_stride + panel * s.C * nr;
          const int64_t cols = std::min<int64_t>(nr, s.O - panel * nr);
          for (int64_t r = 0; r < nrun; ++r) {
            const int64_t t0 = nt * r / nrun, t1 = nt * (r + 1) / nrun;
            const float* av = v.get() + xi * v_xi + t0 * s.C;
            dk.fn[t1 - t0](1, &av, s.C, s.C, b, m.get() + xi * m_xi + t0 * s.O + panel * nr, s.O, cols, 0.0f);
          }
        }
      transform_output<Tile>(s, m.get(), m_xi, bias, tile0, nt, y, scratch.data());
    }
  }
}

template <typename Tile>
void winograd_3x3_weight_grad(const WinoShape& s, const float* dy, const float* x, float* dw) {
  constexpr int kXi = Tile::a * Tile::a;
  // Every block of tiles costs a pass over dU (a^2 C O floats), as much as
  // the block's own V and Z (a^2 TB (C + O)) once TB = C O / (C + O): blocks
  // are at least that long, and balanced, so that no short last block pays a
  // full pass. Wide layers with few tiles take them all in one block.
  const int64_t C = s.C, O = s.O, P = s.tiles(Tile::m);
  const int64_t max_tb = std::max(block_tiles<Tile>(s), C * O / (C + O));
  const int64_t nblocks = (P + max_tb - 1) / max_tb, tb = (P + nblocks - 1) / nblocks;
  // dU rows are padded by a cache line: rows a power of two apart would
  // fall into the same L1 sets when the inverse transform reads a^2 of them.
  const int64_t row_stride = C + 16;
  FloatBuf v = alloc_floats(size_t(kXi * tb * C)), z = alloc_floats(size_t(kXi * tb * O));
  const std::vector<float> zeros(size_t(std::max(C, O)), 0.0f);
  auto transform_block = [&](int64_t tile0, int64_t nt) {
#pragma omp for schedule(static)
    for (int64_t t = 0; t < nt; ++t) {
      transform_input<Tile>(s, x, zeros.data(), tile0 + t, 1, v.get() + t * C, tb * C);
      transform_grad_output<Tile>(s, dy, zeros.data(), tile0 + t, 1, z.get() + t * O, tb * O);
    }
  };
  if (nblocks == 1) {
    // One block: each thread takes chunks of output channels, computes their
    // dU rows for every xi (dU^T_xi[o, c] = sum_t Z_xi[t, o] V_xi[t, c]) into
    // a chunk buffer, and transforms them straight into dw, so dU never
    // travels to memory. Every GEMM call packs V_xi again, so chunks are
    // long (one per thread, at most 128 channels: at 512 channels, batch 32,
    // 7x7, chunks of 13 took 41 ms, of 128 20 ms).
    const int64_t per_thread = (O + omp_get_max_threads() - 1) / omp_get_max_threads();
    const int64_t ob = std::min<int64_t>(128, (per_thread + 15) / 16 * 16);
    const int64_t nchunks = (O + ob - 1) / ob;
#pragma omp parallel
    {
      transform_block(0, P);
      FloatBuf du = alloc_floats(size_t(kXi * ob * row_stride)), taps = alloc_floats(size_t(9 * C));
#pragma omp for schedule(static)
      for (int64_t chunk = 0; chunk < nchunks; ++chunk) {
        const int64_t o0 = chunk * ob, no = std::min(ob, O - o0);
        for (int xi = 0; xi < kXi; ++xi)
          gemm<float>(true, false, no, C, P, 1.0f, z.get() + xi * tb * O + o0, O, v.get() + xi * tb * C, C, 0.0f,
                      du.get() + xi * row_stride, kXi * row_stride);
        for (int64_t o = 0; o < no; ++o)
          inverse_transform_weight_grad<Tile>(C, du.get() + o * kXi * row_stride, row_stride, taps.get(),
                                              dw + (o0 + o) * C * 9);
      }
    }
    return;
  }
  // Several blocks: the GEMMs of each block are split by xi and accumulate
  // into the whole dU[o][xi][c], transformed at the end.
  FloatBuf du = alloc_floats(size_t(kXi * row_stride * O));
#pragma omp parallel
  {
    for (int64_t tile0 = 0; tile0 < P; tile0 += tb) {  // every thread walks the blocks
      const int64_t nt = std::min(tb, P - tile0);
      transform_block(tile0, nt);
#pragma omp for schedule(static)
      for (int xi = 0; xi < kXi; ++xi)
        gemm<float>(true, false, O, C, nt, 1.0f, z.get() + xi * tb * O, O, v.get() + xi * tb * C, C,
                    tile0 == 0 ? 0.0f : 1.0f, du.get() + xi * row_stride, kXi * row_stride);
    }
    FloatBuf taps = alloc_floats(size_t(9 * C));
#pragma omp for schedule(static)
    for (int64_t o = 0; o < O; ++o)
      inverse_transform_weight_grad<Tile>(C, du.get() + o * kXi * row_stride, row_stride, taps.get(), dw + o * C * 9);
  }
}

// The tile size forced by WinogradTileGuard (2 or 4), 0 for the rule below;
// FB_WINOGRAD_TILE=2|4 sets the starting value.
std::atomic<int>& forced_tile() {
  static std::atomic<int> tile{[] {
    const char* e = std::getenv("FB_WINOGRAD_TILE");
    const int t = e ? std::atoi(e) : 0;
    return t == 2 || t == 4 ? t : 0;
  }()};
  return tile;
}

// The tile with fewer products, a^2 per tile per channel pair, counting the
// tiles that overhang the bottom and right edges: for square outputs F(4x4)
// for sides of 3, 4, 7, 8 and from 9 on, F(2x2) for sides of 1, 2, 5 and 6
// (on ties its transforms are the cheaper). Measured at batch 32 on the 3x3 layers of
// ResNet-18 at 112 px and ResNet-50 at 224 px (sides 4 to 56; both tiles
// timed alternately in one process, medians of 9), F(4x4) took 0.56 - 0.89
// of F(2x2)'s time in all three directions, except ResNet-18's 512@4 forward
// and input gradient (1.01, 1.03: one tile per image).
int winograd_tile(const WinoShape& s) {
  if (const int forced = forced_tile().load(std::memory_order_relaxed)) return forced;
  const int64_t f4 = s.tiles(4) * 36, f2 = s.tiles(2) * 16;
  return f4 < f2 ? 4 : 2;
}

template <typename KernelAt>
void winograd_3x3_any(const WinoShape& s, const float* x, KernelAt kernel_at, const float* bias, float* y) {
  if (winograd_tile(s) == 4)
    winograd_3x3<WinogradF4>(s, x, kernel_at, bias, y);
  else
    winograd_3x3<WinogradF2>(s, x, kernel_at, bias, y);
}

}  // namespace

int force_winograd_tile(int tile) {
  FB_CHECK(tile == 0 || tile == 2 || tile == 4, "Winograd tile must be 2, 4 or 0 (per shape), got ", tile);
  return forced_tile().exchange(tile, std::memory_order_relaxed);
}

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
  winograd_3x3_any(
      s, x, [w, C](int64_t o, int64_t c, int kh, int kw) { return w[((o * C + c) * 3 + kh) * 3 + kw]; }, bias, y);
  return true;
}

bool conv2d_backward_input_winograd(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  if (!winograd_applies(g)) return false;
  // dx = conv(dy, w') with w'[c][o] = w[o][c] flipped, padding 2 - pad.
  const WinoShape s{g.N, g.OH, g.OW, g.O, g.H, g.W, g.C, 2 - g.p.pad_h, 2 - g.p.pad_w};
  const int64_t C = g.C;
  winograd_3x3_any(
      s, dy,
      [w, C](int64_t c, int64_t o, int kh, int kw) { return w[((o * C + c) * 3 + (2 - kh)) * 3 + (2 - kw)]; },
      nullptr, dx);
  return true;
}

bool conv2d_backward_weight_winograd(const ConvGeom& g, const float* dy, const float* x, float* dw) {
  if (!winograd_applies(g)) return false;
  const WinoShape s{g.N, g.H, g.W, g.C, g.OH, g.OW, g.O, g.p.pad_h, g.p.pad_w};
  if (winograd_tile(s) == 4)
    winograd_3x3_weight_grad<WinogradF4>(s, dy, x, dw);
  else
    winograd_3x3_weight_grad<WinogradF2>(s, dy, x, dw);
  return true;
}

}  // namespace fb::kernels::cpu
