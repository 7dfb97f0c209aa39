#pragma once
// The per-element update rules of the optimizers of nn/optim.h (PyTorch's
// rules), shared by the CPU loops (nn/optim.cpp) and the CUDA kernels
// (kernels/cuda/optim.cu): both cast the hyper-parameters to the parameter's
// precision the same way and run the same arithmetic in the same order, so a
// step on the GPU matches the CPU's to rounding (the compilers may contract
// a * b + c into a fused multiply-add at different places).
//
// Plain C++ that nvcc also compiles for the device.
#include <cmath>
#include <cstdint>

#include "tensor/host_device.h"

namespace fb::kernels::optim {

FB_HOST_DEVICE inline float square_root(float x) { return sqrtf(x); }
FB_HOST_DEVICE inline double square_root(double x) { return sqrt(x); }

// ---- SGD: d = g + wd w; with momentum b = first ? d : mom b + (1 - dampening) d
//      and d = nesterov ? d + mom b : b; then w -= lr d.
struct SgdHyper {
  double lr, weight_decay, momentum, dampening;
  bool nesterov;
  bool first_step;  // the momentum buffer is still empty: it takes d as is
};
template <typename T>
struct SgdCoefficients {
  T lr, weight_decay, momentum, one_minus_dampening;
  bool nesterov, first_step;
};
template <typename T>
SgdCoefficients<T> sgd_coefficients(const SgdHyper& h) {
  return {static_cast<T>(h.lr), static_cast<T>(h.weight_decay), static_cast<T>(h.momentum),
          static_cast<T>(1 - h.dampening), h.nesterov, h.first_step};
}
// `b` is the element's momentum buffer, null without momentum.
template <typename T>
FB_HOST_DEVICE inline void sgd_update(T& w, T g, T* b, const SgdCoefficients<T>& c) {
  T d = g + c.weight_decay * w;
  if (b) {
    *b = c.first_step ? d : c.momentum * *b + c.one_minus_dampening * d;
    d = c.nesterov ? d + c.momentum * *b : *b;
  }
  w -= c.lr * d;
}

// ---- AdamW (decoupled weight decay), at step t >= 1:
//   w *= 1 - lr wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
struct AdamWHyper {
  double lr, beta1, beta2, eps, weight_decay;
  int64_t step;  // t, counted from 1
};
template <typename T>
struct AdamWCoefficients {
  T beta1, beta2, decay, step_size, sqrt_bias_correction2, eps;
};
template <typename T>
AdamWCoefficients<T> adamw_coefficients(const AdamWHyper& h) {
  const double t = static_cast<double>(h.step);
  const double bc1 = 1 - std::pow(h.beta1, t), bc2 = 1 - std::pow(h.beta2, t);
  return {static_cast<T>(h.beta1),    static_cast<T>(h.beta2),        static_cast<T>(1 - h.lr * h.weight_decay),
          static_cast<T>(h.lr / bc1), static_cast<T>(std::sqrt(bc2)), static_cast<T>(h.eps)};
}
template <typename T>
FB_HOST_DEVICE inline void adamw_update(T& w, T g, T& m, T& v, const AdamWCoefficients<T>& c) {
  w *= c.decay;
  m = c.beta1 * m + (1 - c.beta1) * g;
  v = c.beta2 * v + (1 - c.beta2) * g * g;
  w -= c.step_size * m / (square_root(v) / c.sqrt_bias_correction2 + c.eps);
}

// ---- LARS: SGD with momentum whose step is scaled by the trust ratio
//   s = trust ||w|| / (||g|| + wd ||w|| + eps)   (1 when not adapted, or when
//   either norm is 0); d = (g + wd w) s; b = first ? d : mom b + d; w -= lr b.
// A parameter that is not adapted gets no weight decay either.
struct LarsHyper {
  double lr, momentum, weight_decay, trust_coefficient, eps;
  bool adapt;
  bool first_step;
};
// The trust ratio from the two norms, in double.
FB_HOST_DEVICE inline double lars_trust_ratio(double w_norm, double g_norm, const LarsHyper& h) {
  if (!h.adapt || !(w_norm > 0 && g_norm > 0)) return 1.0;
  return h.trust_coefficient * w_norm / (g_norm + h.weight_decay * w_norm + h.eps);
}
template <typename T>
struct LarsCoefficients {
  T lr, weight_decay, momentum;
  bool first_step;
};
template <typename T>
LarsCoefficients<T> lars_coefficients(const LarsHyper& h) {
  return {static_cast<T>(h.lr), static_cast<T>(h.adapt ? h.weight_decay : 0.0), static_cast<T>(h.momentum),
          h.first_step};
}
// `scale` is the trust ratio cast to T.
template <typename T>
FB_HOST_DEVICE inline void lars_update(T& w, T g, T& b, T scale, const LarsCoefficients<T>& c) {
  const T d = (g + c.weight_decay * w) * scale;
  b = c.first_step ? d : c.momentum * b + d;
  w -= c.lr * b;
}

}  // namespace fb::kernels::optim
