#pragma once
// Bookkeeping of the TMA loop's ring of shared-memory buffers
// (wgmma_tma.cuh). Tile t lives in buffer t % stages, in round t / stages.
// Each buffer has a "full" barrier (the producer's copies have landed) and
// an "empty" barrier (both consumers are done with it). An mbarrier's phases
// alternate in parity; waiting on parity P returns once the latest phase of
// parity P has completed, and on a fresh barrier parity 1 counts as
// completed. A consumer frees tile t - 1's buffer after issuing tile t, once
// only tile t's wgmmas are still in flight. Plain C++ as well, so that a CPU
// test can run the protocol against a model of the barriers.
#include <cstdint>

#include "tensor/host_device.h"

namespace fb::kernels::cuda::igemm::hopper {

struct BufferRing {
  int stages;
  FB_HOST_DEVICE int slot(int t) const { return t % stages; }
  // The consumers wait on full[slot(t)] with this parity before reading tile t.
  FB_HOST_DEVICE uint32_t full_parity(int t) const { return uint32_t(t / stages) & 1; }
  // The producer waits on empty[slot(t)] with this parity before filling it
  // with tile t: round 0 passes at once, round r waits for the consumers'
  // release of tile t - stages.
  FB_HOST_DEVICE uint32_t empty_parity(int t) const { return (uint32_t(t / stages) & 1) ^ 1; }
};

}  // namespace fb::kernels::cuda::igemm::hopper
