#pragma once
#include <cstdint>

namespace fb::kernels::cpu {

// OpenMP Sinkhorn-Knopp (same contract as ref::sinkhorn); works in the input
// precision with double accumulators for the column and row sums.
template <typename T>
void sinkhorn(const T* scores, T* q, int64_t B, int64_t K, double eps, int iters);

// Fused contrastive cross-entropy (same contract as
// ref::contrastive_cross_entropy_forward/backward), rows spread over threads.
// Works in the input precision with the sum of exponentials in double; the
// per-row losses are added in row order, so the result does not depend on
// the thread count. The backward reuses the forward's row_max/row_log_sum.
template <typename T>
void contrastive_cross_entropy_forward(const T* sim, const int64_t* positive, const int64_t* excluded, int64_t N,
                                       int64_t M, double tau, T* loss, T* row_max, T* row_log_sum);
template <typename T>
void contrastive_cross_entropy_backward(const T* dloss, const T* sim, const int64_t* positive,
                                        const int64_t* excluded, int64_t N, int64_t M, double tau, const T* row_max,
                                        const T* row_log_sum, T* dsim);

}  // namespace fb::kernels::cpu
