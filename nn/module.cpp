#include "nn/module.h"

#include <map>
#include <set>
#include <sstream>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace fb::nn {

Tensor Module::forward(const Tensor&) { FB_FAIL("this module does not take a single input tensor"); }

void Module::collect(const std::string& prefix, NamedTensors* params, NamedTensors* buffers,
                     NamedTensors* state) const {
  for (const auto& [n, t] : params_) {
    if (params) params->emplace_back(prefix + n, t);
    if (state) state->emplace_back(prefix + n, t);
  }
  for (const auto& [n, t] : buffers_) {
    if (buffers) buffers->emplace_back(prefix + n, t);
    if (state) state->emplace_back(prefix + n, t);
  }
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", params, buffers, state);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", &out, nullptr, nullptr);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", nullptr, &out, nullptr);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", nullptr, nullptr, &out);
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors mine = state_dict();
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : state) given[n] = &t;
  std::vector<std::string> missing, unexpected;
  std::set<std::string> known;
  for (const auto& [n, t] : mine) {
    known.insert(n);
    if (!given.count(n)) missing.push_back(n);
  }
  for (const auto& [n, t] : state)
    if (!known.count(n)) unexpected.push_back(n);
  if (strict && (!missing.empty() || !unexpected.empty())) {
    std::ostringstream os;
    os << "load_state_dict: keys do not match.";
    auto list = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      os << " " << what << " (" << v.size() << "):";
      for (size_t i = 0; i < v.size() && i < 10; ++i) os << " " << v[i];
      if (v.size() > 10) os << " ...";
      os << ".";
    };
    list("Missing", missing);
    list("Unexpected", unexpected);
    FB_FAIL(os.str());
  }
  autograd::NoGradGuard ng;
  for (const auto& [n, t] : mine) {
    auto it = given.find(n);
    if (it == given.end()) continue;
    const Tensor& src = *it->second;
    FB_CHECK(src.shape() == t.shape(), "load_state_dict: ", n, " has shape ", shape_str(src.shape()),
             " in the checkpoint but ", shape_str(t.shape()), " in the model");
    copy_into(t, src);
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.impl().grad.reset();
}

namespace {
// Points t (and so every handle to it) at the contiguous tensor c, which holds
// its values in another dtype or on another device; drops the gradient.
void replace_in_place(const Tensor& t, const Tensor& c) {
  auto& impl = t.impl();
  impl.storage = c.storage();
  impl.strides = c.strides();
  impl.offset = c.offset();
  impl.dtype = c.dtype();
  impl.grad.reset();
}
}  // namespace

void Module::to(DType dtype) {
  auto convert = [dtype](const Tensor& t) {
    if (!is_floating(t.dtype()) || t.dtype() == dtype) return;
    replace_in_place(t, t.to(dtype));
  };
  for (auto& [n, t] : params_) convert(t);
  for (auto& [n, t] : buffers_) convert(t);
  for (auto& [n, c] : children_) c->to(dtype);
}

void Module::to(Device device) {
  auto move = [device](const Tensor& t) {
    if (!t.defined() || t.device() == device) return;
    replace_in_place(t, t.to(device));
  };
  for (auto& [n, t] : params_) move(t);
  for (auto& [n, t] : buffers_) move(t);
  for (auto& [n, c] : children_) c->to(device);
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_)
    if (n == name) return c;
  FB_FAIL("module has no child named '", name, "'");
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  if (t.defined() && !t.requires_grad()) t.set_requires_grad(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, t);
  return t;
}

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().set_state(seed, 0); }

}  // namespace fb::nn
