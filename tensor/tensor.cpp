#include "tensor/tensor.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <sstream>

#include "tensor/cuda/runtime.h"
#include "tensor/strided_loop.h"

namespace fb {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(s.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) FB_CHECK(d >= 0, "empty: negative dimension in shape ", shape_str(shape));
  if (device.is_cuda()) cuda::init();  // registers the device allocator (once), or says why there is none
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype) {
  FB_CHECK(shape.size() == strides.size(), "view_of: shape ", shape_str(shape), " and strides ",
           shape_str(strides), " differ in rank");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::wrap_dim(int64_t d) const {
  int64_t n = dim();
  FB_CHECK(d >= -n && d < n, "dimension ", d, " out of range for a tensor of shape ", shape_str(shape()));
  return d < 0 ? d + n : d;
}

int64_t Tensor::size(int64_t d) const { return shape()[wrap_dim(d)]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d)]; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // nothing to lay out
  int64_t acc = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != acc) return false;
    acc *= shape()[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset * static_cast<int64_t>(dtype_size(dtype()));
}

namespace {

// Copies src (any strides, any dtype) into dst (any strides) elementwise, converting.
template <typename D, typename S>
void copy_convert(const Tensor& dst, const Tensor& src) {
  D* d = static_cast<D*>(dst.storage()->data());
  const S* s = static_cast<const S*>(src.storage()->data());
  detail::strided_loop<2>(dst.shape(), {dst.strides(), src.strides()}, {dst.offset(), src.offset()},
                          [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& in) {
                            D* dp = d + o[0];
                            const S* sp = s + o[1];
                            if constexpr (std::is_same_v<D, S>) {
                              if (in[0] == 1 && in[1] == 1) {
                                std::memcpy(dp, sp, n * sizeof(D));
                                return;
                              }
                            }
                            for (int64_t i = 0; i < n; ++i) {
                              if constexpr (std::is_same_v<D, bf16> || std::is_same_v<S, bf16>)
                                dp[i * in[0]] = static_cast<D>(static_cast<float>(sp[i * in[1]]));
                              else
                                dp[i * in[0]] = static_cast<D>(sp[i * in[1]]);
                            }
                          });
}

}  // namespace

namespace {
DeviceCopyFn g_device_copy = nullptr;
}
void register_device_copy(DeviceCopyFn fn) { g_device_copy = fn; }

// Declared in tensor/ops.h as well; defined here because views and copies need it.
void copy_into(const Tensor& dst, const Tensor& src) {
  FB_CHECK(dst.shape() == src.shape(), "copy: destination shape ", shape_str(dst.shape()),
           " differs from source shape ", shape_str(src.shape()));
  if (!dst.device().is_cpu() || !src.device().is_cpu()) {
    FB_CHECK(g_device_copy != nullptr, "copy: tensors on ", src.device().str(), " -> ", dst.device().str(),
             " need the device backend (not built, or not initialised: call fb::cuda::init())");
    g_device_copy(dst, src);
    dst.bump_version();
    return;
  }
  dispatch_dtype(dst.dtype(), [&](auto dz) {
    dispatch_dtype(src.dtype(), [&](auto sz) { copy_convert<decltype(dz), decltype(sz)>(dst, src); });
  });
  dst.bump_version();
}

double Tensor::item() const {
  FB_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape()), " has ", numel(), " elements, not 1");
  Tensor c = to(Device::cpu()).to(DType::f64).contiguous();
  return *c.data<double>();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = to(Device::cpu()).to(dtype_of<T>::value).contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;

// --- views ---

namespace {
// Strides for viewing a tensor of (shape, strides) as new_shape without a copy,
// or an empty vector when impossible (same rule as PyTorch's view).
std::optional<Shape> view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  if (shape_numel(shape) == 0 || shape.empty()) return contiguous_strides(new_shape);
  // Walk the old dims from the innermost, grouping them into chunks that are
  // contiguous among themselves; each chunk must be covered by whole new dims.
  Shape out(new_shape.size());
  int64_t vi = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base = strides.back();  // stride of the chunk's innermost dim
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t ti = static_cast<int64_t>(shape.size()) - 1; ti >= 0; --ti) {
    tensor_numel *= shape[ti];
    bool chunk_ends = ti == 0 || (shape[ti - 1] != 1 && strides[ti - 1] != tensor_numel * chunk_base);
    if (!chunk_ends) continue;
    while (vi >= 0 && (view_numel < tensor_numel || new_shape[vi] == 1)) {
      out[vi] = view_numel * chunk_base;
      view_numel *= new_shape[vi];
      --vi;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (ti > 0) {
      chunk_base = strides[ti - 1];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (vi != -1) return std::nullopt;
  return out;
}

Shape infer_shape(const Shape& requested, int64_t numel) {
  Shape s = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      FB_CHECK(infer < 0, "reshape: only one dimension can be -1 in ", shape_str(requested));
      infer = static_cast<int64_t>(i);
    } else {
      FB_CHECK(s[i] >= 0, "reshape: invalid dimension in ", shape_str(requested));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    FB_CHECK(known != 0 && numel % known == 0, "reshape: cannot infer -1 in ", shape_str(requested), " for ",
             numel, " elements");
    s[infer] = numel / known;
  }
  FB_CHECK(shape_numel(s) == numel, "reshape: shape ", shape_str(requested), " is invalid for ", numel,
           " elements");
  return s;
}
}  // namespace

Tensor Tensor::view(const Shape& new_shape) const {
  Shape s = infer_shape(new_shape, numel());
  auto st = view_strides(shape(), strides(), s);
  FB_CHECK(st.has_value(), "view: cannot view a tensor of shape ", shape_str(shape()), " with strides ",
           shape_str(strides()), " as ", shape_str(s), " without a copy (use reshape)");
  return view_of(storage(), s, *st, offset(), dtype());
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  Shape s = infer_shape(new_shape, numel());
  auto st = view_strides(shape(), strides(), s);
  if (!st) return contiguous().view(s);
  return view_of(storage(), s, *st, offset(), dtype());
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  FB_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: ", dims.size(), " dims given for a tensor of shape ",
           shape_str(shape()));
  Shape s(dims.size()), st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i]);
    FB_CHECK(!seen[d], "permute: dimension ", d, " repeated");
    seen[d] = true;
    s[i] = shape()[d];
    st[i] = strides()[d];
  }
  return view_of(storage(), s, st, offset(), dtype());
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  std::vector<int64_t> p(dim());
  for (int64_t i = 0; i < dim(); ++i) p[i] = i;
  std::swap(p[wrap_dim(a)], p[wrap_dim(b)]);
  return permute(p);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d);
  FB_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = shape(), st = strides();
  s[d] = (end - start + step - 1) / step;
  st[d] = strides()[d] * step;
  return view_of(storage(), s, st, offset() + start * strides()[d], dtype());
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d);
  int64_t n = shape()[d];
  FB_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dimension ", d, " of size ", n);
  if (index < 0) index += n;
  Shape s = shape(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return view_of(storage(), s, st, offset() + index * strides()[d], dtype());
}

Tensor Tensor::expand(const Shape& target) const {
  FB_CHECK(static_cast<int64_t>(target.size()) >= dim(), "expand: cannot expand shape ", shape_str(shape()), " to ",
           shape_str(target));
  size_t lead = target.size() - shape().size();
  Shape st(target.size(), 0);
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) continue;
    int64_t have = shape()[i - lead];
    if (have == target[i]) {
      st[i] = strides()[i - lead];
    } else {
      FB_CHECK(have == 1, "expand: cannot expand shape ", shape_str(shape()), " to ", shape_str(target));
      st[i] = 0;
    }
  }
  return view_of(storage(), target, st, offset(), dtype());
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d);
  FB_CHECK(shape()[d] == 1, "squeeze: dimension ", d, " of shape ", shape_str(shape()), " is not 1");
  Shape s = shape(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return view_of(storage(), s, st, offset(), dtype());
}

Tensor Tensor::unsqueeze(int64_t d) const {
  int64_t n = dim() + 1;
  FB_CHECK(d >= -n && d < n, "unsqueeze: dimension ", d, " out of range for shape ", shape_str(shape()));
  if (d < 0) d += n;
  Shape s = shape(), st = strides();
  int64_t stride = d < dim() ? strides()[d] * shape()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return view_of(storage(), s, st, offset(), dtype());
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim);
  end_dim = wrap_dim(end_dim);
  FB_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " after end_dim ", end_dim);
  Shape s;
  for (int64_t i = 0; i < start_dim; ++i) s.push_back(shape()[i]);
  int64_t m = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) m *= shape()[i];
  s.push_back(m);
  for (int64_t i = end_dim + 1; i < dim(); ++i) s.push_back(shape()[i]);
  return reshape(s);
}

// --- copies ---

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  copy_into(out, *this);
  return out;
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  Tensor out = empty(shape(), t, device());
  copy_into(out, *this);
  return out;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor out = empty(shape(), dtype(), d);
  copy_into(out, *this);
  return out;
}

Tensor Tensor::detach() const {
  return view_of(storage(), shape(), strides(), offset(), dtype());
}

Tensor& Tensor::set_requires_grad(bool r) {
  FB_CHECK(!r || is_floating(dtype()), "requires_grad: only floating-point tensors can require gradients, got ",
           dtype_name(dtype()));
  FB_CHECK(!r || is_leaf(), "requires_grad: can only be set on leaf tensors");
  impl().requires_grad = r;
  return *this;
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor[undefined]";
  std::ostringstream os;
  os << "Tensor[" << dtype_name(dtype()) << " " << shape_str(shape()) << " " << device().str() << "]";
  if (device().is_cpu() && numel() > 0) {
    auto v = to_vector<double>();
    os << " {";
    for (size_t i = 0; i < v.size() && i < 8; ++i) os << (i ? ", " : "") << v[i];
    if (v.size() > 8) os << ", ...";
    os << "}";
  }
  return os.str();
}

}  // namespace fb
