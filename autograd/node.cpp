#include "autograd/node.h"

#include "autograd/anomaly_mode.h"
#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace fb::autograd {

std::vector<Tensor> AccumulateGrad::apply(const std::vector<Tensor>& grad_outputs) {
  auto impl = leaf.lock();
  if (!impl) return {};  // the leaf is gone; nobody can read its gradient
  const Tensor& g = grad_outputs.at(0);
  if (!impl->grad) {
    impl->grad = g.contiguous().clone().impl_ptr();
  } else {
    add_(Tensor(impl->grad), g);
  }
  return {};
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  auto& impl = leaf.impl();
  if (auto existing = impl.grad_accumulator.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>();
  acc->leaf = leaf.impl_ptr();
  acc->input_shapes = {};
  acc->output_shapes = {leaf.shape()};
  acc->output_dtypes = {leaf.dtype()};
  acc->output_devices = {leaf.device()};
  impl.grad_accumulator = acc;
  return acc;
}

void record(const std::string& name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
            BackwardFn backward) {
  // Checked whether or not a graph is recorded: a NaN made under NoGradGuard is as much a bug.
  if (anomaly_mode_enabled()) check_forward(name, inputs, outputs);
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<FunctionNode>();
  node->op_name = name;
  node->backward = std::move(backward);
  for (const auto& t : inputs) {
    Edge e;
    if (t.defined() && t.requires_grad()) {
      if (t.is_leaf()) {
        e.node = grad_accumulator(t);
        e.input_nr = 0;
      } else {
        e.node = t.grad_fn();
        e.input_nr = t.impl().output_nr;
      }
    }
    node->next_edges.push_back(e);
    node->input_shapes.push_back(t.defined() ? t.shape() : Shape{});
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto& impl = outputs[i].impl();
    impl.requires_grad = true;
    impl.grad_fn = node;
    impl.output_nr = static_cast<int>(i);
    node->output_shapes.push_back(impl.shape);
    node->output_dtypes.push_back(impl.dtype);
    node->output_devices.push_back(impl.storage->device);
  }
}

const Tensor& SavedTensor::get() const {
  FB_CHECK(!t_.defined() || t_.version() == version_, op_,
           ": a tensor saved for backward was modified in place after it was saved (version ", version_, " -> ",
           t_.version(), "); clone it before modifying it");
  return t_;
}

}  // namespace fb::autograd
