#pragma once
// Which implementation runs a kernel for CPU tensors. `Cpu` (the default) is
// the fast OpenMP code of kernels/cpu; `Reference` is the plain-loop oracle of
// kernels/ref, used by tests and by anyone who wants to rule the fast code out.
// CUDA tensors always run the CUDA backend.
namespace fb::kernels {

enum class CpuBackend { Cpu, Reference };

CpuBackend cpu_backend();
void set_cpu_backend(CpuBackend b);
const char* cpu_backend_name(CpuBackend b);

class CpuBackendGuard {
 public:
  explicit CpuBackendGuard(CpuBackend b) : prev_(cpu_backend()) { set_cpu_backend(b); }
  ~CpuBackendGuard() { set_cpu_backend(prev_); }
  CpuBackendGuard(const CpuBackendGuard&) = delete;
  CpuBackendGuard& operator=(const CpuBackendGuard&) = delete;

 private:
  CpuBackend prev_;
};

}  // namespace fb::kernels
