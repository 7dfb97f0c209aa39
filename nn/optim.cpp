#include "nn/optim.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "kernels/cuda/optim.h"
#include "kernels/optim_update.h"
#include "tensor/ops.h"

namespace fb::nn {

Optimizer::Optimizer(std::vector<Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {
  for (const auto& p : params_)
    FB_CHECK(p.defined() && p.requires_grad() && p.is_contiguous(),
             "optimizer: parameters must be defined, contiguous and require grad");
  buffers_.resize(params_.size());
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.impl().grad.reset();
}

bool Optimizer::has_buffer(size_t i, const std::string& name) const {
  for (const auto& [n, t] : buffers_[i])
    if (n == name) return true;
  return false;
}

Tensor& Optimizer::buffer(size_t i, const std::string& name) {
  for (auto& [n, t] : buffers_[i])
    if (n == name) return t;
  buffers_[i].emplace_back(name, zeros_like(params_[i]));
  return buffers_[i].back().second;
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace_back("steps", scalar(static_cast<double>(steps_), DType::i64));
  for (size_t i = 0; i < buffers_.size(); ++i)
    for (const auto& [n, t] : buffers_[i]) out.emplace_back(std::to_string(i) + "." + n, t.to(Device::cpu()));
  return out;
}

void Optimizer::load_state(const NamedTensors& s) {
  for (auto& b : buffers_) b.clear();
  for (const auto& [name, t] : s) {
    if (name == "steps") {
      steps_ = static_cast<int64_t>(t.item());
      continue;
    }
    auto dot = name.find('.');
    FB_CHECK(dot != std::string::npos, "optimizer state: malformed entry '", name, "'");
    size_t i = std::stoul(name.substr(0, dot));
    FB_CHECK(i < params_.size(), "optimizer state: entry '", name, "' refers to parameter ", i, " but there are only ",
             params_.size());
    FB_CHECK(t.shape() == params_[i].shape(), "optimizer state: '", name, "' has shape ", shape_str(t.shape()),
             ", parameter has ", shape_str(params_[i].shape()));
    // A fresh copy in the parameter's dtype, on its device.
    Tensor b = Tensor::empty(params_[i].shape(), params_[i].dtype(), params_[i].device());
    copy_into(b, t.to(params_[i].dtype()));
    buffers_[i].emplace_back(name.substr(dot + 1), b);
  }
}

namespace {
namespace rule = kernels::optim;

// The gradient of p, checked against it, contiguous.
Tensor checked_grad(const Tensor& p) {
  const Tensor g = p.grad();
  FB_CHECK(g.shape() == p.shape(), "optimizer: gradient shape ", shape_str(g.shape()), " differs from parameter ",
           shape_str(p.shape()));
  FB_CHECK(g.device() == p.device(), "optimizer: gradient on ", g.device().str(), ", parameter on ",
           p.device().str());
  return g.contiguous();
}

// Runs f(T{}) for a host parameter's dtype, f32 or f64.
template <typename F>
void dispatch_float(const Tensor& p, F f) {
  if (p.dtype() == DType::f32)
    f(float{});
  else if (p.dtype() == DType::f64)
    f(double{});
  else
    FB_FAIL("optimizer: parameters must be f32 or f64, got ", dtype_name(p.dtype()));
}

template <typename T>
double norm2(const T* x, int64_t n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s);
}
}  // namespace

// Each step runs the rules of kernels/optim_update.h: an OpenMP loop for host
// parameters, one fused kernel for CUDA ones.

SGD::SGD(std::vector<Tensor> params, double lr, SGDOptions o) : Optimizer(std::move(params), lr), opt(o) {
  FB_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD: nesterov needs momentum > 0 and no dampening");
}

void SGD::step() {
  autograd::NoGradGuard ng;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    const Tensor g = checked_grad(p);
    const rule::SgdHyper h{lr_, opt.weight_decay, opt.momentum, opt.dampening, opt.nesterov,
                           !has_buffer(i, "momentum_buffer")};
    const Tensor buf = opt.momentum != 0 ? buffer(i, "momentum_buffer") : Tensor();
    if (p.device().is_cuda()) {
      kernels::cuda::sgd_step(p, g, buf, h);
    } else {
      dispatch_float(p, [&](auto tag) {
        using T = decltype(tag);
        T* w = p.data<T>();
        T* b = buf.defined() ? buf.data<T>() : nullptr;
        const T* gp = g.data<T>();
        const auto c = rule::sgd_coefficients<T>(h);
        const int64_t n = p.numel();
#pragma omp parallel for if (n > 65536)
        for (int64_t k = 0; k < n; ++k) rule::sgd_update(w[k], gp[k], b ? b + k : nullptr, c);
      });
    }
    p.bump_version();
  }
  ++steps_;
}

AdamW::AdamW(std::vector<Tensor> params, double lr, AdamWOptions o) : Optimizer(std::move(params), lr), opt(o) {}

void AdamW::step() {
  autograd::NoGradGuard ng;
  ++steps_;
  const rule::AdamWHyper h{lr_, opt.beta1, opt.beta2, opt.eps, opt.weight_decay, steps_};
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    const Tensor g = checked_grad(p);
    const Tensor m = buffer(i, "exp_avg"), v = buffer(i, "exp_avg_sq");
    if (p.device().is_cuda()) {
      kernels::cuda::adamw_step(p, g, m, v, h);
    } else {
      dispatch_float(p, [&](auto tag) {
        using T = decltype(tag);
        T* w = p.data<T>();
        T* mp = m.data<T>();
        T* vp = v.data<T>();
        const T* gp = g.data<T>();
        const auto c = rule::adamw_coefficients<T>(h);
        const int64_t n = p.numel();
#pragma omp parallel for if (n > 65536)
        for (int64_t k = 0; k < n; ++k) rule::adamw_update(w[k], gp[k], mp[k], vp[k], c);
      });
    }
    p.bump_version();
  }
}

LARS::LARS(std::vector<Tensor> params, std::vector<bool> excluded, double lr, LARSOptions o)
    : Optimizer(std::move(params), lr), opt(o), excluded_(std::move(excluded)) {
  FB_CHECK(excluded_.size() == params_.size(), "LARS: ", excluded_.size(), " exclusion flags for ", params_.size(),
           " parameters");
}

void LARS::step() {
  autograd::NoGradGuard ng;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    const Tensor g = checked_grad(p);
    const rule::LarsHyper h{lr_, opt.momentum, opt.weight_decay, opt.trust_coefficient, opt.eps, !excluded_[i],
                            !has_buffer(i, "momentum_buffer")};
    const Tensor buf = buffer(i, "momentum_buffer");
    if (p.device().is_cuda()) {
      kernels::cuda::lars_step(p, g, buf, h);
    } else {
      dispatch_float(p, [&](auto tag) {
        using T = decltype(tag);
        T* w = p.data<T>();
        T* b = buf.data<T>();
        const T* gp = g.data<T>();
        const int64_t n = p.numel();
        const T scale = static_cast<T>(h.adapt ? rule::lars_trust_ratio(norm2(w, n), norm2(gp, n), h) : 1.0);
        const auto c = rule::lars_coefficients<T>(h);
#pragma omp parallel for if (n > 65536)
        for (int64_t k = 0; k < n; ++k) rule::lars_update(w[k], gp[k], b[k], scale, c);
      });
    }
    p.bump_version();
  }
  ++steps_;
}

std::vector<bool> lars_exclusions(const NamedTensors& named_params) {
  std::vector<bool> out;
  for (const auto& [n, t] : named_params) out.push_back(t.dim() <= 1);
  return out;
}

double cosine_with_warmup(int64_t step, int64_t total, int64_t warmup, double base, double warmup_start,
                          double final_lr) {
  if (step < warmup) return warmup_start + (base - warmup_start) * static_cast<double>(step) / warmup;
  int64_t span = std::max<int64_t>(total - warmup, 1);
  double t = std::min(1.0, static_cast<double>(step - warmup) / span);
  return final_lr + 0.5 * (base - final_lr) * (1 + std::cos(M_PI * t));
}

double step_decay(int64_t step, int64_t step_size, double gamma, double base) {
  FB_CHECK(step_size > 0, "step_decay: step_size must be positive");
  return base * std::pow(gamma, static_cast<double>(step / step_size));
}

}  // namespace fb::nn
