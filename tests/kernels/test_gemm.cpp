// GEMM: CPU kernel vs the reference on many shapes and transposes, a
// hand-worked product, and argument errors.
#include <doctest/doctest.h>

#include <string>

#include "kernels/backend.h"
#include "kernels/ops.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace fb;
using fb::kernels::CpuBackend;
using fb::kernels::CpuBackendGuard;

namespace {

Tensor matmul_with(CpuBackend be, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  CpuBackendGuard guard(be);
  return kernels::matmul(a, b, ta, tb);
}

void check_gemm(int64_t M, int64_t N, int64_t K, bool ta, bool tb, DType dt, uint64_t seed) {
  Generator gen(seed);
  Tensor a = randn(ta ? Shape{K, M} : Shape{M, K}, gen, dt);
  Tensor b = randn(tb ? Shape{N, K} : Shape{K, N}, gen, dt);
  Tensor ref = matmul_with(CpuBackend::Reference, a, b, ta, tb);
  Tensor cpu = matmul_with(CpuBackend::Cpu, a, b, ta, tb);
  REQUIRE(cpu.shape() == Shape{M, N});
  const double tol = dt == DType::f32 ? 1e-5 : 1e-12;
  INFO("M=", M, " N=", N, " K=", K, " ta=", ta, " tb=", tb, " ", dtype_name(dt));
  CHECK(ops::rel_error(cpu, ref) <= tol);
}

}  // namespace

TEST_CASE("matmul: hand-worked 2x3 @ 3x2") {
  for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
    Tensor a = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = from_vector<float>({7, 8, 9, 10, 11, 12}, {3, 2});
    Tensor c = matmul_with(be, a, b, false, false);
    CHECK(c.to_vector<float>() == std::vector<float>{58, 64, 139, 154});
    // a^T (3x2) @ a (2x3) via the flag.
    Tensor d = matmul_with(be, a, a, true, false);
    CHECK(d.to_vector<float>() == std::vector<float>{17, 22, 27, 22, 29, 36, 27, 36, 45});
    // a @ a^T via the flag.
    Tensor e = matmul_with(be, a, a, false, true);
    CHECK(e.to_vector<float>() == std::vector<float>{14, 32, 32, 77});
  }
}

TEST_CASE("matmul: cpu matches reference on odd shapes, all transposes") {
  const int64_t sizes[] = {1, 3, 7, 13, 17, 33, 64, 97};
  uint64_t seed = 1;
  for (DType dt : {DType::f32, DType::f64})
    for (int64_t M : sizes)
      for (int64_t N : {1, 5, 16, 31, 70})
        for (int64_t K : {1, 2, 9, 40, 300})
          for (int t = 0; t < 4; ++t) {
            if ((M * N * K + t) % 3 != 0 && M > 13) continue;  // thin the grid; keep every small case
            check_gemm(M, N, K, t & 1, t & 2, dt, seed++);
          }
}

TEST_CASE("matmul: cpu matches reference past the cache blocks") {
  // Crosses the KC (256), MC and NC block edges with ragged tails.
  check_gemm(301, 523, 517, false, false, DType::f32, 11);
  check_gemm(157, 4200, 260, false, true, DType::f32, 12);
  check_gemm(299, 129, 771, true, false, DType::f64, 13);
  check_gemm(150, 150, 513, true, true, DType::f64, 14);
}

TEST_CASE("matmul: non-contiguous operands") {
  Generator gen(5);
  Tensor a = randn({20, 30}, gen, DType::f64);
  Tensor b = randn({40, 20}, gen, DType::f64);
  // a.T is a transposed view [30, 20]; b.T is [20, 40]; b sliced by column is neither.
  Tensor at = a.transpose(0, 1), bt = b.transpose(0, 1), bs = b.slice(1, 0, 20, 2).transpose(0, 1);
  for (auto be : {CpuBackend::Reference, CpuBackend::Cpu}) {
    Tensor c1 = matmul_with(be, at, bt, false, false);
    Tensor c2 = matmul_with(CpuBackend::Reference, a, b, true, true);
    CHECK(ops::rel_error(c1, c2) <= 1e-13);
    Tensor c3 = matmul_with(be, bs, b, false, false);  // [10, 40] @ [40, 20]
    CHECK(c3.shape() == Shape{10, 20});
    CHECK(ops::rel_error(c3, matmul_with(CpuBackend::Reference, bs.contiguous(), b, false, false)) <= 1e-13);
  }
}

TEST_CASE("matmul: argument errors name the op and the shapes") {
  Tensor a = zeros({2, 3}), b = zeros({4, 5});
  try {
    kernels::matmul(a, b);
    FAIL("expected an error");
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find("matmul") != std::string::npos);
    CHECK(m.find("[2, 3]") != std::string::npos);
    CHECK(m.find("[4, 5]") != std::string::npos);
  }
  CHECK_THROWS_WITH_AS(kernels::matmul(zeros({2, 3, 4}), b), doctest::Contains("matmul: operands must be 2-D"),
                       Error);
  CHECK_THROWS_WITH_AS(kernels::matmul(zeros({2, 3}, DType::i64), zeros({3, 2}, DType::i64)),
                       doctest::Contains("unsupported dtype i64"), Error);
  CHECK_THROWS_WITH_AS(kernels::matmul(zeros({2, 3}), zeros({3, 2}, DType::f64)), doctest::Contains("dtypes differ"),
                       Error);
}
