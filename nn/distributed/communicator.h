#pragma once
// Collective communication between the processes (ranks) of a data-parallel
// job, behind one interface with three backends chosen at run time by name:
//
//   "none"  one process (world size 1): every collective is a no-op or a copy;
//   "mpi"   MPI (OpenMPI), CPU tensors; launched with mpirun/srun;
//   "nccl"  NCCL, CUDA tensors, one GPU per rank (rank % local GPUs); the
//           NCCL communicator is bootstrapped through MPI (rank 0 creates the
//           ncclUniqueId and broadcasts it), so it is launched like "mpi".
//
//   auto comm = fb::nn::dist::make_communicator("mpi");
//   comm->broadcast(w, 0);                       // every rank gets rank 0's w
//   comm->all_reduce(g, ReduceOp::Average);      // in place, element-wise mean
//   Tensor all = comm->all_gather(x);            // ranks' x concatenated on dim 0
//   ...
//   fb::nn::dist::finalize();                    // before the program returns
//
// MPI and NCCL are optional at build time (FB_MPI, FB_NCCL); asking a build
// without them for the backend throws a clear fb::Error.
//
// Requires, for every collective: all ranks call it in the same order with
// tensors of the same shape and dtype (all_gather: equal shapes). Tensors may
// be non-contiguous views (they are reduced through a contiguous copy).
// all_reduce takes f32, f64, i32, i64 (Average: floating point only);
// broadcast and all_gather take any dtype. MPI needs CPU tensors, NCCL CUDA
// tensors on the rank's device.
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace fb::nn::dist {

enum class ReduceOp { Sum, Average };

// A collective started by Communicator::all_reduce_async.
class PendingReduce {
 public:
  virtual ~PendingReduce() = default;
  // Blocks until the tensor holds the result.
  virtual void wait() = 0;
};
using PendingReducePtr = std::unique_ptr<PendingReduce>;

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual std::string backend() const = 0;  // "none", "mpi" or "nccl"
  // The device this rank's tensors live on (CPU, or the rank's GPU for NCCL).
  virtual Device device() const { return Device::cpu(); }

  // t = op over ranks of t, element-wise, in place.
  virtual void all_reduce(const Tensor& t, ReduceOp op = ReduceOp::Sum) = 0;
  // t = rank root's t, in place.
  virtual void broadcast(const Tensor& t, int root = 0) = 0;
  // The ranks' tensors concatenated along dim 0 in rank order (equal shapes).
  virtual Tensor all_gather(const Tensor& t) = 0;
  virtual void barrier() = 0;
  // all_reduce that returns at once where the backend can overlap it with
  // computation (MPI: MPI_Iallreduce); t must be contiguous and untouched
  // until wait(). Started collectives count in the order every rank must
  // follow. The default reduces before it returns.
  virtual PendingReducePtr all_reduce_async(const Tensor& t, ReduceOp op = ReduceOp::Sum);
  // Lets started collectives advance: MPI moves nonblocking collectives on
  // only while the process is inside an MPI call.
  virtual void progress() {}
  // A double summed (or averaged) over ranks: convenience for metrics.
  double all_reduce_scalar(double v, ReduceOp op = ReduceOp::Sum);
};

using CommunicatorPtr = std::shared_ptr<Communicator>;

// "none" | "mpi" | "nccl". Throws for an unknown name or a backend this build lacks.
CommunicatorPtr make_communicator(const std::string& backend);
// What this build can make.
bool mpi_available();
bool nccl_available();
// Shuts MPI down (after a barrier) when a backend started it; a no-op
// otherwise. A program that used "mpi" or "nccl" calls it before returning
// normally. A process that ends without it after MPI was started (an error)
// aborts the whole MPI job, so that no rank waits forever on a dead one.
void finalize();

// ---- helpers for data-parallel training -------------------------------------

// Every tensor takes rank root's values (parameters and buffers at start).
void broadcast_tensors(Communicator& comm, const std::vector<Tensor>& tensors, int root = 0);

// Averages gradients over ranks in buckets: the gradients of consecutive
// tensors are copied into one flat buffer of at most bucket_bytes (a single
// larger gradient gets a bucket of its own), all-reduced in one call and
// copied back. Tensors without a gradient are skipped (the set must be the same
// on every rank, as it is when every rank runs the same graph). Gradients of
// different dtypes go to different buckets.
void all_reduce_gradients(Communicator& comm, const std::vector<Tensor>& params,
                          size_t bucket_bytes = 25u << 20, ReduceOp op = ReduceOp::Average);

}  // namespace fb::nn::dist
