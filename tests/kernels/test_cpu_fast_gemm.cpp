// Fast CPU GEMM: every micro-kernel the host can run (AVX-512, AVX2, portable)
// forced in turn and compared with the reference on odd shapes, tails,
// leading dimensions wider than the matrix, alpha/beta and all transposes.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/isa.h"
#include "kernels/ops.h"
#include "kernels/ref/gemm.h"
#include "tensor/random.h"

using namespace fb;
namespace cpu = fb::kernels::cpu;

namespace {

std::vector<cpu::Isa> runnable_isas() {
  std::vector<cpu::Isa> v{cpu::Isa::Generic};
  if (int(cpu::detected_isa()) >= int(cpu::Isa::Avx2)) v.push_back(cpu::Isa::Avx2);
  if (cpu::detected_isa() == cpu::Isa::Avx512) v.push_back(cpu::Isa::Avx512);
  return v;
}

std::vector<float> random_vec(size_t n, Generator& gen) {
  Tensor t = randn({int64_t(n)}, gen, DType::f32);
  return t.to_vector<float>();
}

// Error of the fast kernel against ref::gemm in double, relative to the
// magnitude of the terms (|alpha| |A| @ |B| + |beta C|): float rounding grows
// with the terms summed, not with a result that may cancel to near zero.
double gemm_error(const cpu::MicroKernel<float>& uk, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                  float beta, int64_t pad, uint64_t seed) {
  Generator gen(seed);
  const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
  const auto A = random_vec(size_t((ta ? K : M) * lda), gen);
  const auto B = random_vec(size_t((tb ? N : K) * ldb), gen);
  const auto C0 = random_vec(size_t(M * ldc), gen);
  std::vector<float> C = C0;
  cpu::gemm_with<float>(uk, ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  std::vector<double> Ad(A.begin(), A.end()), Bd(B.begin(), B.end()), Cd(C0.begin(), C0.end());
  kernels::ref::gemm<double>(ta, tb, M, N, K, alpha, Ad.data(), lda, Bd.data(), ldb, beta, Cd.data(), ldc);
  for (auto* v : {&Ad, &Bd})
    for (double& e : *v) e = std::fabs(e);
  std::vector<double> Cm(C0.begin(), C0.end());
  for (double& e : Cm) e = std::fabs(e);
  kernels::ref::gemm<double>(ta, tb, M, N, K, std::fabs(alpha), Ad.data(), lda, Bd.data(), ldb, std::fabs(beta),
                             Cm.data(), ldc);
  double num = 0, den = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const double d = double(C[i * ldc + j]) - Cd[i * ldc + j];
      num += d * d;
      den += Cm[i * ldc + j] * Cm[i * ldc + j];
    }
  // Padding columns of C must be untouched.
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j)
      if (C[i * ldc + j] != C0[i * ldc + j]) return 1.0;
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

}  // namespace

TEST_CASE("fast gemm: every micro-kernel matches the reference on odd shapes and tails") {
  uint64_t seed = 100;
  for (cpu::Isa isa : runnable_isas()) {
    const auto uk = cpu::micro_kernel_f32(isa);
    CHECK(uk.isa == isa);
    for (int64_t M : {1, 5, 11, 12, 13, 25, 67})
      for (int64_t N : {1, 7, 16, 17, 31, 33, 65})
        for (int64_t K : {1, 3, 8, 129, 300})
          for (int t = 0; t < 4; ++t) {
            if ((M + N + K + t) % 3 != 0 && M > 12) continue;  // thin the grid, keep every small M
            const float alpha = (t & 1) ? 0.75f : 1.0f, beta = (seed % 3 == 0) ? 0.5f : 0.0f;
            const int64_t pad = seed % 2 ? 3 : 0;
            INFO(std::string(cpu::isa_name(isa)), " M=", M, " N=", N, " K=", K, " ta=", t & 1, " tb=", t >> 1, " beta=", beta);
            CHECK(gemm_error(uk, t & 1, t & 2, M, N, K, alpha, beta, pad, seed++) <= 2e-6);
          }
  }
}

TEST_CASE("fast gemm: cache-block edges and threaded splits, every micro-kernel") {
  for (cpu::Isa isa : runnable_isas()) {
    const auto uk = cpu::micro_kernel_f32(isa);
    INFO(std::string(cpu::isa_name(isa)));
    CHECK(gemm_error(uk, false, false, 1031, 77, 700, 1.0f, 0.0f, 0, 1) <= 3e-6);  // splits M
    CHECK(gemm_error(uk, false, false, 29, 45, 9001, 1.0f, 0.5f, 2, 5) <= 3e-6);   // K in several slices (KC <= 4096)
    CHECK(gemm_error(uk, false, true, 37, 1100, 515, 1.0f, 1.0f, 5, 2) <= 3e-6);   // splits N
    CHECK(gemm_error(uk, true, false, 260, 300, 1201, -1.0f, 0.25f, 0, 3) <= 3e-6);
    CHECK(gemm_error(uk, true, true, 129, 4200, 33, 2.0f, 0.0f, 1, 4) <= 3e-6);  // past NC
  }
}

TEST_CASE("fast gemm: forcing an ISA is clamped to the host and restored") {
  const cpu::Isa before = cpu::active_isa();
  {
    cpu::IsaGuard g(cpu::Isa::Generic);
    CHECK(cpu::active_isa() == cpu::Isa::Generic);
    // matmul through the public op uses the forced kernel and still agrees.
    Generator gen(9);
    Tensor a = randn({45, 70}, gen, DType::f32), b = randn({70, 33}, gen, DType::f32);
    Tensor fast = kernels::matmul(a, b);
    kernels::CpuBackendGuard ref(kernels::CpuBackend::Reference);
    Tensor slow = kernels::matmul(a, b);
    const auto x = fast.to_vector<float>(), y = slow.to_vector<float>();
    double num = 0, den = 0;
    for (size_t i = 0; i < x.size(); ++i) num += (x[i] - y[i]) * (x[i] - y[i]), den += y[i] * y[i];
    CHECK(std::sqrt(num / den) <= 2e-6);
  }
  CHECK(cpu::active_isa() == before);
  cpu::IsaGuard g(cpu::Isa::Avx512);
  CHECK(int(cpu::active_isa()) <= int(cpu::detected_isa()));
}
