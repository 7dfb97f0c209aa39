#include "kernels/cuda/backend.h"

namespace fb::kernels {
namespace {
thread_local CudaBackend g_backend = CudaBackend::Own;
thread_local Fp32Math g_math = Fp32Math::Exact;
}  // namespace
CudaBackend cuda_backend() { return g_backend; }
void set_cuda_backend(CudaBackend b) { g_backend = b; }
const char* cuda_backend_name(CudaBackend b) { return b == CudaBackend::Own ? "own" : "vendor"; }
Fp32Math cuda_fp32_math() { return g_math; }
void set_cuda_fp32_math(Fp32Math m) { g_math = m; }
}  // namespace fb::kernels
