#include "autograd/engine.h"

#include <unordered_map>
#include <vector>

#include "autograd/anomaly_mode.h"
#include "autograd/grad_mode.h"
#include "autograd/grad_ready.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace fb::autograd {

void backward(const Tensor& root, const Tensor& grad) {
  FB_CHECK(root.requires_grad(), "backward: the tensor does not require grad (no input of the graph that made it "
                                 "requires grad, or it was computed under NoGradGuard)");
  Tensor g = grad;
  if (!g.defined()) {
    FB_CHECK(root.numel() == 1, "backward: a gradient must be given for a non-scalar root of shape ",
             shape_str(root.shape()));
    g = ones(root.shape(), root.dtype(), root.device());
  }
  FB_CHECK(g.shape() == root.shape(), "backward: gradient shape ", shape_str(g.shape()), " differs from root shape ",
           shape_str(root.shape()));
  NoGradGuard no_grad;  // backward formulas are not themselves recorded
  const bool anomaly = anomaly_mode_enabled();

  std::shared_ptr<Node> start = root.is_leaf() ? grad_accumulator(root) : root.grad_fn();
  int start_nr = root.is_leaf() ? 0 : root.impl().output_nr;

  // Count, for each node, how many edges lead into it from reachable nodes.
  std::unordered_map<Node*, int> pending;
  std::vector<Node*> stack{start.get()};
  std::unordered_map<Node*, bool> seen{{start.get(), true}};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges) {
      if (!e.node) continue;
      pending[e.node.get()]++;
      if (!seen[e.node.get()]) {
        seen[e.node.get()] = true;
        stack.push_back(e.node.get());
      }
    }
  }

  // Gradients flowing into each node's outputs, summed as they arrive.
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto deposit = [&](Node* n, int nr, const Tensor& t) {
    auto& buf = buffers[n];
    if (buf.size() < n->output_shapes.size()) buf.resize(n->output_shapes.size());
    if (!buf[nr].defined()) {
      buf[nr] = t;
    } else {
      buf[nr] = ops::add(buf[nr], t);
    }
  };
  deposit(start.get(), start_nr, g);

  // Kahn's algorithm: a node runs once every consumer has sent its gradient.
  std::vector<std::shared_ptr<Node>> ready{start};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.back();
    ready.pop_back();
    std::vector<Tensor> grads = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    grads.resize(node->output_shapes.size());
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].defined())
        grads[i] = zeros(node->output_shapes[i], node->output_dtypes[i], node->output_devices[i]);

    std::vector<Tensor> in_grads = node->apply(grads);
    // A leaf's AccumulateGrad runs once, after every gradient into it has arrived.
    if (auto* acc = dynamic_cast<AccumulateGrad*>(node.get()))
      if (auto leaf = acc->leaf.lock()) notify_grad_ready(leaf.get());
    if (anomaly) check_backward(node->name(), grads, in_grads);
    FB_CHECK(in_grads.size() == node->next_edges.size() || node->next_edges.empty(), "backward of ", node->name(),
             ": returned ", in_grads.size(), " gradients for ", node->next_edges.size(), " inputs");
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.node) continue;
      const Tensor& gi = in_grads[i];
      if (gi.defined()) {
        FB_CHECK(gi.shape() == node->input_shapes[i], "backward of ", node->name(), ": gradient of input ", i,
                 " has shape ", shape_str(gi.shape()), ", expected ", shape_str(node->input_shapes[i]));
        deposit(e.node.get(), e.input_nr, gi);
      }
      if (--pending[e.node.get()] == 0) ready.push_back(e.node);
    }
  }
}

}  // namespace fb::autograd
