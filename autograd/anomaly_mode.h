#pragma once
// Anomaly mode: finding the op that produced the first NaN or infinity.
//
// When it is on, every differentiable op checks its forward outputs as it
// records them, and backward() checks every gradient a node returns. The
// first NaN or +-inf throws fb::Error naming the op (the node name, e.g.
// "log"), the output or input it was in, its shape and the element index, and
// whether the op's own inputs (or incoming gradient) were still finite - i.e.
// whether this op is where the values went bad. Ops whose outputs may hold
// infinities on purpose would be reported too: the mode is for debugging a
// diverging run, not for production training (every check copies the tensor
// to the host and scans it).
//
// It is off by default. FB_ANOMALY=1 in the environment turns it on for the
// whole process (read once, at the first check); AnomalyModeGuard turns it on
// or off in a scope. The switch is process-wide, not per thread.
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace fb::autograd {

bool anomaly_mode_enabled();
void set_anomaly_mode_enabled(bool on);

class AnomalyModeGuard {
 public:
  explicit AnomalyModeGuard(bool on = true) : prev_(anomaly_mode_enabled()) { set_anomaly_mode_enabled(on); }
  ~AnomalyModeGuard() { set_anomaly_mode_enabled(prev_); }
  AnomalyModeGuard(const AnomalyModeGuard&) = delete;
  AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

 private:
  bool prev_;
};

// The checks themselves (called by record() and backward() when the mode is
// on). Undefined and non-floating tensors pass.
//   throws: fb::Error "anomaly mode: op '<op>' produced nan in its output 0 ..."
void check_forward(const std::string& op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs);
//   throws: fb::Error "anomaly mode: backward of op '<op>' produced inf in the gradient of its input 1 ..."
void check_backward(const std::string& op, const std::vector<Tensor>& grad_outputs,
                    const std::vector<Tensor>& grad_inputs);

}  // namespace fb::autograd
