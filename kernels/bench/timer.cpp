#include "kernels/bench/timer.h"

#include <algorithm>
#include <chrono>

namespace fb::bench {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

Timing time_it(const std::function<void()>& fn, const TimingOptions& opt) {
  for (int i = 0; i < opt.warmup; ++i) fn();
  std::vector<double> samples;
  const double start = now_seconds();
  while (int(samples.size()) < opt.max_repeats) {
    const double t0 = now_seconds();
    fn();
    samples.push_back(now_seconds() - t0);
    if (int(samples.size()) >= opt.min_repeats && now_seconds() - start >= opt.min_seconds) break;
  }
  Timing t;
  t.repeats = int(samples.size());
  t.median_s = median(samples);
  t.min_s = *std::min_element(samples.begin(), samples.end());
  t.max_s = *std::max_element(samples.begin(), samples.end());
  return t;
}

}  // namespace fb::bench
