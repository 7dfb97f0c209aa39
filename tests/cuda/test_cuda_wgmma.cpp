// The Hopper (wgmma) main loops of the own GEMM engine, run explicitly beside
// the portable WMMA loop on the same bf16 operands: the TMA-fed,
// warp-specialised loop (CudaMmaPath::Auto, matmul only) and the cp.async-fed
// loop (CudaMmaPath::CpAsync; Auto's loop for convolutions). GEMM in every
// transpose (K-major and MN-major shared layouts for both operands), all tile
// widths, k tails shorter than one 64-deep tile, split-K, and the
// implicit-GEMM convolution loaders (padding, stride, dilation). Every loop is
// checked against the f64 reference (1e-2 relative, as every bf16 check) and
// against WMMA. Operands that cannot be copied in 16-byte vectors fall back to
// WMMA; one such case checks the fallback too.
#include "cuda_test_util.h"

using namespace fb;
using fbtest::f64;
using fbtest::gpu;
using fbtest::reference;
using fbtest::rel;
using kernels::CudaMmaPath;
using kernels::CudaMmaPathGuard;

namespace {

// True (with a message) when this device/build has no wgmma loop to test.
bool no_wgmma() {
  if (fbtest::no_cuda_device()) return true;
  if (kernels::cuda_wgmma_available()) return false;
  MESSAGE("skipped: the wgmma loop needs a compute capability 9.0 device and a build with FB_CUDA_ARCHS containing "
          "90a (device: "
          << cuda::device_name(0) << ")");
  return true;
}

Tensor bf16_operand(const Shape& s, Generator& gen) { return fbtest::rnd(s, gen).to(DType::bf16).to(DType::f32); }

const char* path_name(CudaMmaPath p) {
  return p == CudaMmaPath::Auto ? "auto (TMA for matmul)" : p == CudaMmaPath::CpAsync ? "cp.async" : "wmma";
}

// Runs f (returning a CUDA tensor) on the WMMA loop and on both wgmma paths;
// checks each against ref, and the wgmma results against WMMA's.
template <typename F>
void check_loops(F&& f, const Tensor& ref) {
  Tensor w;
  {
    CudaMmaPathGuard g(CudaMmaPath::Wmma);
    w = f();
  }
  CHECK(rel(w, ref) < 1e-2);
  for (CudaMmaPath p : {CudaMmaPath::Auto, CudaMmaPath::CpAsync}) {
    CudaMmaPathGuard g(p);
    const Tensor c = f();
    CAPTURE(path_name(p));
    CHECK(c.dtype() == DType::bf16);
    CHECK(rel(c, ref) < 1e-2);
    CHECK(ops::rel_error(f64(c), f64(w)) < 1e-2);
  }
}

}  // namespace

TEST_CASE("cuda wgmma: small-integer GEMMs are exact; a wrong shared layout shows as misplaced entries") {
  if (no_wgmma()) return;
  // Entries in {-1, 0, 1} and K = 128: every product and sum is an integer
  // below 2^8, exact in bf16 and f32, so the result must equal the reference
  // bit for bit. Should the descriptors or the swizzle not match the
  // hardware, the first wrong entries are printed to show the pattern.
  auto pattern = [](const Shape& s, int64_t salt) {
    std::vector<float> v(size_t(s[0] * s[1]));
    for (int64_t i = 0; i < s[0]; ++i)
      for (int64_t j = 0; j < s[1]; ++j) {
        const uint32_t h = uint32_t(i * 131 + j * 17 + salt) * 2654435761u;  // no row or column pattern
        v[size_t(i * s[1] + j)] = float(int(h >> 28) % 3 - 1);
      }
    return from_vector(v, s);
  };
  for (CudaMmaPath path : {CudaMmaPath::Auto, CudaMmaPath::CpAsync})
    for (int64_t N : {64, 128, 256})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const int64_t M = 128, K = 128;
          Tensor a = pattern(ta ? Shape{K, M} : Shape{M, K}, 1), b = pattern(tb ? Shape{N, K} : Shape{K, N}, 2);
          CAPTURE(path_name(path));
          CAPTURE(N);
          CAPTURE(ta);
          CAPTURE(tb);
          CudaMmaPathGuard g(path);
          Tensor c = kernels::matmul(gpu(a).to(DType::bf16), gpu(b).to(DType::bf16), ta, tb).to(Device::cpu());
          Tensor r = kernels::matmul(a, b, ta, tb);
          const std::vector<float> got = c.to(DType::f32).to_vector<float>(), want = r.to_vector<float>();
          int wrong = 0;
          for (size_t i = 0; i < got.size(); ++i)
            if (got[i] != want[i] && ++wrong <= 8)
              MESSAGE("C[" << i / size_t(N) << ", " << i % size_t(N) << "] = " << got[i] << ", expected " << want[i]);
          CHECK(wrong == 0);
        }
}

TEST_CASE("cuda wgmma: GEMM equals WMMA and the f64 reference, every transpose and tile width") {
  if (no_wgmma()) return;
  Generator gen(91);
  struct Dims {
    int64_t M, N, K;
  };
  // N <= 64, <= 128 and wide pick the tile widths (256 only once the grid
  // has a block per SM: 2048 x 2304); K = 8, 200 (3 tiles + 8), 1000 leave k
  // tails; M = 8 and 136 leave a mostly empty row tile; K = 4096 and 2056
  // with few tiles take split-K; odd N (B stored [N, K] stays on the Hopper
  // loops) leaves every other output pair unaligned for a paired store.
  const Dims dims[] = {{8, 8, 8},       {136, 72, 200},  {256, 256, 64},   {300, 264, 1000}, {128, 520, 72},
                       {1000, 40, 4096}, {64, 1024, 128}, {520, 136, 2056}, {2048, 2304, 64}, {136, 73, 200},
                       {40, 201, 64}};
  for (Dims d : dims)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        Tensor a = bf16_operand(ta ? Shape{d.K, d.M} : Shape{d.M, d.K}, gen);
        Tensor b = bf16_operand(tb ? Shape{d.N, d.K} : Shape{d.K, d.N}, gen);
        CAPTURE(d.M);
        CAPTURE(d.N);
        CAPTURE(d.K);
        CAPTURE(ta);
        CAPTURE(tb);
        const Tensor ga = gpu(a).to(DType::bf16), gb = gpu(b).to(DType::bf16);
        check_loops([&] { return kernels::matmul(ga, gb, ta, tb); },
                         reference([&] { return kernels::matmul(f64(a), f64(b), ta, tb); }));
      }
}

TEST_CASE("cuda wgmma: a GEMM operand that is not 16-byte aligned falls back to WMMA and agrees") {
  if (no_wgmma()) return;
  Generator gen(92);
  // A contiguous [96, 72] view that starts one element (2 bytes) into its
  // storage: no 16-byte copies possible.
  Tensor flat = bf16_operand({96 * 72 + 1}, gen), b = bf16_operand({72, 80}, gen);
  Tensor a = flat.slice(0, 1, 96 * 72 + 1).view({96, 72});
  const Tensor ga = gpu(flat).to(DType::bf16).slice(0, 1, 96 * 72 + 1).view({96, 72}), gb = gpu(b).to(DType::bf16);
  REQUIRE(ga.is_contiguous());
  check_loops([&] { return kernels::matmul(ga, gb); },
                   reference([&] { return kernels::matmul(f64(a), f64(b)); }));
}

TEST_CASE("cuda wgmma: convolution forward, input and weight gradients equal WMMA and the f64 reference") {
  if (no_wgmma()) return;
  Generator gen(93);
  struct Case {
    Shape x, w;
    int64_t stride, pad, dil;
  };
  const Case cases[] = {
      {{2, 10, 9, 16}, {24, 16, 3, 3}, 1, 1, 1},    // padding on every side, odd width
      {{3, 15, 13, 32}, {64, 32, 3, 3}, 2, 1, 1},   // stride 2: input-gradient taps that miss
      {{1, 12, 13, 8}, {16, 8, 3, 3}, 1, 2, 2},     // dilation
      {{3, 8, 7, 32}, {136, 32, 1, 1}, 2, 0, 1},    // 1x1 stride 2, O = 136 (width 256 tile, tail)
      {{8, 28, 28, 64}, {64, 64, 3, 3}, 1, 1, 1},   // long K: split-K weight gradient
      {{4, 7, 7, 256}, {264, 256, 3, 3}, 1, 1, 1},  // wide layer, K = 2304
  };
  for (const Case& cs : cases) {
    kernels::Conv2dParams p;
    p.stride_h = p.stride_w = cs.stride;
    p.pad_h = p.pad_w = cs.pad;
    p.dilation_h = p.dilation_w = cs.dil;
    Tensor x = bf16_operand(cs.x, gen), w = bf16_operand(cs.w, gen);
    const kernels::ConvGeom geo = kernels::conv_geometry(cs.x, cs.w, p);
    Tensor dy = bf16_operand({geo.N, geo.OH, geo.OW, geo.O}, gen);
    CAPTURE(shape_str(cs.x));
    CAPTURE(shape_str(cs.w));
    const Tensor gx = gpu(x).to(DType::bf16), gw = gpu(w).to(DType::bf16), gdy = gpu(dy).to(DType::bf16);
    check_loops([&] { return kernels::conv2d_forward(gx, gw, Tensor(), p); },
                     reference([&] { return kernels::conv2d_forward(f64(x), f64(w), Tensor(), p); }));
    check_loops([&] { return kernels::conv2d_backward_input(gdy, gw, cs.x, p); },
                     reference([&] { return kernels::conv2d_backward_input(f64(dy), f64(w), cs.x, p); }));
    check_loops([&] { return kernels::conv2d_backward_weight(gdy, gx, cs.w, p); },
                     reference([&] { return kernels::conv2d_backward_weight(f64(dy), f64(x), cs.w, p); }));
  }
}
