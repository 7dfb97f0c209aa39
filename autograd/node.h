#pragma once
// The graph: each differentiable op that ran with grad enabled leaves a Node
// whose edges point to the nodes that produced its inputs (or to the
// AccumulateGrad node of a leaf). backward() walks it in reverse.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace fb::autograd {

struct Node;

struct Edge {
  std::shared_ptr<Node> node;  // null: this input needs no gradient
  int input_nr = 0;            // which output of `node` the input was
};

struct Node {
  virtual ~Node() = default;
  // Given the gradient of each of this node's outputs, returns the gradient
  // of each of its inputs (undefined where an input needs none).
  virtual std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) = 0;
  virtual std::string name() const = 0;

  std::vector<Edge> next_edges;   // one per input
  std::vector<Shape> input_shapes;  // to check the shapes of returned gradients
  std::vector<Shape> output_shapes;
  std::vector<DType> output_dtypes;
  std::vector<Device> output_devices;  // where the zero gradient of an unused output is made
};

// The sink for a leaf tensor: adds incoming gradients into its .grad.
struct AccumulateGrad : Node {
  std::weak_ptr<TensorImpl> leaf;
  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }
};

using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

// A node whose backward is a closure (how every op in nn/functional is written).
struct FunctionNode : Node {
  std::string op_name;
  BackwardFn backward;
  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override { return backward(grad_outputs); }
  std::string name() const override { return op_name; }
};

// True when grad mode is on and some input requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Connects `outputs` to the graph as results of op `name` applied to `inputs`.
// `backward` receives one gradient per output (zeros where an output was not
// used) and returns one per input. Does nothing when no input requires grad.
// Capture only SavedTensor or detached tensors in `backward`: capturing an
// output itself would keep the graph alive forever through a cycle.
void record(const std::string& name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
            BackwardFn backward);

// A tensor kept for backward. Remembers the storage version when saved, so a
// later in-place write to it is reported instead of giving wrong gradients.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, const char* op) : t_(t.defined() ? t.detach() : t), op_(op) {
    if (t_.defined()) version_ = t_.version();
  }
  const Tensor& get() const;

 private:
  Tensor t_;
  const char* op_ = "";
  uint64_t version_ = 0;
};

// The AccumulateGrad node of a leaf that requires grad (created once, reused).
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

}  // namespace fb::autograd
