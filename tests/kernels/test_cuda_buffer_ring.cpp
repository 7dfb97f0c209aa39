// The TMA GEMM loop's buffer protocol (kernels/cuda/buffer_ring.h, as
// wgmma_tma.cuh uses it) run against a model of mbarriers under random
// interleavings of its actors: one producer, the copy engine (copies land
// after arbitrary delays), and two consumers whose wgmma groups read a buffer
// from issue until the wait that retires them. Every schedule must finish
// (no deadlock), a consumer must only ever see a buffer holding exactly the
// tile it waits for, and no copy may land in a buffer a wgmma group is still
// reading.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cuda/buffer_ring.h"

using fb::kernels::cuda::igemm::hopper::BufferRing;

namespace {

// An mbarrier: `count` arrivals plus a transaction count complete a phase.
struct Barrier {
  int count, pending;
  int64_t tx = 0;
  int phase = 0;  // index of the phase in progress
  explicit Barrier(int c) : count(c), pending(c) {}
  void maybe_complete() {
    if (pending == 0 && tx == 0) {
      ++phase;
      pending = count;
    }
  }
  void arrive() {
    --pending;
    maybe_complete();
  }
  void expect_tx_and_arrive(int64_t bytes) {
    tx += bytes;
    arrive();
  }
  void complete_tx(int64_t bytes) {
    tx -= bytes;
    maybe_complete();
  }
  // try_wait.parity: the latest phase of parity p has completed.
  bool passed(uint32_t p) const { return uint32_t(phase & 1) != p; }
};

struct Copy {
  int slot, tile;
};

// One random schedule; returns the number of violations (deadlock counts 1).
int run_schedule(int stages, int ntiles, std::mt19937& rng) {
  const BufferRing ring{stages};
  std::vector<Barrier> full(stages, Barrier(1)), empty(stages, Barrier(2));
  std::vector<int> holds(stages, -1);     // tile whose copy has landed in each buffer
  std::vector<int> readers(stages, 0);    // wgmma groups in flight reading each buffer
  std::vector<Copy> in_flight;            // copies issued, not landed
  int produced = 0;
  struct Consumer {
    int t = 0;              // next tile to wait for
    int inflight = -1;      // tile whose wgmma group is in flight (not retired)
    bool done = false;
  } cons[2];
  int violations = 0;
  for (int steps = 0; steps < 100000; ++steps) {
    std::vector<int> runnable;
    if (produced < ntiles && empty[ring.slot(produced)].passed(ring.empty_parity(produced))) runnable.push_back(0);
    if (!in_flight.empty()) runnable.push_back(1);
    for (int c = 0; c < 2; ++c)
      if (!cons[c].done) {
        const Consumer& k = cons[c];
        if (k.t == ntiles || full[ring.slot(k.t)].passed(ring.full_parity(k.t))) runnable.push_back(2 + c);
      }
    if (runnable.empty()) return violations + (produced < ntiles || !cons[0].done || !cons[1].done);
    const int who = runnable[std::uniform_int_distribution<size_t>(0, runnable.size() - 1)(rng)];
    if (who == 0) {  // producer: expect the bytes, issue the copy of tile `produced`
      const int s = ring.slot(produced);
      full[s].expect_tx_and_arrive(1);
      in_flight.push_back({s, produced});
      ++produced;
    } else if (who == 1) {  // copy engine: one copy (any of those in flight) lands
      const size_t i = std::uniform_int_distribution<size_t>(0, in_flight.size() - 1)(rng);
      const Copy cp = in_flight[i];
      in_flight.erase(in_flight.begin() + long(i));
      violations += readers[cp.slot] != 0;  // overwriting a buffer being read
      holds[cp.slot] = cp.tile;
      full[cp.slot].complete_tx(1);
    } else {  // consumer: issue tile t (after its full wait), retire t - 1, free its buffer
      Consumer& k = cons[who - 2];
      if (k.t == ntiles) {  // wait_group 0: retire the last group
        if (k.inflight >= 0) --readers[ring.slot(k.inflight)];
        k.done = true;
        continue;
      }
      const int s = ring.slot(k.t);
      violations += holds[s] != k.t;  // the buffer must hold exactly this tile
      ++readers[s];
      if (k.inflight >= 0) {  // wait_group 1 retires the previous group; release its buffer
        --readers[ring.slot(k.inflight)];
        empty[ring.slot(k.inflight)].arrive();
      }
      k.inflight = k.t;
      ++k.t;
    }
  }
  return violations + 1;  // did not finish
}

}  // namespace

TEST_CASE("TMA loop buffer ring: no deadlock, no stale or overwritten buffer, under random schedules") {
  std::mt19937 rng(11);
  for (int stages : {4, 6})
    for (int ntiles : {1, 2, 3, 5, 6, 7, 13, 40}) {
      int bad = 0;
      for (int trial = 0; trial < 300; ++trial) bad += run_schedule(stages, ntiles, rng);
      CAPTURE(stages);
      CAPTURE(ntiles);
      CHECK(bad == 0);
    }
}
