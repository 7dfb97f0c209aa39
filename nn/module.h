#pragma once
// Module: a node of the model tree. It owns named parameters (trainable) and
// buffers (running statistics, counters) and named children; names compose
// with dots exactly as in PyTorch ("layer1.0.conv1.weight"), so state dicts
// move between facebench and PyTorch unchanged.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace fb::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;

  // Single-input modules override this; containers call it.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Recursive, in registration order, with dotted names.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Parameters and buffers in PyTorch's state_dict order (per module: its own
  // parameters, then its own buffers, then each child).
  NamedTensors state_dict() const;
  // Copies values into this module's tensors (converting dtype). strict: the
  // names must match exactly; otherwise unmatched names are ignored. Shapes
  // must always match. Errors list the missing and unexpected names.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();
  // Converts every parameter and buffer of floating dtype (in place: all
  // handles to them see the change).
  void to(DType dtype);
  // Moves every parameter and buffer to `device` (in place, as above); any
  // gradient is dropped. Modules are built on the CPU and then moved.
  void to(Device device);

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }
  std::shared_ptr<Module> child(const std::string& name) const;

 protected:
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void collect(const std::string& prefix, NamedTensors* params, NamedTensors* buffers, NamedTensors* state) const;
  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// The generator that module constructors draw initial weights from.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace fb::nn
