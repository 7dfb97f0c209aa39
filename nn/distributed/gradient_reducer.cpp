#include "nn/distributed/gradient_reducer.h"

#include "tensor/error.h"
#include "tensor/ops.h"

namespace fb::nn::dist {

GradientReducer::GradientReducer(Communicator& comm, std::vector<Tensor> params, size_t bucket_bytes, ReduceOp op)
    : comm_(comm), params_(std::move(params)), op_(op) {
  bucket_of_.assign(params_.size(), 0);
  ready_.assign(params_.size(), false);
  // Reverse order; a new bucket when the dtype or device changes or the bucket is full.
  size_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    FB_CHECK(p.defined(), "GradientReducer: parameter ", k, " is undefined");
    FB_CHECK(!index_.count(&p.impl()), "GradientReducer: parameter ", k, " is listed twice");
    index_[&p.impl()] = k;
    const bool fits = !buckets_.empty() && bytes + p.nbytes() <= bucket_bytes;
    const Tensor* first = buckets_.empty() ? nullptr : &params_[buckets_.back().members.front()];
    if (!fits || first->dtype() != p.dtype() || first->device() != p.device()) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().members.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    bytes += p.nbytes();
  }
}

std::unique_ptr<autograd::GradReadyObserver> GradientReducer::observe() {
  in_backward_ = true;
  started_early_ = 0;
  return std::make_unique<autograd::GradReadyObserver>([this](const TensorImpl* leaf) { grad_ready(leaf); });
}

void GradientReducer::grad_ready(const TensorImpl* leaf) {
  auto it = index_.find(leaf);
  if (it == index_.end()) return;  // a leaf that is not a parameter (an input that requires grad)
  const size_t k = it->second;
  FB_CHECK(!ready_[k], "GradientReducer: the gradient of parameter ", k,
           " became ready twice before finish() (one backward per step)");
  ready_[k] = true;
  Bucket& b = buckets_[bucket_of_[k]];
  if (++b.ready == b.members.size()) {
    start(b);
    ++started_early_;
  } else if (!start_order_.empty()) {
    comm_.progress();
  }
}

void GradientReducer::start(Bucket& b) {
  b.started = true;
  start_order_.push_back(static_cast<size_t>(&b - buckets_.data()));
  b.grads.clear();
  int64_t numel = 0;
  for (size_t k : b.members) {
    const Tensor g = params_[k].grad();
    if (!g.defined()) continue;
    b.grads.push_back(g);
    numel += g.numel();
  }
  if (b.grads.empty()) return;
  // A flat copy: the all-reduce runs on it while backward goes on.
  const Tensor& first = b.grads.front();
  if (!b.flat.defined() || b.flat.numel() != numel) b.flat = Tensor::empty({numel}, first.dtype(), first.device());
  int64_t at = 0;
  for (const Tensor& g : b.grads) {
    const int64_t n = g.numel();
    copy_into(b.flat.slice(0, at, at + n), g.reshape({n}));
    at += n;
  }
  b.pending = comm_.all_reduce_async(b.flat, op_);
}

void GradientReducer::finish() {
  if (!in_backward_) started_early_ = 0;
  in_backward_ = false;
  // Unfilled buckets in index order: the same order on every rank.
  for (Bucket& b : buckets_)
    if (!b.started) start(b);
  for (size_t i : start_order_) {
    Bucket& b = buckets_[i];
    if (b.pending) b.pending->wait();
    int64_t at = 0;
    for (Tensor& g : b.grads) {
      const int64_t n = g.numel();
      copy_into(g, b.flat.slice(0, at, at + n).reshape(g.shape()));
      at += n;
    }
    b.pending.reset();
    b.grads.clear();
    b.ready = 0;
    b.started = false;
  }
  start_order_.clear();
  ready_.assign(params_.size(), false);
}

}  // namespace fb::nn::dist
