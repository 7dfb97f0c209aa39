// Tensor-level matmul for CUDA tensors: checks, then the own GEMM engine
// (igemm.cuh) or cuBLAS. A transposed view that is contiguous in the other
// order is consumed as is by flipping its transpose flag (no copy).
#include <cudaTypedefs.h>

#include "kernels/cuda/backend.h"
#include "kernels/cuda/igemm.cuh"
#include "kernels/cuda/ops.h"
#include "kernels/cuda/vendor/vendor.h"

namespace fb::kernels {
namespace cuda::igemm {
namespace {
// What the engine needs to know of the current device, looked up once per
// thread and device.
struct DeviceTraits {
  int device = -1, sms = 0, cc = 0;
};
const DeviceTraits& device_traits() {
  thread_local DeviceTraits t;
  int dev = 0;
  FB_CUDA_CHECK(cudaGetDevice(&dev));
  if (dev != t.device) {
    int major = 0, minor = 0;
    FB_CUDA_CHECK(cudaDeviceGetAttribute(&t.sms, cudaDevAttrMultiProcessorCount, dev));
    FB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
    FB_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
    t.cc = major * 10 + minor;
    t.device = dev;
  }
  return t;
}
}  // namespace

int sm_count() { return device_traits().sms; }
bool use_wgmma() { return cuda_mma_path() != CudaMmaPath::Wmma && cuda_wgmma_available(); }
bool use_tma() { return cuda_mma_path() == CudaMmaPath::Auto && cuda_wgmma_available(); }

namespace hopper {
CUtensorMap make_tensor_map(const void* p, uint64_t inner, uint64_t outer, uint64_t ld, uint32_t box_inner,
                            uint32_t box_outer) {
  // The encoder is a driver entry point; the runtime hands it out, so the
  // build needs no libcuda at link time.
  static PFN_cuTensorMapEncodeTiled_v12000 encode = [] {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult status{};
    FB_CUDA_CHECK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &status));
    FB_CHECK(fn && status == cudaDriverEntryPointSuccess, "gemm: the CUDA driver has no cuTensorMapEncodeTiled");
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
  }();
  CUtensorMap map;
  const cuuint64_t dims[2] = {inner, outer}, strides[1] = {ld * 2};
  const cuuint32_t box[2] = {box_inner, box_outer}, unit[2] = {1, 1};
  const CUresult r = encode(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void*>(p), dims, strides, box, unit,
                            CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                            CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  FB_CHECK(r == CUDA_SUCCESS, "gemm: cuTensorMapEncodeTiled failed (error ", int(r), ") for a [", outer, ", ", inner,
           "] bf16 matrix, leading dimension ", ld);
  return map;
}
}  // namespace hopper
}  // namespace cuda::igemm

bool cuda_wgmma_available() {
#if defined(FB_CUDA_SM90A)
  return fb::cuda::device_count() > 0 && cuda::igemm::device_traits().cc == 90;
#else
  return false;
#endif
}
}  // namespace fb::kernels

namespace fb::kernels::cuda {
namespace {

// Row-major A is K-contiguous; A stored transposed ([K, M]) is M-contiguous.
// For B ([K, N] row-major) it is the other way round.
template <typename T, bool AKC, bool BKC>
void own_gemm(int M, int N, int K, const T* A, const T* B, T* C, bool tf32, Device dev) {
  constexpr int V = igemm::kVec<T>;
  const int64_t lda = AKC ? K : M, ldb = BKC ? K : N;
  igemm::MatLoader<T, AKC> la{A, M, K, lda, (AKC ? K : M) % V == 0 && lda % V == 0 && igemm::aligned16(A)};
  igemm::MatLoader<T, BKC> lb{B, N, K, ldb, (BKC ? K : N) % V == 0 && ldb % V == 0 && igemm::aligned16(B)};
  igemm::StoreEpi<T> epi{C, N, nullptr};
  igemm::run_filled(M, N, K, tf32, la, lb, epi, dev);
}

template <typename T>
void own_gemm_any(bool ta, bool tb, int M, int N, int K, const T* A, const T* B, T* C, bool tf32, Device dev) {
  // A K-contiguous unless transposed; B K-contiguous only when transposed.
  if (!ta && !tb) own_gemm<T, true, false>(M, N, K, A, B, C, tf32, dev);
  else if (!ta && tb) own_gemm<T, true, true>(M, N, K, A, B, C, tf32, dev);
  else if (ta && !tb) own_gemm<T, false, false>(M, N, K, A, B, C, tf32, dev);
  else own_gemm<T, false, true>(M, N, K, A, B, C, tf32, dev);
}


}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  const std::string op = "matmul";
  check_operand(op, "a", a, true);
  check_operand(op, "b", b, true, &a);
  FB_CHECK(a.dim() == 2 && b.dim() == 2, "matmul: operands must be 2-D, got a ", shape_str(a.shape()), ", b ",
           shape_str(b.shape()));
  const int64_t M = trans_a ? a.size(1) : a.size(0), K = trans_a ? a.size(0) : a.size(1);
  const int64_t Kb = trans_b ? b.size(1) : b.size(0), N = trans_b ? b.size(0) : b.size(1);
  FB_CHECK(K == Kb, "matmul: inner dimensions differ: op(a) is [", M, ", ", K, "], op(b) is [", Kb, ", ", N, "]");
  FB_CHECK(M < (int64_t(1) << 31) && N < (int64_t(1) << 31) && K < (int64_t(1) << 31),
           "matmul: dimensions must be below 2^31 on cuda");
  auto as_matrix = [](const Tensor& t, bool& trans) {
    if (t.is_contiguous()) return t;
    if (t.transpose(0, 1).is_contiguous()) {
      trans = !trans;
      return t.transpose(0, 1);
    }
    return t.contiguous();
  };
  bool ta = trans_a, tb = trans_b;
  const Tensor A = as_matrix(a, ta), B = as_matrix(b, tb);
  Tensor c = Tensor::empty({M, N}, a.dtype(), a.device());
  if (c.numel() == 0) return c;
  if (K == 0) {  // an empty sum: zeros
    FB_CUDA_CHECK(cudaMemsetAsync(c.raw_data(), 0, c.nbytes(), fb::cuda::stream()));
    return c;
  }
  const bool tf32 = cuda_fp32_math() == Fp32Math::Tf32;
  if (cuda_backend() == CudaBackend::Vendor) {
    vendor::gemm(ta, tb, int(M), int(N), int(K), a.dtype(), tf32, A.raw_data(), B.raw_data(), c.raw_data());
    return c;
  }
  if (a.dtype() == DType::bf16)
    own_gemm_any(ta, tb, int(M), int(N), int(K), static_cast<const __nv_bfloat16*>(A.raw_data()),
                 static_cast<const __nv_bfloat16*>(B.raw_data()), static_cast<__nv_bfloat16*>(c.raw_data()), true,
                 c.device());
  else
    own_gemm_any(ta, tb, int(M), int(N), int(K), A.data<float>(), B.data<float>(), c.data<float>(), tf32,
                 c.device());
  return c;
}

}  // namespace fb::kernels::cuda
