#pragma once
// Optimizer steps for parameters that live on a CUDA device (the CUDA path of
// nn/optim.cpp): one fused kernel launch per parameter and update rule, with
// the per-element arithmetic of kernels/optim_update.h, on the current
// stream. None of these synchronises with the host.
//
// Requires: w, g and the buffers contiguous, of one shape, one CUDA device and
// one dtype (f32 or f64). Plain C++: no CUDA headers.
#include "kernels/optim_update.h"
#include "tensor/tensor.h"

namespace fb::kernels::cuda {

// momentum_buffer: undefined when h.momentum == 0.
void sgd_step(const Tensor& w, const Tensor& g, const Tensor& momentum_buffer, const optim::SgdHyper& h);
void adamw_step(const Tensor& w, const Tensor& g, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const optim::AdamWHyper& h);
// With h.adapt, ||w|| and ||g|| are summed on the device in f64 (fixed
// block partial sums added in a fixed order: deterministic, no atomics) and
// the trust ratio stays on the device.
void lars_step(const Tensor& w, const Tensor& g, const Tensor& momentum_buffer, const optim::LarsHyper& h);

}  // namespace fb::kernels::cuda
