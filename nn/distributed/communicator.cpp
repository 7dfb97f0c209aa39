#include "nn/distributed/communicator.h"

#include <map>

#include "nn/distributed/backends.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace fb::nn::dist {

double Communicator::all_reduce_scalar(double v, ReduceOp op) {
  Tensor t = full({1}, v, DType::f64, device());
  all_reduce(t, op);
  return t.to(Device::cpu()).item();
}

namespace {

// World size 1: the collectives of a single process.
class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::string backend() const override { return "none"; }
  void all_reduce(const Tensor& t, ReduceOp op) override {
    FB_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "all_reduce: average of a ", dtype_name(t.dtype()),
             " tensor (floating point only)");
  }
  void broadcast(const Tensor&, int root) override {
    FB_CHECK(root == 0, "broadcast: root ", root, " is not a rank of a world of size 1");
  }
  Tensor all_gather(const Tensor& t) override { return t.clone(); }
  void barrier() override {}
};

}  // namespace

namespace {
struct Finished : PendingReduce {
  void wait() override {}
};
}  // namespace

PendingReducePtr Communicator::all_reduce_async(const Tensor& t, ReduceOp op) {
  all_reduce(t, op);
  return std::make_unique<Finished>();
}

CommunicatorPtr make_communicator(const std::string& backend) {
  if (backend == "none") return std::make_shared<SingleProcess>();
  if (backend == "mpi") return detail::make_mpi();
  if (backend == "nccl") return detail::make_nccl();
  FB_FAIL("distributed: unknown backend '", backend, "' (expected none, mpi or nccl)");
}

void finalize() { detail::mpi_finalize(); }

void broadcast_tensors(Communicator& comm, const std::vector<Tensor>& tensors, int root) {
  if (comm.world_size() == 1) return;
  for (const Tensor& t : tensors)
    if (t.defined()) comm.broadcast(t, root);
}

void all_reduce_gradients(Communicator& comm, const std::vector<Tensor>& params, size_t bucket_bytes,
                          ReduceOp op) {
  if (comm.world_size() == 1) return;
  // Consecutive gradients of one dtype share a bucket until it is full.
  std::vector<Tensor> grads;
  for (const Tensor& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  size_t i = 0;
  while (i < grads.size()) {
    const DType dt = grads[i].dtype();
    const Device dev = grads[i].device();
    size_t j = i, bytes = 0;
    int64_t numel = 0;
    while (j < grads.size() && grads[j].dtype() == dt && grads[j].device() == dev &&
           (j == i || bytes + grads[j].nbytes() <= bucket_bytes)) {
      bytes += grads[j].nbytes();
      numel += grads[j].numel();
      ++j;
    }
    if (j == i + 1) {  // one gradient: reduce it where it is
      comm.all_reduce(grads[i], op);
    } else {
      Tensor flat = Tensor::empty({numel}, dt, dev);
      int64_t at = 0;
      for (size_t k = i; k < j; ++k) {
        const int64_t n = grads[k].numel();
        copy_into(flat.slice(0, at, at + n), grads[k].reshape({n}));
        at += n;
      }
      comm.all_reduce(flat, op);
      at = 0;
      for (size_t k = i; k < j; ++k) {
        const int64_t n = grads[k].numel();
        copy_into(grads[k], flat.slice(0, at, at + n).reshape(grads[k].shape()));
        at += n;
      }
    }
    i = j;
  }
}

}  // namespace fb::nn::dist
