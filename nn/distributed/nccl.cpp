// The NCCL backend: collectives on CUDA tensors, one GPU per rank, issued on
// the calling thread's current stream (so they are ordered with the kernels
// around them). The NCCL communicator is bootstrapped through MPI: rank 0
// creates the ncclUniqueId and broadcasts it. The rank's GPU is its rank on
// the node (from MPI's shared-memory split) modulo the node's GPU count.
// Compiled to a clear error without NCCL (or without CUDA or MPI).
#include "nn/distributed/backends.h"
#include "tensor/error.h"
#include "tensor/ops.h"

#ifdef FB_HAVE_NCCL
#include <cuda_runtime.h>
// The C API only (Open MPI and MPICH otherwise pull in their deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#include <nccl.h>

#include "tensor/cuda/runtime.h"
#endif

namespace fb::nn::dist {

bool nccl_available() {
#ifdef FB_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

namespace detail {

#ifndef FB_HAVE_NCCL

CommunicatorPtr make_nccl() {
  FB_FAIL("distributed: --dist nccl needs NCCL, CUDA and MPI, and this build of facebench lacks ",
#ifndef FB_HAVE_CUDA
          "CUDA ",
#endif
#ifndef FB_HAVE_MPI
          "MPI ",
#endif
          "NCCL (configure with the CUDA toolkit's nccl.h and libopenmpi-dev present; FB_NCCL=ON makes its absence an "
          "error)");
}

#else

namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) FB_FAIL("NCCL: ", what, " failed: ", ncclGetErrorString(r));
}
void check_cuda(cudaError_t e, const char* what) {
  if (e != cudaSuccess) FB_FAIL("NCCL backend: ", what, " failed: ", cudaGetErrorString(e));
}

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::bf16: return ncclBfloat16;
    case DType::i32: return ncclInt32;
    case DType::i64: return ncclInt64;
    case DType::u8: return ncclUint8;
  }
  FB_FAIL("NCCL: unsupported dtype ", dtype_name(t));
}

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator() {
    mpi_start();
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // This rank's index on its node picks the GPU.
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    int local = 0;
    MPI_Comm_rank(node, &local);
    MPI_Comm_free(&node);
    const int gpus = fb::cuda::device_count();
    FB_CHECK(gpus > 0, "--dist nccl: rank ", rank_, " finds no CUDA device (", fb::cuda::unavailable_reason(), ")");
    device_ = local % gpus;
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    fb::cuda::init();
    ncclUniqueId id;
    if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
    check_nccl(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank");
  }
  ~NcclCommunicator() override {
    if (comm_) ncclCommDestroy(comm_);
  }
  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  Device device() const override { return Device::cuda(device_); }

  void all_reduce(const Tensor& t, ReduceOp op) override {
    check_device(t, "all_reduce");
    FB_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "all_reduce: average of a ", dtype_name(t.dtype()),
             " tensor (floating point only)");
    FB_CHECK(t.dtype() != DType::u8, "all_reduce: dtype u8 is not supported");
    Tensor c = t.is_contiguous() ? t : t.contiguous();
    if (c.numel() > 0)
      check_nccl(ncclAllReduce(c.raw_data(), c.raw_data(), static_cast<size_t>(c.numel()), nccl_type(c.dtype()),
                               op == ReduceOp::Average ? ncclAvg : ncclSum, comm_, stream()),
                 "ncclAllReduce");
    if (!c.same(t)) copy_into(t, c);
    t.bump_version();
  }

  void broadcast(const Tensor& t, int root) override {
    check_device(t, "broadcast");
    FB_CHECK(root >= 0 && root < size_, "broadcast: root ", root, " is not a rank of a world of size ", size_);
    Tensor c = t.is_contiguous() ? t : t.contiguous();
    if (c.nbytes() > 0)
      check_nccl(ncclBroadcast(c.raw_data(), c.raw_data(), c.nbytes(), ncclUint8, root, comm_, stream()),
                 "ncclBroadcast");
    if (!c.same(t)) copy_into(t, c);
    t.bump_version();
  }

  Tensor all_gather(const Tensor& t) override {
    check_device(t, "all_gather");
    FB_CHECK(t.dim() >= 1, "all_gather: needs a tensor with a first dimension");
    Tensor c = t.contiguous();
    Shape shape = c.shape();
    shape[0] *= size_;
    Tensor out = Tensor::empty(shape, c.dtype(), c.device());
    if (c.nbytes() > 0)
      check_nccl(ncclAllGather(c.raw_data(), out.raw_data(), c.nbytes(), ncclUint8, comm_, stream()),
                 "ncclAllGather");
    return out;
  }

  void barrier() override {
    check_cuda(cudaStreamSynchronize(stream()), "cudaStreamSynchronize");
    MPI_Barrier(MPI_COMM_WORLD);
  }

 private:
  static cudaStream_t stream() { return static_cast<cudaStream_t>(fb::cuda::current_stream()); }
  void check_device(const Tensor& t, const char* what) const {
    FB_CHECK(t.device() == Device::cuda(device_), what, " (nccl): the tensor is on ", t.device().str(),
             "; this rank's device is cuda:", device_);
  }
  ncclComm_t comm_ = nullptr;
  int rank_ = 0, size_ = 1, device_ = 0;
};

}  // namespace

CommunicatorPtr make_nccl() { return std::make_shared<NcclCommunicator>(); }

#endif

}  // namespace detail
}  // namespace fb::nn::dist
