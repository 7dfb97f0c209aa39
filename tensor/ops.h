#pragma once
// Raw tensor operations: creation, elementwise math with broadcasting,
// reductions, indexing, concatenation. None of these record gradients (see
// nn/functional.h for the differentiable versions). Binary operations need
// both operands to have the same dtype; there is no implicit type promotion.
// Every operation runs where its operands live (CPU, or CUDA through
// tensor/cuda/ops.h); operands on different devices are an error, and new
// results are contiguous tensors on the operands' device. arange, scalar and
// from_vector make CPU tensors.
#include <vector>

#include "tensor/tensor.h"

namespace fb {

// --- creation ---
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = Device::cpu());
Tensor arange(int64_t n, DType dtype = DType::i64);
Tensor scalar(double value, DType dtype = DType::f32);
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
Tensor zeros_like(const Tensor& t);

// --- in place (bump the version counter) ---
void copy_into(const Tensor& dst, const Tensor& src);  // dst = src (shapes equal, converts dtype)
void fill_(const Tensor& t, double value);
void add_(const Tensor& dst, const Tensor& src, double alpha = 1.0);  // dst += alpha * src (src broadcast)
void mul_(const Tensor& dst, double s);

namespace ops {

Shape broadcast_shapes(const Shape& a, const Shape& b);

// Elementwise binary with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);  // 1 where a > b else 0, dtype of a
Tensor eq(const Tensor& a, const Tensor& b);  // 1 where a == b else 0, dtype of a

// Elementwise with a scalar.
Tensor add_scalar(const Tensor& a, double s);
Tensor mul_scalar(const Tensor& a, double s);
Tensor pow_scalar(const Tensor& a, double p);
Tensor clamp(const Tensor& a, double lo, double hi);

// Elementwise unary.
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);

// Reductions over the given dims (all dims when empty).
Tensor sum(const Tensor& a, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor amax(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);  // i64
// Sums a broadcast result back to `shape` (the inverse of broadcasting).
Tensor sum_to(const Tensor& a, const Shape& shape);

// Indexing.
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);  // index: i64 or i32, 1-D
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);        // like torch.gather
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype = DType::f32);

// Concatenation and splitting.
Tensor cat(const std::vector<Tensor>& parts, int64_t dim);
std::vector<Tensor> split(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim);  // views

// Comparisons for tests: max |a-b| and ||a-b|| / ||b||, in double.
double max_abs_diff(const Tensor& a, const Tensor& b);
double rel_error(const Tensor& a, const Tensor& b);
bool all_finite(const Tensor& a);

}  // namespace ops
}  // namespace fb
