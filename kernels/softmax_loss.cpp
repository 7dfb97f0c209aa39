// Tensor-level softmax, log-softmax, cross-entropy and pointwise losses:
// argument checks, then the reference or CPU kernel for the dtype, or the
// CUDA kernel for CUDA tensors.
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/ops.h"
#include "kernels/cpu/softmax_loss.h"
#include "kernels/ops.h"
#include "kernels/ref/softmax_loss.h"

namespace fb::kernels {
namespace {

void check_operand(const std::string& op, const char* name, const Tensor& t, const Tensor* like = nullptr,
                   const char* like_name = "x") {
  FB_CHECK(t.defined(), op, ": ", name, " is undefined");
  FB_CHECK(t.device().is_cpu(), op, ": ", name, " is on ", t.device().str(),
           " but the first operand is on the CPU; every operand must be on one device");
  FB_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": ", name, " has dtype ",
           dtype_name(t.dtype()), ", only f32 and f64 are supported");
  if (like)
    FB_CHECK(t.dtype() == like->dtype(), op, ": ", name, " has dtype ", dtype_name(t.dtype()), " but ", like_name,
             " has ", dtype_name(like->dtype()));
}

void check_same_shape(const std::string& op, const char* a_name, const Tensor& a, const char* b_name,
                      const Tensor& b) {
  FB_CHECK(a.shape() == b.shape(), op, ": ", a_name, " ", shape_str(a.shape()), " and ", b_name, " ",
           shape_str(b.shape()), " differ in shape");
}

bool use_reference() { return cpu_backend() == CpuBackend::Reference; }

template <typename F>
void dispatch_float(const Tensor& x, F&& f) {
  if (x.dtype() == DType::f32)
    f(float{});
  else
    f(double{});
}

// The kernels see x as [rows, C] with C the last dim.
void row_layout(const std::string& op, const Tensor& x, int64_t& rows, int64_t& C) {
  FB_CHECK(x.dim() >= 1, op, ": x must have at least 1 dim, got ", shape_str(x.shape()));
  C = x.size(-1);
  rows = C ? x.numel() / C : 0;
}

enum class SoftmaxKind { Softmax, LogSoftmax };

Tensor softmax_like_forward(SoftmaxKind kind, const Tensor& x_) {
  const std::string op = kind == SoftmaxKind::Softmax ? "softmax" : "log_softmax";
  check_operand(op, "x", x_);
  int64_t rows, C;
  row_layout(op, x_, rows, C);
  const Tensor x = x_.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  if (y.numel() == 0) return y;
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    auto fn = kind == SoftmaxKind::Softmax
                  ? (use_reference() ? &ref::softmax_forward<T> : &cpu::softmax_forward<T>)
                  : (use_reference() ? &ref::log_softmax_forward<T> : &cpu::log_softmax_forward<T>);
    fn(x.data<T>(), rows, C, y.data<T>());
  });
  return y;
}

Tensor softmax_like_backward(SoftmaxKind kind, const Tensor& dy_, const Tensor& y_) {
  const std::string op = kind == SoftmaxKind::Softmax ? "softmax_backward" : "log_softmax_backward";
  check_operand(op, "y", y_);
  check_operand(op, "dy", dy_, &y_, "y");
  check_same_shape(op, "dy", dy_, "y", y_);
  int64_t rows, C;
  row_layout(op, y_, rows, C);
  const Tensor dy = dy_.contiguous(), y = y_.contiguous();
  Tensor dx = Tensor::empty(y.shape(), y.dtype());
  if (dx.numel() == 0) return dx;
  dispatch_float(y, [&](auto tag) {
    using T = decltype(tag);
    auto fn = kind == SoftmaxKind::Softmax
                  ? (use_reference() ? &ref::softmax_backward<T> : &cpu::softmax_backward<T>)
                  : (use_reference() ? &ref::log_softmax_backward<T> : &cpu::log_softmax_backward<T>);
    fn(dy.data<T>(), y.data<T>(), rows, C, dx.data<T>());
  });
  return dx;
}

// Shared checks of cross_entropy_forward/backward; returns contiguous labels.
Tensor check_cross_entropy(const std::string& op, const Tensor& logits, const Tensor& labels,
                           double label_smoothing, int64_t ignore_index) {
  check_operand(op, "logits", logits);
  FB_CHECK(logits.dim() == 2, op, ": logits must be 2-D [N, C], got ", shape_str(logits.shape()));
  FB_CHECK(labels.defined(), op, ": labels is undefined");
  FB_CHECK(labels.device().is_cpu(), op, ": labels is on ", labels.device().str(),
           " but logits is on the CPU; every operand must be on one device");
  FB_CHECK(labels.dtype() == DType::i64, op, ": labels must be i64, got ", dtype_name(labels.dtype()));
  const int64_t N = logits.size(0), C = logits.size(1);
  FB_CHECK(labels.dim() == 1 && labels.size(0) == N, op, ": logits has ", N, " samples but labels has shape ",
           shape_str(labels.shape()), " (logits ", shape_str(logits.shape()), ", labels ",
           shape_str(labels.shape()), ")");
  FB_CHECK(C > 0, op, ": logits has no classes (logits ", shape_str(logits.shape()), ")");
  FB_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op, ": label_smoothing must be in [0, 1], got ",
           label_smoothing);
  Tensor lab = labels.contiguous();
  const int64_t* l = lab.data<int64_t>();
  for (int64_t i = 0; i < N; ++i)
    FB_CHECK(l[i] == ignore_index || (l[i] >= 0 && l[i] < C), op, ": label ", l[i], " of sample ", i,
             " is out of range [0, ", C, ") (logits ", shape_str(logits.shape()), ", labels ",
             shape_str(labels.shape()), ", ignore_index ", ignore_index, ")");
  return lab;
}

Shape loss_shape(Reduction r, const Shape& per_sample) { return r == Reduction::None ? per_sample : Shape{}; }

void check_dloss(const std::string& op, const Tensor& dloss, Reduction r, const Shape& per_sample,
                 const Tensor& like, const char* like_name) {
  check_operand(op, "dloss", dloss, &like, like_name);
  if (r == Reduction::None)
    FB_CHECK(dloss.shape() == per_sample, op, ": with reduction none dloss must be ", shape_str(per_sample),
             ", got ", shape_str(dloss.shape()));
  else
    FB_CHECK(dloss.numel() == 1, op, ": with a reduced loss dloss must have one element, got ",
             shape_str(dloss.shape()));
}

void check_point_loss(const std::string& op, PointLoss kind, const Tensor& pred, const Tensor& target,
                      double beta) {
  check_operand(op, "pred", pred);
  check_operand(op, "target", target, &pred, "pred");
  check_same_shape(op, "pred", pred, "target", target);
  if (kind == PointLoss::SmoothL1) FB_CHECK(beta >= 0, op, ": beta must be non-negative, got ", beta);
}

}  // namespace

const char* point_loss_name(PointLoss k) {
  switch (k) {
    case PointLoss::Mse: return "mse_loss";
    case PointLoss::L1: return "l1_loss";
    case PointLoss::SmoothL1: return "smooth_l1_loss";
  }
  return "point_loss";
}

Tensor softmax_forward(const Tensor& x) {
  if (x.defined() && x.device().is_cuda()) return cuda::softmax_forward(x);
  return softmax_like_forward(SoftmaxKind::Softmax, x);
}
Tensor log_softmax_forward(const Tensor& x) {
  if (x.defined() && x.device().is_cuda()) return cuda::log_softmax_forward(x);
  return softmax_like_forward(SoftmaxKind::LogSoftmax, x);
}
Tensor softmax_backward(const Tensor& dy, const Tensor& y) {
  if (y.defined() && y.device().is_cuda()) return cuda::softmax_backward(dy, y);
  return softmax_like_backward(SoftmaxKind::Softmax, dy, y);
}
Tensor log_softmax_backward(const Tensor& dy, const Tensor& y) {
  if (y.defined() && y.device().is_cuda()) return cuda::log_softmax_backward(dy, y);
  return softmax_like_backward(SoftmaxKind::LogSoftmax, dy, y);
}

Tensor cross_entropy_forward(const Tensor& logits_, const Tensor& labels_, double label_smoothing,
                             int64_t ignore_index, Reduction r) {
  if (logits_.defined() && logits_.device().is_cuda())
    return cuda::cross_entropy_forward(logits_, labels_, label_smoothing, ignore_index, r);
  const std::string op = "cross_entropy";
  const Tensor labels = check_cross_entropy(op, logits_, labels_, label_smoothing, ignore_index);
  const Tensor logits = logits_.contiguous();
  const int64_t N = logits.size(0), C = logits.size(1);
  Tensor out = Tensor::empty(loss_shape(r, {N}), logits.dtype());
  dispatch_float(logits, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::cross_entropy_forward<T> : &cpu::cross_entropy_forward<T>;
    fn(logits.data<T>(), labels.data<int64_t>(), N, C, label_smoothing, ignore_index, r, out.data<T>());
  });
  return out;
}

Tensor cross_entropy_backward(const Tensor& dloss_, const Tensor& logits_, const Tensor& labels_,
                              double label_smoothing, int64_t ignore_index, Reduction r) {
  if (logits_.defined() && logits_.device().is_cuda())
    return cuda::cross_entropy_backward(dloss_, logits_, labels_, label_smoothing, ignore_index, r);
  const std::string op = "cross_entropy_backward";
  const Tensor labels = check_cross_entropy(op, logits_, labels_, label_smoothing, ignore_index);
  const int64_t N = logits_.size(0), C = logits_.size(1);
  check_dloss(op, dloss_, r, {N}, logits_, "logits");
  const Tensor logits = logits_.contiguous(), dloss = dloss_.contiguous();
  Tensor dlogits = Tensor::empty(logits.shape(), logits.dtype());
  dispatch_float(logits, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::cross_entropy_backward<T> : &cpu::cross_entropy_backward<T>;
    fn(dloss.data<T>(), logits.data<T>(), labels.data<int64_t>(), N, C, label_smoothing, ignore_index, r,
       dlogits.data<T>());
  });
  return dlogits;
}

Tensor point_loss_forward(PointLoss kind, const Tensor& pred_, const Tensor& target_, double beta, Reduction r) {
  if (pred_.defined() && pred_.device().is_cuda()) return cuda::point_loss_forward(kind, pred_, target_, beta, r);
  const std::string op = point_loss_name(kind);
  check_point_loss(op, kind, pred_, target_, beta);
  const Tensor pred = pred_.contiguous(), target = target_.contiguous();
  Tensor out = Tensor::empty(loss_shape(r, pred.shape()), pred.dtype());
  dispatch_float(pred, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::point_loss_forward<T> : &cpu::point_loss_forward<T>;
    fn(kind, pred.data<T>(), target.data<T>(), pred.numel(), beta, r, out.data<T>());
  });
  return out;
}

Tensor point_loss_backward(PointLoss kind, const Tensor& dloss_, const Tensor& pred_, const Tensor& target_,
                           double beta, Reduction r) {
  if (pred_.defined() && pred_.device().is_cuda())
    return cuda::point_loss_backward(kind, dloss_, pred_, target_, beta, r);
  const std::string op = std::string(point_loss_name(kind)) + "_backward";
  check_point_loss(op, kind, pred_, target_, beta);
  check_dloss(op, dloss_, r, pred_.shape(), pred_, "pred");
  const Tensor pred = pred_.contiguous(), target = target_.contiguous(), dloss = dloss_.contiguous();
  Tensor dpred = Tensor::empty(pred.shape(), pred.dtype());
  dispatch_float(pred, [&](auto tag) {
    using T = decltype(tag);
    auto fn = use_reference() ? &ref::point_loss_backward<T> : &cpu::point_loss_backward<T>;
    fn(kind, dloss.data<T>(), pred.data<T>(), target.data<T>(), pred.numel(), beta, r, dpred.data<T>());
  });
  return dpred;
}

}  // namespace fb::kernels
