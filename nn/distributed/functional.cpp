#include "nn/distributed/functional.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/ops.h"
#include "nn/layers.h"
#include "tensor/ops.h"

namespace fb::nn::dist {

using autograd::record;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

Tensor sync_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, Communicator& comm) {
  FB_CHECK(x.dim() >= 2, "sync_batch_norm: needs [..., C] input, got ", shape_str(x.shape()));
  const int64_t c = x.size(-1);
  FB_CHECK(gamma.defined() && beta.defined() && gamma.numel() == c && beta.numel() == c,
           "sync_batch_norm: weight and bias must have ", c, " elements");
  const Tensor xd = x.detach().reshape({-1, c}).to(DType::f64);
  const int64_t n_local = xd.size(0);

  // Global count and mean: one all-reduce of [sum_0 .. sum_{C-1}, count].
  Tensor stats = Tensor::empty({c + 1}, DType::f64, x.device());
  copy_into(stats.slice(0, 0, c), ops::sum(xd, {0}));
  fill_(stats.slice(0, c, c + 1), static_cast<double>(n_local));
  comm.all_reduce(stats, ReduceOp::Sum);
  const double n = stats.slice(0, c, c + 1).to(Device::cpu()).item();
  FB_CHECK(n > 0, "sync_batch_norm: the ranks' batches are all empty");
  Tensor mean = ops::mul_scalar(stats.slice(0, 0, c), 1.0 / n);
  // Global biased variance, second pass around the global mean.
  Tensor centred = ops::sub(xd, mean);
  Tensor var = ops::sum(ops::mul(centred, centred), {0});
  comm.all_reduce(var, ReduceOp::Sum);
  var = ops::mul_scalar(var, 1.0 / n);
  Tensor invstd = ops::div(ones({}, DType::f64, x.device()), ops::sqrt(ops::add_scalar(var, eps)));

  Tensor y = kernels::batch_norm_forward_eval(x.detach(), gamma.detach(), beta.detach(), mean.to(x.dtype()),
                                              var.to(x.dtype()), eps);
  if (running_mean.defined()) {
    autograd::NoGradGuard ng;
    Tensor unbiased = ops::mul_scalar(var, n > 1 ? n / (n - 1) : 1.0);
    mul_(running_mean, 1 - momentum);
    add_(running_mean, mean.to(running_mean.dtype()), momentum);
    mul_(running_var, 1 - momentum);
    add_(running_var, unbiased.to(running_var.dtype()), momentum);
  }

  SavedTensor sx(x, "sync_batch_norm"), sg(gamma, "sync_batch_norm");
  Communicator* cm = &comm;
  record("sync_batch_norm", {x, gamma, beta}, {y}, [sx, sg, mean, invstd, n, c, cm](const Grads& g) -> Grads {
    const Tensor& x = sx.get();
    Tensor dy = g[0].reshape({-1, c}).to(DType::f64);
    Tensor xhat = ops::mul(ops::sub(x.reshape({-1, c}).to(DType::f64), mean), invstd);
    Tensor sums = Tensor::empty({2 * c}, DType::f64, x.device());
    Tensor dbeta = ops::sum(dy, {0}), dgamma = ops::sum(ops::mul(dy, xhat), {0});
    copy_into(sums.slice(0, 0, c), dbeta);
    copy_into(sums.slice(0, c, 2 * c), dgamma);
    cm->all_reduce(sums, ReduceOp::Sum);
    Tensor mean_dy = ops::mul_scalar(sums.slice(0, 0, c), 1.0 / n);
    Tensor mean_dy_xhat = ops::mul_scalar(sums.slice(0, c, 2 * c), 1.0 / n);
    Tensor scale = ops::mul(sg.get().detach().to(DType::f64), invstd);
    Tensor dx = ops::mul(ops::sub(ops::sub(dy, mean_dy), ops::mul(xhat, mean_dy_xhat)), scale);
    const DType pt = sg.get().dtype();
    return {dx.to(x.dtype()).reshape(x.shape()), dgamma.to(pt), dbeta.to(pt)};
  });
  return y;
}

Tensor all_gather(const Tensor& x, Communicator& comm) {
  Tensor y = comm.all_gather(x.detach());
  const int64_t rows = x.size(0), rank = comm.rank();
  Communicator* cm = &comm;
  record("all_gather", {x}, {y}, [cm, rows, rank](const Grads& g) -> Grads {
    Tensor total = g[0].contiguous().clone();
    cm->all_reduce(total, ReduceOp::Sum);
    return {total.slice(0, rank * rows, (rank + 1) * rows).contiguous()};
  });
  return y;
}

int convert_sync_batchnorm(Module& m, const CommunicatorPtr& comm) {
  int changed = 0;
  if (auto* bn = dynamic_cast<BatchNorm*>(&m)) {
    bn->sync = comm;
    ++changed;
  }
  for (auto& [name, child] : m.children())
    if (child) changed += convert_sync_batchnorm(*child, comm);
  return changed;
}

}  // namespace fb::nn::dist
