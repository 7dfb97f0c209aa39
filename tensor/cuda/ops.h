#pragma once
// CUDA implementations of the raw tensor operations of tensor/ops.h, seen from
// plain C++ (no CUDA headers). tensor/ops.cpp validates the arguments (shapes,
// dtypes, devices, index ranges) with the same messages as on the CPU and then
// calls these for CUDA tensors; they assume valid arguments on one device.
//
// Inputs may be any strided views (transposed, sliced, expanded with stride 0);
// results are new contiguous tensors on the input's device. Semantics (and the
// arithmetic type of each operation) follow the CPU code: floating sums
// accumulate in f64, integer sums in i64; every reduction is deterministic
// (a fixed order, no atomics). Without a CUDA build each entry throws.
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace fb::cuda {

// Elementwise binary operations; a and b are already expanded to the result
// shape and have the same dtype (f32, f64, i32 or i64).
enum class BinaryOp { Add, Sub, Mul, Div, Maximum, Minimum, Gt, Eq };
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);

// Elementwise unary operations; s0 and s1 are the scalar arguments:
// AddScalar/MulScalar (s0), PowScalar (exponent s0), Clamp (lo s0, hi s1).
enum class UnaryOp { AddScalar, MulScalar, PowScalar, Clamp, Neg, Exp, Log, Sqrt, Abs, Sign };
Tensor unary(UnaryOp op, const Tensor& a, double s0 = 0.0, double s1 = 0.0);

// In place, on any strided view: t = value (every dtype); dst += alpha * src
// (src expanded to dst's shape, f32/f64); dst *= s (f32/f64).
void fill(const Tensor& t, double value);
void add_inplace(const Tensor& dst, const Tensor& src, double alpha);
void mul_inplace(const Tensor& dst, double s);

// Reductions over `dims` (sorted, distinct, possibly empty for a 0-d tensor).
// Sum and Mean keep the dtype; Max keeps it too; ArgMax gives i64 (the first
// index of the maximum).
enum class ReduceOp { Sum, Mean, Max, ArgMax };
Tensor reduce(ReduceOp op, const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);

// Indexing; `index` is i32 or i64 on a's device with every value in range.
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype);

}  // namespace fb::cuda
