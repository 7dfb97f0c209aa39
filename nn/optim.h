#pragma once
// Optimizers (update rules identical to PyTorch's) and learning-rate
// schedules. Each step runs one fused pass per parameter over its data,
// outside the autograd graph: an OpenMP loop for host parameters, a CUDA
// kernel for parameters on a GPU (their gradients and state live there too).
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace fb::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  int64_t steps() const { return steps_; }
  // Per-parameter state (momentum buffers, moments) and the step count, for
  // checkpoints; names are "<param index>.<buffer>". state() gives host
  // tensors (CUDA buffers are copied); load_state() puts each buffer on its
  // parameter's device.
  NamedTensors state() const;
  void load_state(const NamedTensors& s);

 protected:
  // The named buffer of parameter i, created as zeros on first use.
  Tensor& buffer(size_t i, const std::string& name);
  bool has_buffer(size_t i, const std::string& name) const;
  std::vector<Tensor> params_;
  double lr_;
  int64_t steps_ = 0;

 private:
  std::vector<std::vector<std::pair<std::string, Tensor>>> buffers_;
};

struct SGDOptions {
  double momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, double lr, SGDOptions o = {});
  void step() override;
  SGDOptions opt;
};

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 1e-2;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, double lr, AdamWOptions o = {});
  void step() override;
  AdamWOptions opt;
};

struct LARSOptions {
  double momentum = 0.9, weight_decay = 1e-6;
  double trust_coefficient = 1e-3, eps = 1e-8;
};

// LARS: SGD with momentum whose per-parameter step is scaled by
// trust * ||w|| / (||g|| + wd ||w||). Parameters flagged `excluded` (batch
// norm and biases, see lars_exclusions) get neither the adaptation nor weight decay.
class LARS : public Optimizer {
 public:
  LARS(std::vector<Tensor> params, std::vector<bool> excluded, double lr, LARSOptions o = {});
  void step() override;
  LARSOptions opt;

 private:
  std::vector<bool> excluded_;
};

// True for the 1-D parameters (batch-norm weights/biases, all biases).
std::vector<bool> lars_exclusions(const NamedTensors& named_params);

// Learning rate at a step: linear warm-up from `warmup_start` to `base` over
// `warmup_steps`, then cosine from `base` to `final_lr` at `total_steps`.
double cosine_with_warmup(int64_t step, int64_t total_steps, int64_t warmup_steps, double base,
                          double warmup_start = 0.0, double final_lr = 0.0);
// base * gamma^(step / step_size).
double step_decay(int64_t step, int64_t step_size, double gamma, double base);

}  // namespace fb::nn
