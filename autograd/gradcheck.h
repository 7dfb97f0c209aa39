#pragma once
// gradcheck: compares the gradients from backward() with central finite
// differences, in double precision. The function's output is reduced with a
// fixed random cotangent r (L = sum(f(x) * r)), so every output element
// contributes to the check while the cost stays one backward per call.
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace fb::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
  uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;  // over all checked input elements
  int64_t checked = 0;       // number of input elements perturbed
  std::string report;        // first mismatches, when not ok
};

// `inputs` must be f64 leaves; those with requires_grad are checked.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt = {});

}  // namespace fb::autograd
