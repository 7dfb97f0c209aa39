#include <doctest/doctest.h>

#include <cmath>

#include "facebench/metrics/summary.h"
#include "metrics_test_util.h"

using namespace fb::metrics;

TEST_CASE("mean and sample standard deviation") {
  const MeanStd m = mean_std({1, 2, 3, 4});
  CHECK(m.n == 4);
  CHECK(m.mean == doctest::Approx(2.5));
  CHECK(m.std == doctest::Approx(std::sqrt(5.0 / 3)));  // (2.25 + 0.25 + 0.25 + 2.25) / 3
  const MeanStd one = mean_std({0.7});
  CHECK(one.std == 0.0);
  CHECK(one.mean == doctest::Approx(0.7));
  CHECK(fb::metrics::test::mentions(fb::metrics::test::error_of([] { mean_std({}); }), "mean_std: no values"));
}
