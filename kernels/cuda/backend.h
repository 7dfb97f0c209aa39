#pragma once
// Which implementation runs GEMM and convolution for CUDA tensors, and which
// arithmetic f32 tensors get on tensor cores. Per thread, like CpuBackend.
//   Own:    the hand-written kernels of kernels/cuda (the default);
//   Vendor: cuBLAS for GEMM, cuDNN for convolution (the expert baseline).
//   Fp32Math::Exact: f32 operands use plain f32 FMA (bitwise-close to the CPU);
//   Fp32Math::Tf32:  f32 operands are rounded to TF32 for tensor cores
//                    (~1e-3 relative error, several times faster).
// bf16 operands always use tensor cores with f32 accumulation.
namespace fb::kernels {

enum class CudaBackend { Own, Vendor };
enum class Fp32Math { Exact, Tf32 };

// The tensor-core main loop of the own GEMM engine for bf16 operands (per
// thread). Auto: Hopper's warpgroup MMA (wgmma) where available (see
// cuda_wgmma_available) and the operands allow 16-byte copies, WMMA
// otherwise; plain matrices (matmul) are then moved by the TMA, operands seen
// through a convolution's window by cp.async. CpAsync: as Auto, but every
// wgmma operand is moved by cp.async (the TMA loop's baseline). Wmma: always
// the portable WMMA loop (the baseline of both). FB_CUDA_MMA=wmma|cp.async
// sets the default.
enum class CudaMmaPath { Auto, CpAsync, Wmma };
CudaMmaPath cuda_mma_path();
void set_cuda_mma_path(CudaMmaPath p);
// True when this build carries sm_90a code (FB_CUDA_ARCHS has 90a) and the
// current CUDA device is compute capability 9.0 (H100, H200, GH200).
bool cuda_wgmma_available();
// The loops the own engine's bf16 products take on the current device:
// "wgmma (TMA for matmul)", "wgmma (cp.async)" or "wmma" (this thread's
// CudaMmaPath and cuda_wgmma_available).
const char* cuda_bf16_main_loop();

class CudaMmaPathGuard {
 public:
  explicit CudaMmaPathGuard(CudaMmaPath p) : prev_(cuda_mma_path()) { set_cuda_mma_path(p); }
  ~CudaMmaPathGuard() { set_cuda_mma_path(prev_); }
  CudaMmaPathGuard(const CudaMmaPathGuard&) = delete;
  CudaMmaPathGuard& operator=(const CudaMmaPathGuard&) = delete;

 private:
  CudaMmaPath prev_;
};

CudaBackend cuda_backend();
void set_cuda_backend(CudaBackend b);
const char* cuda_backend_name(CudaBackend b);
Fp32Math cuda_fp32_math();
void set_cuda_fp32_math(Fp32Math m);

class CudaBackendGuard {
 public:
  explicit CudaBackendGuard(CudaBackend b, Fp32Math m = cuda_fp32_math())
      : prev_(cuda_backend()), prev_math_(cuda_fp32_math()) {
    set_cuda_backend(b);
    set_cuda_fp32_math(m);
  }
  ~CudaBackendGuard() {
    set_cuda_backend(prev_);
    set_cuda_fp32_math(prev_math_);
  }
  CudaBackendGuard(const CudaBackendGuard&) = delete;
  CudaBackendGuard& operator=(const CudaBackendGuard&) = delete;

 private:
  CudaBackend prev_;
  Fp32Math prev_math_;
};

}  // namespace fb::kernels
