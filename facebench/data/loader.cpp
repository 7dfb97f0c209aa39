#include "facebench/data/loader.h"

#include <chrono>
#include <numeric>

#include "tensor/error.h"
#include "tensor/random.h"

namespace fb::data {

namespace {
uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index) {
  return splitmix(splitmix(splitmix(seed) ^ uint64_t(epoch)) ^ uint64_t(index));
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle, int rank, int world_size) {
  FB_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "loader: rank ", rank, " is not in [0, ", world_size, ")");
  std::vector<int64_t> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  if (shuffle && n > 1) {
    // Fisher-Yates from a stream keyed by (seed, epoch), distinct from every
    // per-sample stream (those mix in an index).
    fb::Generator g(splitmix(splitmix(seed ^ 0x53485546464C45ull) ^ uint64_t(epoch)));
    for (int64_t i = n - 1; i > 0; --i) std::swap(all[size_t(i)], all[size_t(g.randint(i + 1))]);
  }
  const int64_t per_rank = (n + world_size - 1) / world_size;
  std::vector<int64_t> mine;
  mine.reserve(size_t(per_rank));
  for (int64_t k = 0; k < per_rank; ++k) mine.push_back(all[size_t((k * world_size + rank) % std::max<int64_t>(n, 1))]);
  return mine;
}

Loader::Loader(DatasetPtr dataset, std::shared_ptr<const Pipeline> pipeline, LoaderOptions opts, LoaderState start)
    : ds_(std::move(dataset)), pipe_(std::move(pipeline)), opt_(std::move(opts)) {
  FB_CHECK(ds_ && pipe_, "loader: needs a dataset and a pipeline");
  FB_CHECK(opt_.batch_size >= 1, "loader: batch size must be >= 1, got ", opt_.batch_size);
  FB_CHECK(opt_.workers >= 0 && opt_.prefetch >= 1, "loader: workers must be >= 0 and prefetch >= 1");
  FB_CHECK(opt_.world_size >= 1 && opt_.rank >= 0 && opt_.rank < opt_.world_size, "loader: rank ", opt_.rank,
           " is not in [0, ", opt_.world_size, ")");
  FB_CHECK(ds_->size() > 0, "loader: dataset '", ds_->name(), "' is empty");
  if (!opt_.allocator) opt_.allocator = default_batch_allocator();
  problems_ = std::make_shared<ProblemLog>(opt_.on_error);
  if (opt_.shard_batches) {
    FB_CHECK(opt_.batch_size % opt_.world_size == 0, "loader: the global batch of ", opt_.batch_size,
             " does not split evenly over ", opt_.world_size, " ranks");
    FB_CHECK(opt_.drop_last, "loader: sharding by batch needs drop_last");
  }
  const int64_t per_rank =
      opt_.shard_batches ? ds_->size() : (ds_->size() + opt_.world_size - 1) / opt_.world_size;
  per_epoch_ = opt_.drop_last ? per_rank / opt_.batch_size : (per_rank + opt_.batch_size - 1) / opt_.batch_size;
  FB_CHECK(per_epoch_ > 0, "loader: ", per_rank, " samples per rank make no batch of ", opt_.batch_size,
           " (drop_last is on)");
  FB_CHECK(start.epoch >= 0 && start.batch >= 0 && start.batch <= per_epoch_, "loader: cannot resume at epoch ",
           start.epoch, " batch ", start.batch, " (", per_epoch_, " batches per epoch)");
  next_claim_ = next_deliver_ = start.epoch * per_epoch_ + start.batch;
  start_time_ = now();
  for (int t = 0; t < opt_.workers; ++t) threads_.emplace_back([this] { worker_loop(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_work_.notify_all();
  for (auto& t : threads_) t.join();
}

std::shared_ptr<const std::vector<int64_t>> Loader::order_for(int64_t epoch) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = orders_.find(epoch);
  if (it != orders_.end()) return it->second;
  auto o = std::make_shared<const std::vector<int64_t>>(
      opt_.shard_batches ? epoch_order(ds_->size(), opt_.seed, epoch, opt_.shuffle, 0, 1)
                         : epoch_order(ds_->size(), opt_.seed, epoch, opt_.shuffle, opt_.rank, opt_.world_size));
  // Keep only epochs still in flight (at most two: prefetch crosses one boundary).
  while (!orders_.empty() && orders_.begin()->first < next_deliver_ / per_epoch_) orders_.erase(orders_.begin());
  orders_[epoch] = o;
  return o;
}

Batch Loader::build(int64_t g, std::vector<Problem>& skipped) {
  const int64_t epoch = g / per_epoch_, bi = g % per_epoch_;
  auto order = order_for(epoch);
  int64_t lo = bi * opt_.batch_size, hi = std::min<int64_t>(lo + opt_.batch_size, int64_t(order->size()));
  if (opt_.shard_batches) {  // this rank's rows of the global batch
    const int64_t local = opt_.batch_size / opt_.world_size;
    lo += opt_.rank * local;
    hi = lo + local;
  }
  const int64_t n = ds_->size();
  std::vector<Sample> samples;
  std::vector<std::vector<View>> rows;
  samples.reserve(size_t(hi - lo));
  rows.reserve(size_t(hi - lo));
  for (int64_t p = lo; p < hi; ++p) {
    int64_t idx = (*order)[size_t(p)];
    for (int64_t attempt = 0;; ++attempt) {
      try {
        Sample s = ds_->get(idx);
        s.index = idx;
        fb::Generator rng(sample_seed(opt_.seed, epoch, idx));
        rows.push_back((*pipe_)(s, rng));
        samples.push_back(std::move(s));
        break;
      } catch (const fb::Error& e) {
        if (opt_.on_error == OnError::Fail) throw;
        skipped.push_back(Problem{"", 0, e.what()});  // the message names the file
        FB_CHECK(attempt + 1 < std::min<int64_t>(n, 64), "loader: ", attempt + 1,
                 " consecutive samples of '", ds_->name(), "' failed to load; giving up");
        idx = (idx + 1) % n;
      }
    }
  }
  Batch b = collate(samples, rows, opt_.collate, *opt_.allocator);
  b.epoch = epoch;
  b.index = bi;
  return b;
}

void Loader::worker_loop() {
  for (;;) {
    int64_t g;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_work_.wait(lk, [&] { return stop_ || next_claim_ < next_deliver_ + opt_.prefetch; });
      if (stop_) return;
      g = next_claim_++;
    }
    Slot slot;
    try {
      slot.batch = build(g, slot.skipped);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      ready_[g] = std::move(slot);
    }
    cv_ready_.notify_all();
  }
}

bool Loader::next(Batch& out) {
  std::unique_lock<std::mutex> lk(mu_);
  if (epoch_end_pending_) {
    epoch_end_pending_ = false;
    return false;
  }
  const int64_t g = next_deliver_;
  Slot slot;
  if (threads_.empty()) {
    // No workers: build on the caller's thread (debugging, or zero spare cores).
    next_claim_ = g + 1;
    lk.unlock();
    try {
      slot.batch = build(g, slot.skipped);
    } catch (...) {
      slot.error = std::current_exception();
    }
    lk.lock();
  } else {
    const double t0 = now();
    cv_ready_.wait(lk, [&] { return ready_.count(g) > 0; });
    stats_.waiting_seconds += now() - t0;
    // A failed batch stays queued and the position stays on it: a caller that
    // catches and retries gets the same error again, never a silent gap.
    if (ready_[g].error) std::rethrow_exception(ready_[g].error);
    slot = std::move(ready_[g]);
    ready_.erase(g);
  }
  if (slot.error) std::rethrow_exception(slot.error);
  ++next_deliver_;
  epoch_end_pending_ = next_deliver_ % per_epoch_ == 0;
  stats_.batches += 1;
  stats_.samples += slot.batch.size();
  stats_.skipped += int64_t(slot.skipped.size());
  lk.unlock();
  for (auto& p : slot.skipped) problems_->report(std::move(p));
  cv_work_.notify_all();
  out = std::move(slot.batch);
  return true;
}

LoaderState Loader::state() const {
  std::lock_guard<std::mutex> lk(mu_);
  return {next_deliver_ / per_epoch_, next_deliver_ % per_epoch_};
}

LoaderStats Loader::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  LoaderStats s = stats_;
  s.seconds = now() - start_time_;
  return s;
}

}  // namespace fb::data
