#pragma once
// Differentiable collectives for data-parallel models.
//
// Synchronised batch norm: training-mode batch norm whose statistics are
// those of the union of every rank's batch, so that N ranks with B/N samples
// each compute what one process computes on all B.
//
// Forward: per-channel sums of x are all-reduced to the global mean, then sums
// of (x - mean)^2 to the global (biased) variance (two passes, in float64).
// Running statistics use the global unbiased variance and so stay identical
// on every rank. Backward: the two per-channel sums of the input gradient
// (sum dy and sum dy * xhat) are all-reduced, so dx is the exact derivative of
// the sum of all ranks' losses; dgamma and dbeta are this rank's own sums (the
// data-parallel gradient average then combines them like any other gradient).
//
// Requires: x [..., C] (channel last) in training mode; every rank calls it
// (forward and backward) in the same order. With world size 1 it equals
// nn::batch_norm(training = true).
#include "nn/distributed/communicator.h"
#include "nn/module.h"

namespace fb::nn::dist {

Tensor sync_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, Communicator& comm);

// Differentiable all-gather: the ranks' x concatenated on dim 0 (rank order).
// Backward all-reduces (sums) the gradient of the whole and returns this
// rank's rows, so that when every rank computes the same loss L on the
// gathered whole, the data-parallel average of the parameter gradients is
// exactly dL/dtheta (used for losses over the global batch, e.g. SimCLR).
Tensor all_gather(const Tensor& x, Communicator& comm);

// Sets (or with null clears) the communicator of every BatchNorm below `m`;
// returns how many it changed.
int convert_sync_batchnorm(Module& m, const CommunicatorPtr& comm);

}  // namespace fb::nn::dist
