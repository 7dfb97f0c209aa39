#pragma once
// Aggregating a metric over repeated runs (the few-shot protocol's seeds and
// LFW's folds report "mean +- std").
#include <cstdint>
#include <vector>

namespace fb::metrics {

// mean = (1/n) sum v_i; std = SAMPLE standard deviation
// sqrt(sum (v_i - mean)^2 / (n - 1)), 0 when n < 2. Values must be finite
// and v non-empty (fb::Error otherwise).
struct MeanStd {
  double mean = 0, std = 0;
  int64_t n = 0;
};
MeanStd mean_std(const std::vector<double>& v);

}  // namespace fb::metrics
