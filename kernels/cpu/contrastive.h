#pragma once
#include <cstdint>

namespace fb::kernels::cpu {

// OpenMP Sinkhorn-Knopp (same contract as ref::sinkhorn); works in the input
// precision with double accumulators for the column and row sums.
template <typename T>
void sinkhorn(const T* scores, T* q, int64_t B, int64_t K, double eps, int iters);

}  // namespace fb::kernels::cpu
