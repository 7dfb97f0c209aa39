#include "kernels/contrastive.h"

#include <cmath>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/contrastive.h"
#include "kernels/cuda/ops.h"
#include "kernels/ref/contrastive.h"

namespace fb::kernels {
namespace {

template <typename F>
void dispatch_float(const std::string& op, const Tensor& x, F&& f) {
  if (x.dtype() == DType::f32)
    f(float{});
  else if (x.dtype() == DType::f64)
    f(double{});
  else
    FB_FAIL(op, ": dtype ", dtype_name(x.dtype()), " is not supported (f32 or f64)");
}

struct ContrastiveIndices {
  Tensor positive, excluded;  // contiguous; excluded may be undefined
};

// The checks of contrastive_cross_entropy_forward/backward, for every device
// (the CUDA kernels get validated operands). The indices are checked on the
// host, so that a bad one is a clear error rather than an out-of-bounds read.
ContrastiveIndices check_contrastive(const std::string& op, const Tensor& sim, const Tensor& positive,
                                     const Tensor& excluded, double tau) {
  FB_CHECK(sim.defined() && sim.dim() == 2 && sim.size(0) > 0 && sim.size(1) > 0, op,
           ": sim must be a non-empty 2-D [N, M] tensor, got ",
           sim.defined() ? shape_str(sim.shape()) : std::string("an undefined tensor"));
  FB_CHECK(tau > 0 && std::isfinite(tau), op, ": tau must be positive and finite, got ", tau);
  const int64_t N = sim.size(0), M = sim.size(1);
  auto check_index = [&](const char* name, const Tensor& t) {
    FB_CHECK(t.defined() && t.dtype() == DType::i64 && t.dim() == 1 && t.size(0) == N, op, ": ", name,
             " must be an i64 tensor of shape [", N, "] (one column per row of sim ", shape_str(sim.shape()),
             "), got ", t.defined() ? dtype_name(t.dtype()) + std::string(" ") + shape_str(t.shape()) : "undefined");
    FB_CHECK(t.device() == sim.device(), op, ": ", name, " is on ", t.device().str(), ", sim on ", sim.device().str());
  };
  check_index("positive", positive);
  const std::vector<int64_t> pos = positive.to_vector<int64_t>();
  for (int64_t i = 0; i < N; ++i)
    FB_CHECK(pos[i] >= 0 && pos[i] < M, op, ": positive column ", pos[i], " of row ", i, " is out of range [0, ", M,
             ") (sim ", shape_str(sim.shape()), ")");
  if (excluded.defined()) {
    check_index("excluded", excluded);
    const std::vector<int64_t> exc = excluded.to_vector<int64_t>();
    for (int64_t i = 0; i < N; ++i) {
      FB_CHECK(exc[i] >= -1 && exc[i] < M, op, ": excluded column ", exc[i], " of row ", i, " is out of range [-1, ",
               M, ") (sim ", shape_str(sim.shape()), ")");
      FB_CHECK(exc[i] != pos[i], op, ": row ", i, " excludes its own positive column ", pos[i]);
    }
  }
  return {positive.contiguous(), excluded.defined() ? excluded.contiguous() : Tensor()};
}

const int64_t* index_data(const Tensor& t) { return t.defined() ? t.data<int64_t>() : nullptr; }

// Checks a per-row statistic or dloss against sim (dtype and device).
void check_like_sim(const std::string& op, const char* name, const Tensor& t, const Shape& shape, const Tensor& sim) {
  FB_CHECK(t.defined() && t.shape() == shape && t.dtype() == sim.dtype() && t.device() == sim.device(), op, ": ",
           name, " must be ", dtype_name(sim.dtype()), " ", shape_str(shape), " on ", sim.device().str(), ", got ",
           t.defined() ? dtype_name(t.dtype()) + std::string(" ") + shape_str(t.shape()) + " on " + t.device().str()
                       : std::string("undefined"));
}

}  // namespace

Tensor sinkhorn(const Tensor& scores, double eps, int iters) {
  FB_CHECK(scores.dim() == 2 && scores.size(0) > 0 && scores.size(1) > 0,
           "sinkhorn: scores must be a non-empty 2-D [batch, prototypes] tensor, got ", shape_str(scores.shape()));
  FB_CHECK(eps > 0 && iters >= 0, "sinkhorn: eps must be positive and iters non-negative (eps ", eps, ", iters ",
           iters, ")");
  if (scores.device().is_cuda()) return cuda::sinkhorn(scores, eps, iters);
  Tensor s = scores.contiguous();
  Tensor q = Tensor::empty(s.shape(), s.dtype());
  int64_t B = s.size(0), K = s.size(1);
  dispatch_float("sinkhorn", s, [&](auto z) {
    using T = decltype(z);
    if (cpu_backend() == CpuBackend::Reference)
      ref::sinkhorn<T>(s.data<T>(), q.data<T>(), B, K, eps, iters);
    else
      cpu::sinkhorn<T>(s.data<T>(), q.data<T>(), B, K, eps, iters);
  });
  return q;
}

std::tuple<Tensor, Tensor, Tensor> contrastive_cross_entropy_forward(const Tensor& sim_, const Tensor& positive,
                                                                     const Tensor& excluded, double tau) {
  const std::string op = "contrastive_cross_entropy";
  const ContrastiveIndices idx = check_contrastive(op, sim_, positive, excluded, tau);
  if (sim_.device().is_cuda()) return cuda::contrastive_cross_entropy_forward(sim_, idx.positive, idx.excluded, tau);
  const Tensor sim = sim_.contiguous();
  const int64_t N = sim.size(0), M = sim.size(1);
  Tensor loss = Tensor::empty({}, sim.dtype()), row_max = Tensor::empty({N}, sim.dtype()),
         row_log_sum = Tensor::empty({N}, sim.dtype());
  dispatch_float(op, sim, [&](auto tag) {
    using T = decltype(tag);
    auto fn = cpu_backend() == CpuBackend::Reference ? &ref::contrastive_cross_entropy_forward<T>
                                                     : &cpu::contrastive_cross_entropy_forward<T>;
    fn(sim.data<T>(), idx.positive.data<int64_t>(), index_data(idx.excluded), N, M, tau, loss.data<T>(),
       row_max.data<T>(), row_log_sum.data<T>());
  });
  return {loss, row_max, row_log_sum};
}

Tensor contrastive_cross_entropy_backward(const Tensor& dloss_, const Tensor& sim_, const Tensor& positive,
                                          const Tensor& excluded, double tau, const Tensor& row_max_,
                                          const Tensor& row_log_sum_) {
  const std::string op = "contrastive_cross_entropy_backward";
  const ContrastiveIndices idx = check_contrastive(op, sim_, positive, excluded, tau);
  const int64_t N = sim_.size(0), M = sim_.size(1);
  FB_CHECK(dloss_.defined() && dloss_.numel() == 1, op, ": dloss must have one element, got ",
           dloss_.defined() ? shape_str(dloss_.shape()) : std::string("an undefined tensor"));
  check_like_sim(op, "dloss", dloss_, dloss_.shape(), sim_);
  check_like_sim(op, "row_max", row_max_, {N}, sim_);
  check_like_sim(op, "row_log_sum", row_log_sum_, {N}, sim_);
  if (sim_.device().is_cuda())
    return cuda::contrastive_cross_entropy_backward(dloss_, sim_, idx.positive, idx.excluded, tau, row_max_,
                                                    row_log_sum_);
  const Tensor sim = sim_.contiguous(), dloss = dloss_.contiguous(), row_max = row_max_.contiguous(),
               row_log_sum = row_log_sum_.contiguous();
  Tensor dsim = Tensor::empty({N, M}, sim.dtype());
  dispatch_float(op, sim, [&](auto tag) {
    using T = decltype(tag);
    if (cpu_backend() == CpuBackend::Reference)
      ref::contrastive_cross_entropy_backward<T>(dloss.data<T>(), sim.data<T>(), idx.positive.data<int64_t>(),
                                                 index_data(idx.excluded), N, M, tau, dsim.data<T>());
    else
      cpu::contrastive_cross_entropy_backward<T>(dloss.data<T>(), sim.data<T>(), idx.positive.data<int64_t>(),
                                                 index_data(idx.excluded), N, M, tau, row_max.data<T>(),
                                                 row_log_sum.data<T>(), dsim.data<T>());
  });
  return dsim;
}

}  // namespace fb::kernels
