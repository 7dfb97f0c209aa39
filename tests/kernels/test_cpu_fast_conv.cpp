// Fast float convolution paths (Winograd and direct forward and backward-input,
// implicit-GEMM weight gradient) against the double-precision reference, on
// random geometries with odd sizes, row tails longer and shorter than the
// register tile, strides, padding, dilation and groups, with every
// instruction set the host runs forced in turn.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/isa.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
using fb::kernels::Conv2dParams;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;
namespace cpu = fb::kernels::cpu;

namespace {

std::vector<cpu::Isa> runnable_isas() {
  std::vector<cpu::Isa> v{cpu::Isa::Generic};
  if (int(cpu::detected_isa()) >= int(cpu::Isa::Avx2)) v.push_back(cpu::Isa::Avx2);
  if (cpu::detected_isa() == cpu::Isa::Avx512) v.push_back(cpu::Isa::Avx512);
  return v;
}

struct Case {
  int64_t N, H, W, C, O, KH, KW, stride, pad, dil, groups;
};

Conv2dParams to_params(const Case& c) {
  Conv2dParams p;
  p.stride_h = p.stride_w = c.stride;
  p.pad_h = p.pad_w = c.pad;
  p.dilation_h = p.dilation_w = c.dil;
  p.groups = c.groups;
  return p;
}

// Random geometries from a seeded generator: the spread the direct kernels'
// tiling cares about (output widths around multiples of 6 and 14, channel
// counts off the 16/32-wide panels, channel chunking for large C).
std::vector<Case> random_cases(uint64_t seed, int count) {
  Generator gen(seed);
  auto pick = [&](std::vector<int64_t> v) {
    const int64_t i = gen.randint(int64_t(v.size()));
    return v[size_t(i)];
  };
  std::vector<Case> out;
  while (int(out.size()) < count) {
    Case c{};
    c.N = pick({1, 2, 3});
    c.KH = pick({1, 3, 3, 5});
    c.KW = pick({1, 3, 3, 7});
    c.stride = pick({1, 1, 2});
    c.dil = pick({1, 1, 2});
    c.pad = pick({0, 1, 2, 3});
    c.groups = pick({1, 1, 2});
    c.C = pick({1, 3, 5, 16, 33}) * c.groups;
    c.O = pick({1, 7, 16, 31, 40}) * c.groups;
    c.H = pick({1, 4, 7, 9});
    c.W = pick({3, 7, 13, 15, 29, 30});
    const int64_t eh = c.dil * (c.KH - 1) + 1, ew = c.dil * (c.KW - 1) + 1;
    if (c.H + 2 * c.pad < eh || c.W + 2 * c.pad < ew) continue;
    out.push_back(c);
  }
  return out;
}

std::string describe(const Case& c) {
  return detail::concat("N=", c.N, " H=", c.H, " W=", c.W, " C=", c.C, " O=", c.O, " k=", c.KH, "x", c.KW,
                        " s=", c.stride, " p=", c.pad, " d=", c.dil, " g=", c.groups);
}

void check_case(const Case& c, uint64_t seed) {
  Generator gen(seed);
  const Conv2dParams p = to_params(c);
  const Tensor x = randn({c.N, c.H, c.W, c.C}, gen, DType::f32);
  const Tensor w = randn({c.O, c.C / c.groups, c.KH, c.KW}, gen, DType::f32);
  const Tensor bias = randn({c.O}, gen, DType::f32);
  const auto g = kernels::conv_geometry(x.shape(), w.shape(), p);
  const Tensor dy = randn({g.N, g.OH, g.OW, g.O}, gen, DType::f32);
  Tensor y_ref, dx_ref, dw_ref;
  {
    // The oracle runs in double on the same float inputs.
    CpuBackendGuard ref(CpuBackend::Reference);
    const Tensor xd = x.to(DType::f64), wd = w.to(DType::f64), bd = bias.to(DType::f64), dyd = dy.to(DType::f64);
    y_ref = kernels::conv2d_forward(xd, wd, bd, p);
    dx_ref = kernels::conv2d_backward_input(dyd, wd, x.shape(), p);
    dw_ref = kernels::conv2d_backward_weight(dyd, xd, w.shape(), p);
  }
  for (cpu::Isa isa : runnable_isas()) {
    cpu::IsaGuard force(isa);
    INFO(std::string(cpu::isa_name(isa)), " ", describe(c));
    const Tensor y = kernels::conv2d_forward(x, w, bias, p);
    const Tensor dx = kernels::conv2d_backward_input(dy, w, x.shape(), p);
    const Tensor dw = kernels::conv2d_backward_weight(dy, x, w.shape(), p);
    CHECK(ops::rel_error(y.to(DType::f64), y_ref) <= 1e-5);
    CHECK(ops::rel_error(dx.to(DType::f64), dx_ref) <= 1e-5);
    CHECK(ops::rel_error(dw.to(DType::f64), dw_ref) <= 1e-5);
  }
}

}  // namespace

TEST_CASE("fast conv: direct and implicit-GEMM paths match the reference, every ISA") {
  uint64_t seed = 1;
  for (const Case& c : random_cases(77, 60)) check_case(c, seed++);
}

TEST_CASE("fast conv: ResNet-like shapes with row tails and channel chunks") {
  const std::vector<Case> cases = {
      {2, 14, 14, 64, 64, 3, 3, 1, 1, 1, 1},    // 14-wide rows: one full AVX-512 tile
      {1, 9, 57, 32, 48, 3, 3, 1, 1, 1, 1},     // 57 = 4 tiles of 14-15: uneven split
      {2, 7, 7, 200, 70, 3, 3, 1, 1, 1, 1},     // 7-wide rows, O tail of 6
      {1, 8, 8, 520, 40, 3, 3, 1, 1, 1, 1},     // weights past L2/2: channel chunks
      {2, 15, 15, 3, 64, 7, 7, 2, 3, 1, 1},     // stem
      {2, 13, 13, 24, 48, 3, 3, 2, 1, 1, 1},    // strided 3x3 (backward input falls back)
      {2, 11, 11, 40, 72, 1, 1, 2, 0, 1, 1},    // strided 1x1 downsample
      {2, 10, 12, 48, 80, 1, 1, 1, 0, 1, 1},    // pointwise
  };
  uint64_t seed = 1000;
  for (const Case& c : cases) check_case(c, seed++);
}

TEST_CASE("fast conv: Winograd F(2x2,3x3) and F(4x4,3x3), all three directions, at the edges of their tiling") {
  const std::vector<Case> cases = {
      {3, 9, 11, 16, 17, 3, 3, 1, 1, 1, 1},   // odd output sides: partial edge tiles; O tail of 17
      {2, 8, 8, 33, 40, 3, 3, 1, 0, 1, 1},    // no padding (6x6 outputs)
      {2, 5, 7, 24, 16, 3, 3, 1, 2, 1, 1},    // padding 2: larger outputs, input-gradient padding 0
      {1, 1, 1, 16, 16, 3, 3, 1, 1, 1, 1},    // one pixel: one tile, fewer tiles than threads
      {1, 3, 30, 300, 20, 3, 3, 1, 1, 1, 1},  // long reduction (C = 300) in the micro-kernel
      {4, 4, 4, 64, 96, 3, 3, 1, 1, 1, 1},    // ResNet-18's 4x4 stage shape, small
      {2, 29, 13, 16, 33, 3, 3, 1, 1, 1, 1},  // many tiles: several blocks per thread
      {2, 10, 15, 20, 18, 3, 3, 1, 1, 1, 1},  // sides 2 and 3 past a multiple of 4
      {3, 7, 7, 160, 144, 3, 3, 1, 1, 1, 1},  // weight gradient: wide, few tiles (one block, channel chunks)
      {4, 64, 64, 16, 16, 3, 3, 1, 1, 1, 1},  // weight gradient: several tile blocks (1024 or 4096 tiles)
  };
  for (int tile : {2, 4}) {
    cpu::WinogradTileGuard force(tile);
    uint64_t seed = 2000;
    for (const Case& c : cases) {
      const Conv2dParams p = to_params(c);
      const auto g = kernels::conv_geometry({c.N, c.H, c.W, c.C}, {c.O, c.C, 3, 3}, p);
      INFO("F(", tile, "x", tile, ",3x3) ", describe(c));
      REQUIRE(cpu::winograd_applies(g));  // these shapes exercise the Winograd path
      check_case(c, seed++);
    }
  }
}

TEST_CASE("fast conv: the Winograd tile setting is checked and restored") {
  CHECK_THROWS_AS(cpu::force_winograd_tile(3), Error);
  const int before = cpu::force_winograd_tile(0);  // 0 unless FB_WINOGRAD_TILE is set
  cpu::force_winograd_tile(before);
  {
    cpu::WinogradTileGuard force(4);
    CHECK(cpu::force_winograd_tile(2) == 4);
    CHECK(cpu::force_winograd_tile(4) == 2);
  }
  CHECK(cpu::force_winograd_tile(before) == before);
}
