// Elementwise operations on CUDA tensors: binary with broadcasting, unary and
// scalar, and the in-place fill_/add_/mul_.
//
// One generic launcher serves all of them: the output (operand 0) and up to
// two inputs share a shape and each has its own strides. When every operand
// is dense (the common case) a grid-stride loop reads and writes 16-byte
// vectors; otherwise each thread maps its flat index through the strides.
// The arithmetic of each op is written as on the CPU (tensor/ops.cpp), in the
// same types, so that integer and comparison results are identical and
// floating results differ at most by the last bit of a library function.
#include <cstdint>
#include <cstring>
#include <limits>

#include "tensor/cuda/launch.cuh"
#include "tensor/cuda/ops.h"

namespace fb::cuda {
namespace {

constexpr int kThreads = 256;

template <typename T, int NIn>
struct Inputs {
  const T* p[NIn > 0 ? NIn : 1];
};

// kVec elements moved as one (16-byte) load or store.
template <typename T, int kVec>
struct alignas(sizeof(T) * kVec) Vec {
  T x[kVec];
};

template <int NIn, typename T, typename F>
__device__ __forceinline__ T call(const F& f, const T* v) {
  if constexpr (NIn == 0)
    return f();
  else if constexpr (NIn == 1)
    return f(v[0]);
  else
    return f(v[0], v[1]);
}

// Dense operands: out[i] = f(in[k][i]...). With kVec > 1 every pointer is
// 16-byte aligned and the body moves kVec elements per operand at once; the
// last n % kVec elements are done one by one.
template <typename T, int NIn, int kVec, typename F>
__global__ void contiguous_kernel(T* out, Inputs<T, NIn> in, int64_t n, F f) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x, first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t nvec = n / kVec;
  for (int64_t v = first; v < nvec; v += step) {
    Vec<T, kVec> a[NIn > 0 ? NIn : 1];
#pragma unroll
    for (int k = 0; k < NIn; ++k) a[k] = reinterpret_cast<const Vec<T, kVec>*>(in.p[k])[v];
    Vec<T, kVec> r;
#pragma unroll
    for (int j = 0; j < kVec; ++j) {
      T args[NIn > 0 ? NIn : 1];
#pragma unroll
      for (int k = 0; k < NIn; ++k) args[k] = a[k].x[j];
      r.x[j] = call<NIn>(f, args);
    }
    reinterpret_cast<Vec<T, kVec>*>(out)[v] = r;
  }
  for (int64_t i = nvec * kVec + first; i < n; i += step) {
    T args[NIn > 0 ? NIn : 1];
#pragma unroll
    for (int k = 0; k < NIn; ++k) args[k] = in.p[k][i];
    out[i] = call<NIn>(f, args);
  }
}

// Any strides: operand k of element i is at offset L.offsets(i)[k].
template <typename T, int NIn, typename F>
__global__ void strided_kernel(T* out, Inputs<T, NIn> in, StridedLayout<NIn + 1> L, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[NIn + 1];
    L.offsets(i, off);
    T args[NIn > 0 ? NIn : 1];
#pragma unroll
    for (int k = 0; k < NIn; ++k) args[k] = in.p[k][off[k + 1]];
    out[off[0]] = call<NIn>(f, args);
  }
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// out[i] = f(in[0][i], ...) over out's shape; the inputs have out's shape
// (expanded where they broadcast). `out` may be a strided view and may be one
// of the inputs (in-place ops): each element is read before it is written by
// the same thread.
template <typename T, int NIn, typename F>
void launch_elementwise(const Tensor& out, const std::array<Tensor, NIn>& in, F f, const char* op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  use_device_of(out);
  T* o = static_cast<T*>(out.raw_data());
  Inputs<T, NIn> ptrs{};
  std::array<const Shape*, NIn + 1> strides{&out.strides()};
  bool aligned = aligned16(o);
  for (int k = 0; k < NIn; ++k) {
    ptrs.p[k] = static_cast<const T*>(in[k].raw_data());
    strides[k + 1] = &in[k].strides();
    aligned = aligned && aligned16(ptrs.p[k]);
  }
  const StridedLayout<NIn + 1> L = make_layout<NIn + 1>(out.shape(), strides, op);
  constexpr int kVec = 16 / sizeof(T);  // element sizes are 1 to 8 bytes
  if (!L.contiguous()) {
    strided_kernel<T, NIn><<<grid_for(n, kThreads), kThreads, 0, stream()>>>(o, ptrs, L, n, f);
  } else if (aligned) {
    contiguous_kernel<T, NIn, kVec><<<grid_for(n / kVec + 1, kThreads), kThreads, 0, stream()>>>(o, ptrs, n, f);
  } else {
    contiguous_kernel<T, NIn, 1><<<grid_for(n, kThreads), kThreads, 0, stream()>>>(o, ptrs, n, f);
  }
  FB_CUDA_CHECK_LAUNCH();
}

// ---- the operations, as on the CPU -------------------------------------------------

struct BinaryFn {
  BinaryOp op;
  template <typename T>
  __device__ __forceinline__ T operator()(T x, T y) const {
    switch (op) {
      case BinaryOp::Add: return static_cast<T>(x + y);
      case BinaryOp::Sub: return static_cast<T>(x - y);
      case BinaryOp::Mul: return static_cast<T>(x * y);
      case BinaryOp::Div: return static_cast<T>(x / y);
      case BinaryOp::Maximum: return x > y ? x : y;
      case BinaryOp::Minimum: return x < y ? x : y;
      case BinaryOp::Gt: return static_cast<T>(x > y ? 1 : 0);
      case BinaryOp::Eq: return static_cast<T>(x == y ? 1 : 0);
    }
    return x;
  }
};

// The float or double function of the C library, as std::pow etc. pick on the CPU.
__device__ __forceinline__ float math_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double math_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ float math_exp(float a) { return expf(a); }
__device__ __forceinline__ double math_exp(double a) { return exp(a); }
__device__ __forceinline__ float math_log(float a) { return logf(a); }
__device__ __forceinline__ double math_log(double a) { return log(a); }
__device__ __forceinline__ float math_sqrt(float a) { return sqrtf(a); }
__device__ __forceinline__ double math_sqrt(double a) { return sqrt(a); }

// The scalars stay double, as on the CPU, where `v + s` with a double s is
// computed in double and converted back to the tensor's type.
struct UnaryFn {
  UnaryOp op;
  double s0, s1;
  template <typename T>
  __device__ __forceinline__ T operator()(T v) const {
    switch (op) {
      case UnaryOp::AddScalar: return static_cast<T>(v + s0);
      case UnaryOp::MulScalar: return static_cast<T>(v * s0);
      case UnaryOp::Clamp: return static_cast<T>(v < s0 ? s0 : (v > s1 ? s1 : static_cast<double>(v)));
      case UnaryOp::Neg: return static_cast<T>(-v);
      case UnaryOp::Abs: return static_cast<T>(v < 0 ? -v : v);
      case UnaryOp::Sign: return static_cast<T>((v > 0) - (v < 0));
      default: break;
    }
    // The floating-only ops (tensor/ops.cpp rejects integer tensors for them).
    if constexpr (std::is_floating_point_v<T>) {
      switch (op) {
        case UnaryOp::PowScalar: return math_pow(v, static_cast<T>(s0));
        case UnaryOp::Exp: return math_exp(v);
        case UnaryOp::Log: return math_log(v);
        case UnaryOp::Sqrt: return math_sqrt(v);
        default: break;
      }
    }
    return v;
  }
};

// d += alpha * s and d *= s in the tensor's type (alpha, s converted first), as on the CPU.
template <typename T>
struct AxpyFn {
  T alpha;
  __device__ __forceinline__ T operator()(T d, T s) const { return d + alpha * s; }
};
template <typename T>
struct ScaleFn {
  T s;
  __device__ __forceinline__ T operator()(T d) const { return d * s; }
};
template <typename U>
struct ConstantFn {
  U bits;
  __device__ __forceinline__ U operator()() const { return bits; }
};

}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty(a.shape(), a.dtype(), a.device());
  dispatch_arith(a.dtype(), "binary op", [&](auto z) {
    using T = decltype(z);
    launch_elementwise<T, 2>(out, {a, b}, BinaryFn{op}, "binary op");
  });
  return out;
}

Tensor unary(UnaryOp op, const Tensor& a, double s0, double s1) {
  Tensor out = Tensor::empty(a.shape(), a.dtype(), a.device());
  dispatch_arith(a.dtype(), "unary op", [&](auto z) {
    using T = decltype(z);
    launch_elementwise<T, 1>(out, {a}, UnaryFn{op, s0, s1}, "unary op");
  });
  return out;
}

void fill(const Tensor& t, double value) {
  // The value is converted on the host, exactly as the CPU fill_ does, and
  // written as raw bits: one kernel per element size covers every dtype.
  dispatch_dtype(t.dtype(), [&](auto z) {
    using T = decltype(z);
    const T v = static_cast<T>(value);
    using U = bits_of<T>;
    U bits;
    std::memcpy(&bits, &v, sizeof(U));
    launch_elementwise<U, 0>(t, {}, ConstantFn<U>{bits}, "fill_");
  });
}

void add_inplace(const Tensor& dst, const Tensor& src, double alpha) {
  dispatch_arith(dst.dtype(), "add_", [&](auto z) {
    using T = decltype(z);
    launch_elementwise<T, 2>(dst, {dst, src}, AxpyFn<T>{static_cast<T>(alpha)}, "add_");
  });
}

void mul_inplace(const Tensor& dst, double s) {
  dispatch_arith(dst.dtype(), "mul_", [&](auto z) {
    using T = decltype(z);
    launch_elementwise<T, 1>(dst, {dst}, ScaleFn<T>{static_cast<T>(s)}, "mul_");
  });
}

}  // namespace fb::cuda
