// The MPI backend (CPU tensors) and the MPI process state that the NCCL
// backend shares for its bootstrap. Compiled to a clear error without MPI.
#include "nn/distributed/backends.h"
#include "tensor/error.h"
#include "tensor/ops.h"

#ifdef FB_HAVE_MPI
// The C API only (Open MPI and MPICH otherwise pull in their deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#endif

namespace fb::nn::dist {

bool mpi_available() {
#ifdef FB_HAVE_MPI
  return true;
#else
  return false;
#endif
}

namespace detail {

#ifndef FB_HAVE_MPI

CommunicatorPtr make_mpi() {
  FB_FAIL("distributed: --dist mpi needs MPI, and this build of facebench has none "
          "(install libopenmpi-dev and reconfigure; FB_MPI=ON makes its absence an error)");
}
void mpi_start() { make_mpi(); }
void mpi_finalize() {}

#else

namespace {

bool g_started_here = false, g_finalized = false;

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  FB_FAIL("MPI: ", what, " failed: ", std::string(msg, static_cast<size_t>(len)));
}

// At exit: a process that started MPI and did not finalize it is ending on an
// error; abort the job so the other ranks do not wait on it forever.
void at_exit() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (g_started_here && init && !fin && !g_finalized) MPI_Abort(MPI_COMM_WORLD, 1);
}

MPI_Datatype mpi_type(DType t, bool for_reduce) {
  switch (t) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i32: return MPI_INT32_T;
    case DType::i64: return MPI_INT64_T;
    default:
      FB_CHECK(!for_reduce, "all_reduce: dtype ", dtype_name(t), " is not supported (f32, f64, i32, i64)");
      return MPI_BYTE;
  }
}

struct Pending : PendingReduce {
  Tensor t;
  double scale = 1.0;
  MPI_Request request = MPI_REQUEST_NULL;
  void wait() override {
    if (request != MPI_REQUEST_NULL) check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
    if (scale != 1.0) mul_(t, scale);
    t.bump_version();
  }
  ~Pending() override {  // an unwaited request (an exception in between) must not outlive its buffer
    if (request != MPI_REQUEST_NULL) MPI_Wait(&request, MPI_STATUS_IGNORE);
  }
};

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    mpi_start();
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void all_reduce(const Tensor& t, ReduceOp op) override {
    FB_CHECK(t.device().is_cpu(), "all_reduce (mpi): the tensor is on ", t.device().str(),
             "; the MPI backend reduces CPU tensors (use --dist nccl for GPUs)");
    FB_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "all_reduce: average of a ", dtype_name(t.dtype()),
             " tensor (floating point only)");
    MPI_Datatype type = mpi_type(t.dtype(), true);
    Tensor c = t.is_contiguous() ? t : t.contiguous();
    if (c.numel() > 0)
      check(MPI_Allreduce(MPI_IN_PLACE, c.raw_data(), static_cast<int>(c.numel()), type, MPI_SUM, comm_),
            "MPI_Allreduce");
    if (op == ReduceOp::Average) mul_(c, 1.0 / size_);
    if (!c.same(t)) copy_into(t, c);
    t.bump_version();
  }

  PendingReducePtr all_reduce_async(const Tensor& t, ReduceOp op) override {
    FB_CHECK(t.device().is_cpu(), "all_reduce_async (mpi): the tensor is on ", t.device().str(), ", not the CPU");
    FB_CHECK(t.is_contiguous(), "all_reduce_async: the tensor must be contiguous");
    FB_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "all_reduce: average of a ", dtype_name(t.dtype()),
             " tensor (floating point only)");
    auto p = std::make_unique<Pending>();
    p->t = t;
    p->scale = op == ReduceOp::Average ? 1.0 / size_ : 1.0;
    if (t.numel() > 0)
      check(MPI_Iallreduce(MPI_IN_PLACE, t.raw_data(), static_cast<int>(t.numel()), mpi_type(t.dtype(), true),
                           MPI_SUM, comm_, &p->request),
            "MPI_Iallreduce");
    return p;
  }

  void progress() override {
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, MPI_STATUS_IGNORE);
  }

  void broadcast(const Tensor& t, int root) override {
    FB_CHECK(t.device().is_cpu(), "broadcast (mpi): the tensor is on ", t.device().str(), ", not the CPU");
    FB_CHECK(root >= 0 && root < size_, "broadcast: root ", root, " is not a rank of a world of size ", size_);
    Tensor c = t.is_contiguous() ? t : t.contiguous();
    if (c.nbytes() > 0) check(MPI_Bcast(c.raw_data(), count_of(c), MPI_BYTE, root, comm_), "MPI_Bcast");
    if (!c.same(t)) copy_into(t, c);
    t.bump_version();
  }

  Tensor all_gather(const Tensor& t) override {
    FB_CHECK(t.device().is_cpu(), "all_gather (mpi): the tensor is on ", t.device().str(), ", not the CPU");
    FB_CHECK(t.dim() >= 1, "all_gather: needs a tensor with a first dimension");
    Tensor c = t.contiguous();
    Shape shape = c.shape();
    shape[0] *= size_;
    Tensor out = Tensor::empty(shape, c.dtype());
    if (c.nbytes() > 0)
      check(MPI_Allgather(c.raw_data(), count_of(c), MPI_BYTE, out.raw_data(), count_of(c), MPI_BYTE, comm_),
            "MPI_Allgather");
    return out;
  }

  void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }

 private:
  static int count_of(const Tensor& t) {
    FB_CHECK(t.nbytes() < (size_t(1) << 31), "MPI: a tensor of ", t.nbytes(), " bytes exceeds one message (2 GiB)");
    return static_cast<int>(t.nbytes());
  }
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
};

}  // namespace

void mpi_start() {
  int init = 0;
  MPI_Initialized(&init);
  if (init) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  g_started_here = true;
  std::atexit(at_exit);
}

void mpi_finalize() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!g_started_here || !init || fin) return;
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  g_finalized = true;
}

CommunicatorPtr make_mpi() { return std::make_shared<MpiCommunicator>(); }

#endif

}  // namespace detail
}  // namespace fb::nn::dist
