#include "kernels/cuda/backend.h"

#include <cstdlib>
#include <cstring>

namespace fb::kernels {
namespace {
thread_local CudaBackend g_backend = CudaBackend::Own;
thread_local Fp32Math g_math = Fp32Math::Exact;
CudaMmaPath default_mma_path() {
  const char* e = std::getenv("FB_CUDA_MMA");
  if (e && !std::strcmp(e, "wmma")) return CudaMmaPath::Wmma;
  if (e && !std::strcmp(e, "cp.async")) return CudaMmaPath::CpAsync;
  return CudaMmaPath::Auto;
}
thread_local CudaMmaPath g_mma = default_mma_path();
}  // namespace
CudaMmaPath cuda_mma_path() { return g_mma; }
void set_cuda_mma_path(CudaMmaPath p) { g_mma = p; }
const char* cuda_bf16_main_loop() {
  if (g_mma == CudaMmaPath::Wmma || !cuda_wgmma_available()) return "wmma";
  return g_mma == CudaMmaPath::Auto ? "wgmma (TMA for matmul)" : "wgmma (cp.async)";
}
CudaBackend cuda_backend() { return g_backend; }
void set_cuda_backend(CudaBackend b) { g_backend = b; }
const char* cuda_backend_name(CudaBackend b) { return b == CudaBackend::Own ? "own" : "vendor"; }
Fp32Math cuda_fp32_math() { return g_math; }
void set_cuda_fp32_math(Fp32Math m) { g_math = m; }
}  // namespace fb::kernels
