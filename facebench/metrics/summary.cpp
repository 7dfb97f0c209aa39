#include "facebench/metrics/summary.h"

#include <cmath>

#include "facebench/metrics/checks.h"

namespace fb::metrics {

MeanStd mean_std(const std::vector<double>& v) {
  FB_CHECK(!v.empty(), "mean_std: no values");
  detail::check_finite("mean_std", v, "v");
  MeanStd out;
  out.n = int64_t(v.size());
  double sum = 0;
  for (double x : v) sum += x;
  out.mean = sum / double(v.size());
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - out.mean) * (x - out.mean);
    out.std = std::sqrt(ss / double(v.size() - 1));
  }
  return out;
}

}  // namespace fb::metrics
