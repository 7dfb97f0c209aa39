#pragma once
// Device-agnostic timing: a std::function is run a few times to warm up,
// then repeatedly until enough samples and enough wall time are collected;
// the median is what gets reported (robust to a noisy, shared machine).
// For asynchronous devices the callable itself must synchronise before
// returning (e.g. end with a stream synchronise).
#include <functional>
#include <vector>

namespace fb::bench {

struct TimingOptions {
  int warmup = 2;
  int min_repeats = 5;
  int max_repeats = 200;
  double min_seconds = 0.5;  // keep sampling until this much time has passed
};

struct Timing {
  double median_s = 0, min_s = 0, max_s = 0;
  int repeats = 0;
};

Timing time_it(const std::function<void()>& fn, const TimingOptions& opt = {});

// Monotonic wall-clock seconds.
double now_seconds();

// Median of a sample (copied, then partially sorted).
double median(std::vector<double> v);

}  // namespace fb::bench
