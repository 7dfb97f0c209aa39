#include "tensor/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cuda/ops.h"
#include "tensor/strided_loop.h"

namespace fb {

namespace {

// Calls f(T{}) for the dtypes on which arithmetic is defined.
template <typename F>
decltype(auto) dispatch_math(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    default: FB_FAIL(op, ": dtype ", dtype_name(t), " is not supported (convert to f32 first)");
  }
}

template <typename F>
decltype(auto) dispatch_float(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: FB_FAIL(op, ": needs a floating-point tensor (f32 or f64), got ", dtype_name(t));
  }
}

// Operands of one op must live on one device (there is no implicit transfer).
void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  FB_CHECK(a.device() == b.device(), op, ": operands on different devices (", a.device().str(), " and ",
           b.device().str(), "); move one with .to(...)");
}

// CUDA tensors go to tensor/cuda/ops.h after the same argument checks as on
// the CPU; the CPU code below is the reference they are tested against.
struct CudaUnary {
  cuda::UnaryOp op;
  double s0 = 0.0, s1 = 0.0;
};

template <typename T, typename F>
Tensor map_unary(const Tensor& a, F f) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  T* o = static_cast<T*>(out.storage()->data());
  const T* x = static_cast<const T*>(a.storage()->data());
  detail::strided_loop<2>(out.shape(), {out.strides(), a.strides()}, {0, a.offset()},
                          [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& in) {
                            for (int64_t i = 0; i < n; ++i) o[off[0] + i] = f(x[off[1] + i * in[1]]);
                          });
  return out;
}

template <typename F>
Tensor unary_float(const Tensor& a, const char* op, CudaUnary cu, F f) {
  if (a.device().is_cuda())
    return dispatch_float(a.dtype(), op, [&](auto) { return cuda::unary(cu.op, a, cu.s0, cu.s1); });
  return dispatch_float(a.dtype(), op, [&](auto z) {
    using T = decltype(z);
    return map_unary<T>(a, [&](T v) { return static_cast<T>(f(v)); });
  });
}

template <typename F>
Tensor unary_math(const Tensor& a, const char* op, CudaUnary cu, F f) {
  if (a.device().is_cuda())
    return dispatch_math(a.dtype(), op, [&](auto) { return cuda::unary(cu.op, a, cu.s0, cu.s1); });
  return dispatch_math(a.dtype(), op, [&](auto z) {
    using T = decltype(z);
    return map_unary<T>(a, [&](T v) { return static_cast<T>(f(v)); });
  });
}

template <typename F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, cuda::BinaryOp cuda_op, F f) {
  check_same_device(op, a, b);
  const bool gpu = a.device().is_cuda();
  FB_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ (", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
           ")");
  Shape s = ops::broadcast_shapes(a.shape(), b.shape());
  Tensor ea = a.expand(s), eb = b.expand(s);
  if (gpu) return dispatch_math(a.dtype(), op, [&](auto) { return cuda::binary(cuda_op, ea, eb); });
  Tensor out = Tensor::empty(s, a.dtype());
  dispatch_math(a.dtype(), op, [&](auto z) {
    using T = decltype(z);
    T* o = static_cast<T*>(out.storage()->data());
    const T* x = static_cast<const T*>(a.storage()->data());
    const T* y = static_cast<const T*>(b.storage()->data());
    detail::strided_loop<3>(s, {out.strides(), ea.strides(), eb.strides()}, {0, ea.offset(), eb.offset()},
                            [&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& in) {
                              T* op_ = o + off[0];
                              const T* xp = x + off[1];
                              const T* yp = y + off[2];
                              if (in[1] == 1 && in[2] == 1) {
                                for (int64_t i = 0; i < n; ++i) op_[i] = f(xp[i], yp[i]);
                              } else {
                                for (int64_t i = 0; i < n; ++i) op_[i] = f(xp[i * in[1]], yp[i * in[2]]);
                              }
                            });
  });
  return out;
}

std::vector<int64_t> normalise_dims(const Tensor& a, std::vector<int64_t> dims) {
  if (dims.empty()) {
    for (int64_t i = 0; i < a.dim(); ++i) dims.push_back(i);
  }
  for (auto& d : dims) d = a.wrap_dim(d);
  std::sort(dims.begin(), dims.end());
  FB_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), "reduction: repeated dimension");
  return dims;
}

}  // namespace

// --- creation ---

Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  fill_(t, value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

Tensor arange(int64_t n, DType dtype) {
  Tensor t = Tensor::empty({n}, DType::i64);
  int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  return t.to(dtype);
}

Tensor scalar(double value, DType dtype) { return full({}, value, dtype); }

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  FB_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
           " values for shape ", shape_str(shape));
  Tensor t = Tensor::empty(shape, dtype_of<T>::value);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);
template Tensor from_vector<int32_t>(const std::vector<int32_t>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&);

// --- in place ---

void fill_(const Tensor& t, double value) {
  if (t.device().is_cuda()) {
    cuda::fill(t, value);
    t.bump_version();
    return;
  }
  dispatch_dtype(t.dtype(), [&](auto z) {
    using T = decltype(z);
    T v = static_cast<T>(value);
    T* p = static_cast<T*>(t.storage()->data());
    detail::strided_loop<1>(t.shape(), {t.strides()}, {t.offset()},
                            [&](const std::array<int64_t, 1>& off, int64_t n, const std::array<int64_t, 1>& in) {
                              for (int64_t i = 0; i < n; ++i) p[off[0] + i * in[0]] = v;
                            });
  });
  t.bump_version();
}

void add_(const Tensor& dst, const Tensor& src, double alpha) {
  check_same_device("add_", dst, src);
  FB_CHECK(dst.dtype() == src.dtype(), "add_: dtypes differ (", dtype_name(dst.dtype()), " and ",
           dtype_name(src.dtype()), ")");
  FB_CHECK(ops::broadcast_shapes(dst.shape(), src.shape()) == dst.shape(), "add_: cannot broadcast ",
           shape_str(src.shape()), " into ", shape_str(dst.shape()));
  Tensor es = src.expand(dst.shape());
  if (dst.device().is_cuda()) {
    dispatch_float(dst.dtype(), "add_", [&](auto) { cuda::add_inplace(dst, es, alpha); });
    dst.bump_version();
    return;
  }
  dispatch_float(dst.dtype(), "add_", [&](auto z) {
    using T = decltype(z);
    T a = static_cast<T>(alpha);
    T* d = static_cast<T*>(dst.storage()->data());
    const T* s = static_cast<const T*>(src.storage()->data());
    detail::strided_loop<2>(dst.shape(), {dst.strides(), es.strides()}, {dst.offset(), es.offset()},
                            [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& in) {
                              for (int64_t i = 0; i < n; ++i) d[off[0] + i * in[0]] += a * s[off[1] + i * in[1]];
                            });
  });
  dst.bump_version();
}

void mul_(const Tensor& dst, double s) {
  if (dst.device().is_cuda()) {
    dispatch_float(dst.dtype(), "mul_", [&](auto) { cuda::mul_inplace(dst, s); });
    dst.bump_version();
    return;
  }
  dispatch_float(dst.dtype(), "mul_", [&](auto z) {
    using T = decltype(z);
    T a = static_cast<T>(s);
    T* d = static_cast<T*>(dst.storage()->data());
    detail::strided_loop<1>(dst.shape(), {dst.strides()}, {dst.offset()},
                            [&](const std::array<int64_t, 1>& off, int64_t n, const std::array<int64_t, 1>& in) {
                              for (int64_t i = 0; i < n; ++i) d[off[0] + i * in[0]] *= a;
                            });
  });
  dst.bump_version();
}

namespace ops {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    FB_CHECK(x == y || x == 1 || y == 1, "shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) {
  return binary(a, b, "add", cuda::BinaryOp::Add, [](auto x, auto y) { return x + y; });
}
Tensor sub(const Tensor& a, const Tensor& b) {
  return binary(a, b, "sub", cuda::BinaryOp::Sub, [](auto x, auto y) { return x - y; });
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(a, b, "mul", cuda::BinaryOp::Mul, [](auto x, auto y) { return x * y; });
}
Tensor div(const Tensor& a, const Tensor& b) {
  return binary(a, b, "div", cuda::BinaryOp::Div, [](auto x, auto y) { return x / y; });
}
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary(a, b, "maximum", cuda::BinaryOp::Maximum, [](auto x, auto y) { return x > y ? x : y; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary(a, b, "minimum", cuda::BinaryOp::Minimum, [](auto x, auto y) { return x < y ? x : y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return binary(a, b, "gt", cuda::BinaryOp::Gt,
                [](auto x, auto y) { return static_cast<decltype(x)>(x > y ? 1 : 0); });
}
Tensor eq(const Tensor& a, const Tensor& b) {
  return binary(a, b, "eq", cuda::BinaryOp::Eq,
                [](auto x, auto y) { return static_cast<decltype(x)>(x == y ? 1 : 0); });
}

Tensor add_scalar(const Tensor& a, double s) {
  return unary_math(a, "add_scalar", {cuda::UnaryOp::AddScalar, s}, [s](auto v) { return v + s; });
}
Tensor mul_scalar(const Tensor& a, double s) {
  return unary_math(a, "mul_scalar", {cuda::UnaryOp::MulScalar, s}, [s](auto v) { return v * s; });
}
Tensor pow_scalar(const Tensor& a, double p) {
  return unary_float(a, "pow", {cuda::UnaryOp::PowScalar, p},
                     [p](auto v) { return std::pow(v, static_cast<decltype(v)>(p)); });
}
Tensor clamp(const Tensor& a, double lo, double hi) {
  return unary_math(a, "clamp", {cuda::UnaryOp::Clamp, lo, hi},
                    [lo, hi](auto v) { return v < lo ? lo : (v > hi ? hi : v); });
}
Tensor neg(const Tensor& a) {
  return unary_math(a, "neg", {cuda::UnaryOp::Neg}, [](auto v) { return -v; });
}
Tensor exp(const Tensor& a) {
  return unary_float(a, "exp", {cuda::UnaryOp::Exp}, [](auto v) { return std::exp(v); });
}
Tensor log(const Tensor& a) {
  return unary_float(a, "log", {cuda::UnaryOp::Log}, [](auto v) { return std::log(v); });
}
Tensor sqrt(const Tensor& a) {
  return unary_float(a, "sqrt", {cuda::UnaryOp::Sqrt}, [](auto v) { return std::sqrt(v); });
}
Tensor abs(const Tensor& a) {
  return unary_math(a, "abs", {cuda::UnaryOp::Abs}, [](auto v) { return v < 0 ? -v : v; });
}
Tensor sign(const Tensor& a) {
  return unary_math(a, "sign", {cuda::UnaryOp::Sign}, [](auto v) { return (v > 0) - (v < 0); });
}

namespace {
// Generic reduction: out[kept dims] = reduce over `dims`. Accumulates in
// double for floating types so results don't depend on the thread split.
template <typename T, typename Init, typename Step, typename Finish>
Tensor reduce(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, DType out_dtype, Init init, Step step,
              Finish finish) {
  std::vector<bool> red(a.dim(), false);
  for (int64_t d : dims) red[d] = true;
  Shape kept_shape, kept_strides, red_shape, red_strides, out_shape;
  for (int64_t i = 0; i < a.dim(); ++i) {
    if (red[i]) {
      red_shape.push_back(a.shape()[i]);
      red_strides.push_back(a.strides()[i]);
      if (keepdim) out_shape.push_back(1);
    } else {
      kept_shape.push_back(a.shape()[i]);
      kept_strides.push_back(a.strides()[i]);
      out_shape.push_back(a.shape()[i]);
    }
  }
  int64_t n_out = shape_numel(kept_shape), n_red = shape_numel(red_shape);
  Tensor out = Tensor::empty(out_shape, out_dtype);
  const T* x = static_cast<const T*>(a.storage()->data());
  Shape kept_cstr = contiguous_strides(kept_shape), red_cstr = contiguous_strides(red_shape);
  auto body = [&](int64_t o) {
    int64_t base = a.offset();
    for (size_t d = 0; d < kept_shape.size(); ++d) base += (o / kept_cstr[d]) % kept_shape[d] * kept_strides[d];
    auto acc = init();
    for (int64_t r = 0; r < n_red; ++r) {
      int64_t off = base;
      for (size_t d = 0; d < red_shape.size(); ++d) off += (r / red_cstr[d]) % red_shape[d] * red_strides[d];
      step(acc, x[off], r);
    }
    finish(out, o, acc, n_red);
  };
#pragma omp parallel for schedule(static) if (n_out * n_red > 32768 && n_out > 1)
  for (int64_t o = 0; o < n_out; ++o) body(o);
  return out;
}

// The dtype checks of the CPU reductions, then the CUDA kernel.
Tensor reduce_on_cuda(const Tensor& a, const char* op, cuda::ReduceOp kind, const std::vector<int64_t>& dims,
                      bool keepdim) {
  auto run = [&](auto) { return cuda::reduce(kind, a, dims, keepdim); };
  return kind == cuda::ReduceOp::Mean ? dispatch_float(a.dtype(), op, run) : dispatch_math(a.dtype(), op, run);
}
}  // namespace

Tensor sum(const Tensor& a, std::vector<int64_t> dims, bool keepdim) {
  if (a.device().is_cuda()) return reduce_on_cuda(a, "sum", cuda::ReduceOp::Sum, normalise_dims(a, dims), keepdim);
  dims = normalise_dims(a, dims);
  return dispatch_math(a.dtype(), "sum", [&](auto z) {
    using T = decltype(z);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    return reduce<T>(
        a, dims, keepdim, a.dtype(), [] { return Acc(0); }, [](Acc& acc, T v, int64_t) { acc += v; },
        [](Tensor& out, int64_t o, Acc acc, int64_t) { out.data<T>()[o] = static_cast<T>(acc); });
  });
}

Tensor mean(const Tensor& a, std::vector<int64_t> dims, bool keepdim) {
  if (a.device().is_cuda())
    return reduce_on_cuda(a, "mean", cuda::ReduceOp::Mean, normalise_dims(a, dims), keepdim);
  dims = normalise_dims(a, dims);
  return dispatch_float(a.dtype(), "mean", [&](auto z) {
    using T = decltype(z);
    return reduce<T>(
        a, dims, keepdim, a.dtype(), [] { return 0.0; }, [](double& acc, T v, int64_t) { acc += v; },
        [](Tensor& out, int64_t o, double acc, int64_t n) { out.data<T>()[o] = static_cast<T>(acc / n); });
  });
}

Tensor amax(const Tensor& a, int64_t dim, bool keepdim) {
  FB_CHECK(a.numel() > 0, "amax: empty tensor");
  std::vector<int64_t> dims{a.wrap_dim(dim)};
  if (a.device().is_cuda()) return reduce_on_cuda(a, "amax", cuda::ReduceOp::Max, dims, keepdim);
  return dispatch_math(a.dtype(), "amax", [&](auto z) {
    using T = decltype(z);
    return reduce<T>(
        a, dims, keepdim, a.dtype(), [] { return std::numeric_limits<T>::lowest(); },
        [](T& acc, T v, int64_t) { acc = v > acc ? v : acc; },
        [](Tensor& out, int64_t o, T acc, int64_t) { out.data<T>()[o] = acc; });
  });
}

Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  FB_CHECK(a.numel() > 0, "argmax: empty tensor");
  std::vector<int64_t> dims{a.wrap_dim(dim)};
  if (a.device().is_cuda()) return reduce_on_cuda(a, "argmax", cuda::ReduceOp::ArgMax, dims, keepdim);
  return dispatch_math(a.dtype(), "argmax", [&](auto z) {
    using T = decltype(z);
    using Acc = std::pair<T, int64_t>;
    return reduce<T>(
        a, dims, keepdim, DType::i64, [] { return Acc(std::numeric_limits<T>::lowest(), -1); },
        [](Acc& acc, T v, int64_t r) {
          if (acc.second < 0 || v > acc.first) acc = {v, r};
        },
        [](Tensor& out, int64_t o, Acc acc, int64_t) { out.data<int64_t>()[o] = acc.second; });
  });
}

Tensor sum_to(const Tensor& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  FB_CHECK(a.dim() >= static_cast<int64_t>(shape.size()), "sum_to: cannot reduce ", shape_str(a.shape()), " to ",
           shape_str(shape));
  size_t lead = a.dim() - shape.size();
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < a.dim(); ++i) {
    if (static_cast<size_t>(i) < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] == 1 && a.shape()[i] != 1) {
      dims.push_back(i);
    } else {
      FB_CHECK(shape[i - lead] == a.shape()[i], "sum_to: cannot reduce ", shape_str(a.shape()), " to ",
               shape_str(shape));
    }
  }
  if (dims.empty()) return a.reshape(shape);
  return sum(a, dims, true).reshape(shape);
}

// --- indexing ---

namespace {
std::vector<int64_t> read_indices(const Tensor& index, const char* op) {
  FB_CHECK(index.dtype() == DType::i64 || index.dtype() == DType::i32, op, ": index must be i64 or i32, got ",
           dtype_name(index.dtype()));
  return index.to_vector<int64_t>();
}

void check_index_in_range(const char* op, int64_t i, int64_t size) {
  FB_CHECK(i >= 0 && i < size, op, ": index ", i, " out of range for size ", size);
}

// The coordinate along d of the element of a that gather reads for element i
// of the index (whose row-major strides are ist, value idx_i), after checking it.
int64_t gather_coord(const Tensor& a, int64_t dim, const Tensor& index, const Shape& ist, int64_t i, int64_t d,
                     int64_t idx_i) {
  if (d == dim) {
    check_index_in_range("gather", idx_i, a.shape()[d]);
    return idx_i;
  }
  int64_t c = (i / ist[d]) % index.shape()[d];
  FB_CHECK(c < a.shape()[d], "gather: index shape ", shape_str(index.shape()), " exceeds input shape ",
           shape_str(a.shape()));
  return c;
}
}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  check_same_device("index_select", a, index);
  const bool gpu = a.device().is_cuda();
  dim = a.wrap_dim(dim);
  FB_CHECK(index.dim() == 1, "index_select: index must be 1-D, got shape ", shape_str(index.shape()));
  auto idx = read_indices(index, "index_select");
  if (gpu) {
    for (int64_t i : idx) check_index_in_range("index_select", i, a.shape()[dim]);
    return cuda::index_select(a, dim, index);
  }
  Shape s = a.shape();
  s[dim] = static_cast<int64_t>(idx.size());
  Tensor out = Tensor::empty(s, a.dtype());
  for (size_t i = 0; i < idx.size(); ++i) {
    check_index_in_range("index_select", idx[i], a.shape()[dim]);
    copy_into(out.select(dim, static_cast<int64_t>(i)), a.select(dim, idx[i]));
  }
  return out;
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  check_same_device("gather", a, index);
  const bool gpu = a.device().is_cuda();
  dim = a.wrap_dim(dim);
  FB_CHECK(index.dim() == a.dim(), "gather: index rank ", index.dim(), " differs from input rank ", a.dim());
  auto idx = read_indices(index, "gather");
  Shape ist = contiguous_strides(index.shape());
  if (gpu) {
    for (int64_t i = 0; i < static_cast<int64_t>(idx.size()); ++i)
      for (int64_t d = 0; d < a.dim(); ++d) gather_coord(a, dim, index, ist, i, d, idx[i]);
    return cuda::gather(a, dim, index);
  }
  Tensor src = a.contiguous();
  Tensor out = Tensor::empty(index.shape(), a.dtype());
  dispatch_dtype(a.dtype(), [&](auto z) {
    using T = decltype(z);
    const T* x = src.data<T>();
    T* o = out.data<T>();
    for (int64_t i = 0; i < static_cast<int64_t>(idx.size()); ++i) {
      int64_t off = 0;
      for (int64_t d = 0; d < a.dim(); ++d) off += gather_coord(a, dim, index, ist, i, d, idx[i]) * src.strides()[d];
      o[i] = x[off];
    }
  });
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  auto idx = read_indices(labels, "one_hot");
  for (int64_t l : idx)
    FB_CHECK(l >= 0 && l < num_classes, "one_hot: label ", l, " out of range [0, ", num_classes, ")");
  if (labels.device().is_cuda()) return cuda::one_hot(labels, num_classes, dtype);  // on the labels' device
  Shape s = labels.shape();
  s.push_back(num_classes);
  Tensor out = zeros(s, DType::f64);
  double* o = out.data<double>();
  for (size_t i = 0; i < idx.size(); ++i) o[i * num_classes + idx[i]] = 1.0;
  return out.to(dtype);
}

Tensor cat(const std::vector<Tensor>& parts, int64_t dim) {
  FB_CHECK(!parts.empty(), "cat: no tensors given");
  const Tensor& first = parts[0];
  dim = first.wrap_dim(dim);
  Shape s = first.shape();
  int64_t total = 0;
  for (const auto& p : parts) {
    check_same_device("cat", first, p);
    FB_CHECK(p.dim() == first.dim() && p.dtype() == first.dtype(), "cat: tensor of shape ", shape_str(p.shape()),
             " (", dtype_name(p.dtype()), ") does not match ", shape_str(first.shape()), " (",
             dtype_name(first.dtype()), ")");
    for (int64_t d = 0; d < p.dim(); ++d)
      FB_CHECK(d == dim || p.shape()[d] == s[d], "cat: shapes ", shape_str(p.shape()), " and ", shape_str(s),
               " differ outside dimension ", dim);
    total += p.shape()[dim];
  }
  s[dim] = total;
  Tensor out = Tensor::empty(s, first.dtype(), first.device());
  int64_t at = 0;
  for (const auto& p : parts) {
    copy_into(out.slice(dim, at, at + p.shape()[dim]), p);
    at += p.shape()[dim];
  }
  return out;
}

std::vector<Tensor> split(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim) {
  dim = a.wrap_dim(dim);
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  FB_CHECK(total == a.shape()[dim], "split: sizes add up to ", total, " but dimension ", dim, " has size ",
           a.shape()[dim]);
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(a.slice(dim, at, at + s));
    at += s;
  }
  return out;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  FB_CHECK(a.shape() == b.shape(), "max_abs_diff: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " differ");
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double d = std::fabs(x[i] - y[i]);
    if (std::isnan(d)) return d;
    m = std::max(m, d);
  }
  return m;
}

double rel_error(const Tensor& a, const Tensor& b) {
  FB_CHECK(a.shape() == b.shape(), "rel_error: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " differ");
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    num += (x[i] - y[i]) * (x[i] - y[i]);
    den += y[i] * y[i];
  }
  if (den == 0) return std::sqrt(num);
  return std::sqrt(num / den);
}

bool all_finite(const Tensor& a) {
  if (!is_floating(a.dtype())) return true;
  for (double v : a.to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace ops
}  // namespace fb
