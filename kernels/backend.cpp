#include "kernels/backend.h"

namespace fb::kernels {
namespace {
thread_local CpuBackend g_backend = CpuBackend::Cpu;
}
CpuBackend cpu_backend() { return g_backend; }
void set_cpu_backend(CpuBackend b) { g_backend = b; }
const char* cpu_backend_name(CpuBackend b) { return b == CpuBackend::Cpu ? "cpu" : "reference"; }
}  // namespace fb::kernels
