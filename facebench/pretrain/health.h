#pragma once
// Run health: the checks that stop a pre-training run before a bad step
// reaches the weights, and the collapse monitors it logs.
#include <cstdint>
#include <string>

#include "nn/module.h"

namespace fb::pretrain {

// Global L2 norm of the gradients of `params` (parameters without a gradient
// count as zero). NaN or inf when any gradient element is not finite.
double gradient_norm(const nn::NamedTensors& params);

// Throws fb::Error when a gradient holds NaN or inf, naming the first such
// parameter (and how many others), the step, and `checkpoint` as the last good
// state to resume from. Call it before the optimizer step, so the weights of
// the failing step are never written.
void check_finite_gradients(const nn::NamedTensors& params, int64_t step, const std::string& checkpoint);

// Collapse monitors, computed without recording a graph.
// Entropy (nats) of the histogram of each row's arg-max column of `scores`
// [B, K]: log(min(B, K)) when the batch spreads over as many prototypes as it
// can, 0 when every sample picks the same one.
double hard_assignment_entropy(const Tensor& scores);
// Mean cosine similarity between the embeddings [B, D] of different samples:
// near 1 when every input maps to the same direction (collapse).
double mean_pairwise_cosine(const Tensor& embeddings);

}  // namespace fb::pretrain
