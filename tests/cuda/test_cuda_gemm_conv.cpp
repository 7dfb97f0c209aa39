// The own GEMM and implicit-GEMM convolutions, and the cuBLAS/cuDNN vendor
// backend, against the f64 reference on random odd and aligned shapes:
// exact f32 (1e-5 relative), TF32 (1e-3) and bf16 (1e-2; the reference sees
// the same bf16-rounded operands). Forward, input and weight gradients.
#include "cuda_test_util.h"

using namespace fb;
using fbtest::f64;
using fbtest::gpu;
using fbtest::reference;
using fbtest::rel;
using kernels::CudaBackend;
using kernels::CudaBackendGuard;
using kernels::Fp32Math;

namespace {

struct Mode {
  CudaBackend backend;
  DType dtype;
  Fp32Math math;
  double tol;
  const char* name;
};
const Mode kModes[] = {
    {CudaBackend::Own, DType::f32, Fp32Math::Exact, 1e-5, "own f32"},
    {CudaBackend::Own, DType::f32, Fp32Math::Tf32, 1e-3, "own tf32"},
    {CudaBackend::Own, DType::bf16, Fp32Math::Exact, 1e-2, "own bf16"},
    {CudaBackend::Vendor, DType::f32, Fp32Math::Exact, 1e-5, "vendor f32"},
    {CudaBackend::Vendor, DType::f32, Fp32Math::Tf32, 1e-3, "vendor tf32"},
    {CudaBackend::Vendor, DType::bf16, Fp32Math::Exact, 1e-2, "vendor bf16"},
};

// Operands rounded to the mode's storage type, so the reference and the GPU
// see the same values.
Tensor rounded(const Tensor& t, DType dt) { return t.to(dt).to(DType::f32); }

}  // namespace

TEST_CASE("cuda gemm: own and vendor, every transpose, odd and aligned shapes") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(21);
  struct Dims {
    int64_t M, N, K;
  };
  for (Dims d : {Dims{37, 53, 29}, Dims{128, 64, 96}, Dims{1, 7, 300}, Dims{259, 131, 517}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (const Mode& m : kModes) {
          Tensor a = rounded(fbtest::rnd(ta ? Shape{d.K, d.M} : Shape{d.M, d.K}, gen), m.dtype);
          Tensor b = rounded(fbtest::rnd(tb ? Shape{d.N, d.K} : Shape{d.K, d.N}, gen), m.dtype);
          CudaBackendGuard g(m.backend, m.math);
          Tensor c = kernels::matmul(gpu(a).to(m.dtype), gpu(b).to(m.dtype), ta, tb);
          Tensor r = reference([&] { return kernels::matmul(f64(a), f64(b), ta, tb); });
          CAPTURE(m.name);
          CAPTURE(d.M);
          CAPTURE(d.N);
          CAPTURE(d.K);
          CAPTURE(ta);
          CAPTURE(tb);
          CHECK(c.dtype() == m.dtype);
          CHECK(rel(c, r) < m.tol);
        }
}

TEST_CASE("cuda gemm: transposed views are consumed without copies and agree") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(22);
  Tensor a = fbtest::rnd({33, 17}, gen), b = fbtest::rnd({33, 19}, gen);
  Tensor c = kernels::matmul(gpu(a).transpose(0, 1), gpu(b));
  CHECK(rel(c, reference([&] { return kernels::matmul(f64(a), f64(b), true, false); })) < 1e-5);
}

TEST_CASE("cuda conv: forward, input and weight gradients, bias, own and vendor") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(23);
  struct Case {
    Shape x, w;
    int64_t stride, pad, dil;
  };
  const Case cases[] = {
      {{2, 9, 11, 5}, {7, 5, 3, 3}, 2, 1, 1},     // odd channels: scalar loads
      {{2, 10, 9, 16}, {24, 16, 3, 3}, 1, 1, 1},  // aligned channels: vector loads
      {{1, 12, 13, 8}, {16, 8, 3, 3}, 1, 2, 2},   // dilation
      {{3, 8, 7, 32}, {8, 32, 1, 1}, 2, 0, 1},    // 1x1 stride 2 (ResNet downsample)
      {{2, 15, 15, 3}, {8, 3, 7, 7}, 2, 3, 1},    // ResNet stem
  };
  for (const Case& cs : cases)
    for (const Mode& m : kModes) {
      kernels::Conv2dParams p;
      p.stride_h = p.stride_w = cs.stride;
      p.pad_h = p.pad_w = cs.pad;
      p.dilation_h = p.dilation_w = cs.dil;
      Tensor x = rounded(fbtest::rnd(cs.x, gen), m.dtype), w = rounded(fbtest::rnd(cs.w, gen), m.dtype);
      Tensor bias = rounded(fbtest::rnd({cs.w[0]}, gen), m.dtype);
      const kernels::ConvGeom geo = kernels::conv_geometry(cs.x, cs.w, p);
      Tensor dy = rounded(fbtest::rnd({geo.N, geo.OH, geo.OW, geo.O}, gen), m.dtype);
      CAPTURE(m.name);
      CAPTURE(shape_str(cs.x));
      CAPTURE(shape_str(cs.w));
      CudaBackendGuard g(m.backend, m.math);
      if (m.backend == CudaBackend::Vendor) {
        // cuDNN supports fewer layouts than the own kernels (e.g. bf16 NHWC
        // with odd channel counts); a refusal is reported, not failed.
        try {
          kernels::conv2d_forward(gpu(x).to(m.dtype), gpu(w).to(m.dtype), Tensor(), p);
        } catch (const Error& e) {
          MESSAGE("cuDNN refused " << m.name << " " << shape_str(cs.x) << ": " << e.what());
          continue;
        }
      }
      Tensor y = kernels::conv2d_forward(gpu(x).to(m.dtype), gpu(w).to(m.dtype), gpu(bias).to(m.dtype), p);
      CHECK(y.dtype() == m.dtype);
      CHECK(rel(y, reference([&] { return kernels::conv2d_forward(f64(x), f64(w), f64(bias), p); })) < m.tol);
      Tensor dx = kernels::conv2d_backward_input(gpu(dy).to(m.dtype), gpu(w).to(m.dtype), cs.x, p);
      CHECK(rel(dx, reference([&] { return kernels::conv2d_backward_input(f64(dy), f64(w), cs.x, p); })) < m.tol);
      Tensor dw = kernels::conv2d_backward_weight(gpu(dy).to(m.dtype), gpu(x).to(m.dtype), cs.w, p);
      CHECK(rel(dw, reference([&] { return kernels::conv2d_backward_weight(f64(dy), f64(x), cs.w, p); })) < m.tol);
      Tensor db = kernels::conv2d_backward_bias(gpu(dy).to(m.dtype));
      CHECK(rel(db, reference([&] { return kernels::conv2d_backward_bias(f64(dy)); })) < m.tol);
    }
}

TEST_CASE("cuda conv: a large weight gradient takes the split-K path") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(24);
  kernels::Conv2dParams p;
  p.pad_h = p.pad_w = 1;
  Tensor x = fbtest::rnd({8, 28, 28, 64}, gen), dy = fbtest::rnd({8, 28, 28, 64}, gen);
  Tensor dw = kernels::conv2d_backward_weight(gpu(dy), gpu(x), {64, 64, 3, 3}, p);
  CHECK(rel(dw, reference([&] { return kernels::conv2d_backward_weight(f64(dy), f64(x), {64, 64, 3, 3}, p); })) <
        1e-5);
}

TEST_CASE("cuda gemm and conv: few output tiles and a long K take the split-K path, in every mode") {
  FB_SKIP_WITHOUT_CUDA();
  Generator gen(25);
  kernels::Conv2dParams p;
  p.pad_h = p.pad_w = 1;
  for (const Mode& m : kModes) {
    if (m.backend != CudaBackend::Own) continue;
    CAPTURE(m.name);
    CudaBackendGuard g(m.backend, m.math);
    // 2 x 1 output tiles, K = 3000: cut into chunks of K (f32 partials).
    Tensor a = rounded(fbtest::rnd({200, 3000}, gen), m.dtype), b = rounded(fbtest::rnd({3000, 72}, gen), m.dtype);
    Tensor c = kernels::matmul(gpu(a).to(m.dtype), gpu(b).to(m.dtype));
    CHECK(rel(c, reference([&] { return kernels::matmul(f64(a), f64(b)); })) < m.tol);
    // ResNet-50's last stage in miniature: 7x7, 512 channels, batch 2.
    Tensor x = rounded(fbtest::rnd({2, 7, 7, 512}, gen), m.dtype), w = rounded(fbtest::rnd({96, 512, 3, 3}, gen), m.dtype);
    Tensor bias = rounded(fbtest::rnd({96}, gen), m.dtype), dy = rounded(fbtest::rnd({2, 7, 7, 96}, gen), m.dtype);
    Tensor y = kernels::conv2d_forward(gpu(x).to(m.dtype), gpu(w).to(m.dtype), gpu(bias).to(m.dtype), p);
    CHECK(rel(y, reference([&] { return kernels::conv2d_forward(f64(x), f64(w), f64(bias), p); })) < m.tol);
    Tensor wt = rounded(fbtest::rnd({512, 96, 3, 3}, gen), m.dtype);  // input gradient with K = 9 * 512
    Tensor dy2 = rounded(fbtest::rnd({2, 7, 7, 512}, gen), m.dtype);
    Tensor dx = kernels::conv2d_backward_input(gpu(dy2).to(m.dtype), gpu(wt).to(m.dtype), {2, 7, 7, 96}, p);
    CHECK(rel(dx, reference([&] { return kernels::conv2d_backward_input(f64(dy2), f64(wt), {2, 7, 7, 96}, p); })) <
          m.tol);
  }
}

TEST_CASE("cuda conv: grouped convolution is refused with a clear error") {
  FB_SKIP_WITHOUT_CUDA();
  kernels::Conv2dParams p;
  p.groups = 2;
  Tensor x = Tensor::empty({1, 4, 4, 4}, DType::f32, Device::cuda()), w = Tensor::empty({4, 2, 3, 3}, DType::f32,
                                                                                        Device::cuda());
  CHECK_THROWS_WITH_AS(kernels::conv2d_forward(x, w, Tensor(), p), doctest::Contains("groups=2"), Error);
}
