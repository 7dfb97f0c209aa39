#pragma once
// Tensor: a strided view (shape, strides, offset, dtype) of a shared Storage,
// plus the autograd fields that the graph engine (autograd/) reads and writes.
//
// Methods of Tensor and the functions of tensor/ops.h never record gradients.
// The differentiable operations are the free functions of nn/functional.h
// (fb::add, fb::reshape, fb::conv2d, ...); use those on tensors that require grad.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/storage.h"

namespace fb {

namespace autograd {
struct Node;
}

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::f32;

  // Autograd fields. grad_fn is the node that produced this tensor (null for
  // leaves); output_nr says which of that node's outputs it is.
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;
  int output_nr = 0;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: reused AccumulateGrad node
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new tensor with uninitialised memory.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  // A view on an existing storage.
  static Tensor view_of(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset,
                        DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t numel() const { return shape_numel(impl().shape); }
  int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }
  // Normalises a possibly negative dimension index, with a clear error.
  int64_t wrap_dim(int64_t dim) const;

  // Pointer to the first element (the view's offset applied). Checks the dtype.
  template <typename T> T* data() const {
    FB_CHECK(dtype() == dtype_of<T>::value, "tensor has dtype ", dtype_name(dtype()),
             ", accessed as ", dtype_name(dtype_of<T>::value));
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  // The single value of a one-element tensor, converted to double.
  double item() const;
  // Copies the elements (in row-major order) into a vector of T (converting).
  template <typename T> std::vector<T> to_vector() const;

  // --- views (share storage; never copy) ---
  Tensor reshape(const Shape& shape) const;  // copies only when a view is impossible
  Tensor view(const Shape& shape) const;     // fails when a view is impossible
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;  // drops dim
  Tensor expand(const Shape& shape) const;           // broadcast (stride 0)
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;

  // --- copies ---
  Tensor contiguous() const;  // itself if already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor detach() const;  // shares storage, no autograd history

  // --- autograd fields (the engine lives in autograd/) ---
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  Tensor& set_requires_grad(bool r);
  Tensor grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl().grad_fn; }
  bool is_leaf() const { return impl().grad_fn == nullptr; }

  // Marks an in-place write (views share the counter through the storage).
  void bump_version() const { impl().storage->version++; }
  uint64_t version() const { return impl().storage->version; }

  TensorImpl& impl() const {
    FB_CHECK(impl_ != nullptr, "use of an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  std::string str() const;  // "Tensor[f32 2x3 cpu]" plus the first values

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Copies that involve a non-CPU tensor (host<->device, device<->device) are
// delegated to the device backend, which registers this hook when it starts
// (fb::cuda::init()). copy_into() validates shapes and bumps the version.
using DeviceCopyFn = void (*)(const Tensor& dst, const Tensor& src);
void register_device_copy(DeviceCopyFn fn);

}  // namespace fb
