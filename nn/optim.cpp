#include "nn/optim.h"

#include <cmath>

#include "autograd/grad_mode.h"
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
  buffers_[i].emplace_back(name, zeros(params_[i].shape(), params_[i].dtype()));
  return buffers_[i].back().second;
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace_back("steps", scalar(static_cast<double>(steps_), DType::i64));
  for (size_t i = 0; i < buffers_.size(); ++i)
    for (const auto& [n, t] : buffers_[i]) out.emplace_back(std::to_string(i) + "." + n, t);
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
    buffers_[i].emplace_back(name.substr(dot + 1), t.to(params_[i].dtype()).clone());
  }
}

namespace {
// Runs f(T* p, const T* g, n) over parameter data for f32 or f64.
template <typename F>
void with_data(const Tensor& p, const Tensor& g, F f) {
  // The updates below run on the CPU through host pointers.
  FB_CHECK(p.device().is_cpu() && g.device().is_cpu(), "optimizer: parameter on ", p.device().str(),
           " with gradient on ", g.device().str(), ": only CPU parameters are supported so far");
  FB_CHECK(g.shape() == p.shape(), "optimizer: gradient shape ", shape_str(g.shape()), " differs from parameter ",
           shape_str(p.shape()));
  Tensor gc = g.contiguous();
  if (p.dtype() == DType::f32) {
    f(p.data<float>(), gc.data<float>(), p.numel());
  } else if (p.dtype() == DType::f64) {
    f(p.data<double>(), gc.data<double>(), p.numel());
  } else {
    FB_FAIL("optimizer: parameters must be f32 or f64, got ", dtype_name(p.dtype()));
  }
}

template <typename T>
T* as(const Tensor& t) {
  return t.data<T>();
}

template <typename T>
double norm2(const T* x, int64_t n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s);
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, double lr, SGDOptions o) : Optimizer(std::move(params), lr), opt(o) {
  FB_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD: nesterov needs momentum > 0 and no dampening");
}

void SGD::step() {
  autograd::NoGradGuard ng;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    bool first = !has_buffer(i, "momentum_buffer");
    Tensor buf = opt.momentum != 0 ? buffer(i, "momentum_buffer") : Tensor();
    with_data(p, p.grad(), [&](auto* w, const auto* g, int64_t n) {
      using T = std::remove_pointer_t<decltype(w)>;
      T* b = buf.defined() ? as<T>(buf) : nullptr;
      const T lr = static_cast<T>(lr_), wd = static_cast<T>(opt.weight_decay), mom = static_cast<T>(opt.momentum),
              damp = static_cast<T>(1 - opt.dampening);
#pragma omp parallel for if (n > 65536)
      for (int64_t k = 0; k < n; ++k) {
        T d = g[k] + wd * w[k];
        if (b) {
          b[k] = first ? d : mom * b[k] + damp * d;
          d = opt.nesterov ? d + mom * b[k] : b[k];
        }
        w[k] -= lr * d;
      }
    });
    p.bump_version();
  }
  ++steps_;
}

AdamW::AdamW(std::vector<Tensor> params, double lr, AdamWOptions o) : Optimizer(std::move(params), lr), opt(o) {}

void AdamW::step() {
  autograd::NoGradGuard ng;
  ++steps_;
  const double bc1 = 1 - std::pow(opt.beta1, steps_), bc2 = 1 - std::pow(opt.beta2, steps_);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor m = buffer(i, "exp_avg"), v = buffer(i, "exp_avg_sq");
    with_data(p, p.grad(), [&](auto* w, const auto* g, int64_t n) {
      using T = std::remove_pointer_t<decltype(w)>;
      T* mp = as<T>(m);
      T* vp = as<T>(v);
      const T b1 = static_cast<T>(opt.beta1), b2 = static_cast<T>(opt.beta2);
      const T decay = static_cast<T>(1 - lr_ * opt.weight_decay);
      const T step = static_cast<T>(lr_ / bc1), sq = static_cast<T>(std::sqrt(bc2)), eps = static_cast<T>(opt.eps);
#pragma omp parallel for if (n > 65536)
      for (int64_t k = 0; k < n; ++k) {
        w[k] *= decay;
        mp[k] = b1 * mp[k] + (1 - b1) * g[k];
        vp[k] = b2 * vp[k] + (1 - b2) * g[k] * g[k];
        w[k] -= step * mp[k] / (std::sqrt(vp[k]) / sq + eps);
      }
    });
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
    bool first = !has_buffer(i, "momentum_buffer");
    Tensor buf = buffer(i, "momentum_buffer");
    bool adapt = !excluded_[i];
    with_data(p, p.grad(), [&](auto* w, const auto* g, int64_t n) {
      using T = std::remove_pointer_t<decltype(w)>;
      T* b = as<T>(buf);
      double wd = adapt ? opt.weight_decay : 0.0, scale = 1.0;
      if (adapt) {
        double wn = norm2(w, n), gn = norm2(g, n);
        if (wn > 0 && gn > 0) scale = opt.trust_coefficient * wn / (gn + wd * wn + opt.eps);
      }
      const T lr = static_cast<T>(lr_), s = static_cast<T>(scale), wdt = static_cast<T>(wd),
              mom = static_cast<T>(opt.momentum);
#pragma omp parallel for if (n > 65536)
      for (int64_t k = 0; k < n; ++k) {
        T d = (g[k] + wdt * w[k]) * s;
        b[k] = first ? d : mom * b[k] + d;
        w[k] -= lr * b[k];
      }
    });
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
