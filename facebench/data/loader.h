#pragma once
// The data loader: worker threads decode, augment and collate whole batches
// ahead of the training loop, into a bounded reorder queue.
//
//   Loader loader(dataset, pipeline, opts);        // opts.seed, batch_size, workers, ...
//   Batch b;
//   while (loader.next(b)) { ... }                 // one epoch; false at its end
//   LoaderState st = loader.state();               // save with the checkpoint
//   Loader resumed(dataset, pipeline, opts, st);   // continues with the same batches
//
// Determinism: the order of epoch e is a permutation drawn from (seed, e); the
// augmentation of a sample from (seed, e, sample index). Workers claim batch
// numbers, not samples, and the consumer receives batches in order, so every
// batch is bit-identical whatever the number of workers or their timing.
//
// Sharding (data parallel): the epoch's order is padded by repeating its head
// to a multiple of world_size (as torch's DistributedSampler does) and rank r
// takes positions r, r + world_size, ...; ranks see disjoint samples apart from
// the padding, and all have the same number of batches.
//
// Bad samples: when a sample cannot be decoded, OnError::Fail rethrows in
// next() (the message names the file); OnError::Skip records it in the
// ProblemLog and substitutes the next dataset index that decodes, so batches
// keep their size and stay deterministic.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "facebench/data/batch.h"
#include "facebench/data/dataset.h"
#include "facebench/data/pipeline.h"
#include "facebench/data/problems.h"

namespace fb::data {

struct LoaderOptions {
  int64_t batch_size = 32;
  int workers = 2;           // decoding threads (0: decode in next(), on the caller's thread)
  int prefetch = 4;          // batches decoded ahead of the consumer, at most
  bool shuffle = true;
  bool drop_last = true;     // drop the epoch's last, incomplete batch
  uint64_t seed = 0;
  int rank = 0, world_size = 1;
  // Sharding by batch (data parallel with global-batch semantics): the epoch's
  // batches are exactly those one process reads with batch_size, and rank r
  // receives rows [r * b, (r + 1) * b) of each, b = batch_size / world_size
  // (batch_size must divide evenly; drop_last only). Off: the sampler-style
  // sharding described above, batch_size per rank.
  bool shard_batches = false;
  OnError on_error = OnError::Fail;
  CollateOptions collate;
  std::shared_ptr<BatchAllocator> allocator;  // null: default_batch_allocator()
};

// Where the loader stands: the next batch next() will return.
struct LoaderState {
  int64_t epoch = 0;
  int64_t batch = 0;
};

struct LoaderStats {
  int64_t batches = 0, samples = 0;  // delivered by next() since construction
  int64_t skipped = 0;               // samples of delivered batches that failed and were substituted
  double seconds = 0;                // since construction
  double waiting_seconds = 0;        // time next() spent blocked on workers
  double images_per_second() const { return seconds > 0 ? double(samples) / seconds : 0; }
};

// The per-sample random seed: a mix of (seed, epoch, index) (exposed for tests).
uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index);
// The dataset indices of one epoch for one rank, in order.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle, int rank, int world_size);

class Loader {
 public:
  Loader(DatasetPtr dataset, std::shared_ptr<const Pipeline> pipeline, LoaderOptions opts,
         LoaderState start = {});
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch of the current epoch; false once at the end of each epoch,
  // after which the following call starts the next epoch.
  bool next(Batch& out);
  LoaderState state() const;
  LoaderStats stats() const;
  int64_t batches_per_epoch() const { return per_epoch_; }
  const ProblemLog& problems() const { return *problems_; }

 private:
  void worker_loop();
  // Problems met while building are returned, and reported when the batch is
  // delivered, so the log and the counts cover exactly the batches consumed.
  Batch build(int64_t global, std::vector<Problem>& skipped);
  std::shared_ptr<const std::vector<int64_t>> order_for(int64_t epoch);

  DatasetPtr ds_;
  std::shared_ptr<const Pipeline> pipe_;
  LoaderOptions opt_;
  std::shared_ptr<ProblemLog> problems_;
  int64_t per_epoch_ = 0;

  // Global batch number g = epoch * per_epoch_ + batch.
  mutable std::mutex mu_;
  std::condition_variable cv_work_, cv_ready_;
  int64_t next_claim_ = 0, next_deliver_ = 0;
  bool epoch_end_pending_ = false, stop_ = false;
  struct Slot {
    Batch batch;
    std::vector<Problem> skipped;
    std::exception_ptr error;
  };
  std::map<int64_t, Slot> ready_;
  std::map<int64_t, std::shared_ptr<const std::vector<int64_t>>> orders_;
  std::vector<std::thread> threads_;
  LoaderStats stats_;
  double start_time_ = 0;
};

}  // namespace fb::data
