#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace fb::autograd {

namespace {
// L(x) = sum(f(x) * r), evaluated without recording.
double projected(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                 const Tensor& r) {
  NoGradGuard ng;
  Tensor y = f(inputs);
  return ops::sum(ops::mul(y.to(DType::f64), r)).item();
}
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  for (const auto& x : inputs)
    FB_CHECK(!x.defined() || x.dtype() == DType::f64, "gradcheck: inputs must be f64, got ",
             dtype_name(x.dtype()));
  GradcheckResult res;

  // Analytical gradients.
  for (const auto& x : inputs)
    if (x.defined() && x.requires_grad()) x.impl().grad.reset();
  Tensor y = f(inputs);
  FB_CHECK(y.requires_grad(), "gradcheck: the output does not require grad");
  Generator gen(opt.seed);
  Tensor r = randn(y.shape(), gen, DType::f64);
  backward(y, r.to(y.dtype()));

  std::ostringstream report;
  int shown = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    FB_CHECK(x.is_contiguous(), "gradcheck: input ", i, " must be contiguous");
    Tensor analytic = x.grad().defined() ? x.grad() : zeros(x.shape(), DType::f64);
    std::vector<double> ga = analytic.to_vector<double>();
    double* p = x.data<double>();
    for (int64_t k = 0; k < x.numel(); ++k) {
      double orig = p[k];
      p[k] = orig + opt.eps;
      double lp = projected(f, inputs, r);
      p[k] = orig - opt.eps;
      double lm = projected(f, inputs, r);
      p[k] = orig;
      double numeric = (lp - lm) / (2 * opt.eps);
      double err = std::fabs(numeric - ga[k]);
      res.max_abs_error = std::max(res.max_abs_error, err);
      res.checked++;
      if (!(err <= opt.atol + opt.rtol * std::fabs(numeric))) {
        res.ok = false;
        if (shown++ < 5)
          report << "input " << i << " element " << k << ": analytic " << ga[k] << " numeric " << numeric << "\n";
      }
    }
  }
  res.report = report.str();
  return res;
}

}  // namespace fb::autograd
