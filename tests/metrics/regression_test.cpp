#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "facebench/metrics/regression.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using fb::metrics::test::error_of;
using fb::metrics::test::mentions;

TEST_CASE("errors and correlations of a small hand-worked series") {
  // pred (1, 2, 3), truth (1, 3, 2): errors 0, -1, 1.
  const std::vector<double> p = {1, 2, 3}, t = {1, 3, 2};
  CHECK(mae(p, t) == doctest::Approx(2.0 / 3.0));
  CHECK(rmse(p, t) == doctest::Approx(std::sqrt(2.0 / 3.0)));
  // Means 2 and 2; cov = (1 + 0 + 0) / 3; var = 2/3 each -> r = 0.5; CCC = (2/3) / (4/3) = 0.5.
  CHECK(pearson(p, t) == doctest::Approx(0.5));
  CHECK(ccc(p, t) == doctest::Approx(0.5));
  // Table rows (1,1) (2,3) (3,2): grand mean 2, row means 1, 2.5, 2.5 -> BMS = 2 * 1.5 / 2 = 1.5;
  // column means equal -> SS_cols 0; SS_total 4 -> SS_err 1, EMS = 1 / 2 -> ICC = 1 / 2.
  CHECK(icc_3_1(p, t) == doctest::Approx(0.5));
}

TEST_CASE("an offset keeps Pearson and ICC(3 1) at 1 but lowers CCC") {
  // pred (1, 3) = truth (2, 4) - 1. ICC(3,1) measures consistency, so a constant
  // offset costs nothing: BMS = 4, EMS = 0 -> 1. CCC = 2 * 1 / (1 + 1 + 1) = 2/3.
  const std::vector<double> p = {1, 3}, t = {2, 4};
  CHECK(icc_3_1(p, t) == doctest::Approx(1.0));
  CHECK(pearson(p, t) == doctest::Approx(1.0));
  CHECK(ccc(p, t) == doctest::Approx(2.0 / 3.0));
  CHECK(mae(p, t) == doctest::Approx(1.0));
}

TEST_CASE("ICC(3 1) matches Shrout and Fleiss 1979 table 2") {
  // 6 targets x 4 judges. Published: BMS 11.24, EMS 1.02, ICC(3,1) = .71.
  // Exactly: BMS = 1349/120, EMS = 367/360 -> (92/9) / (5148/360) = 920/1287.
  const std::vector<double> table = {9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7};
  const double icc = icc_3_1_table(table, 6, 4);
  CHECK(icc == doctest::Approx(920.0 / 1287.0).epsilon(1e-12));
  CHECK(std::round(icc * 100) / 100 == doctest::Approx(0.71));
}

TEST_CASE("degenerate series give NaN not an exception") {
  const std::vector<double> flat = {2, 2, 2}, moving = {1, 2, 4};
  CHECK(std::isnan(pearson(flat, moving)));
  CHECK(ccc(flat, moving) == 0.0);  // zero covariance, positive denominator
  CHECK(std::isnan(ccc(flat, flat)));
  CHECK(std::isnan(icc_3_1(flat, flat)));
  CHECK(mae(flat, flat) == 0.0);
}

TEST_CASE("regression metrics reject malformed input") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(mentions(error_of([] { mae({1, 2}, {1}); }), "mae: pred has 2 values but truth has 1"));
  CHECK(mentions(error_of([] { rmse({}, {}); }), "rmse: pred is empty"));
  CHECK(mentions(error_of([&] { ccc({1, inf}, {1, 2}); }), "ccc: pred[1] is not finite"));
  CHECK(mentions(error_of([] { icc_3_1({1}, {2}); }), "at least 2"));
  CHECK(mentions(error_of([] { icc_3_1_table({1, 2, 3}, 2, 2); }), "expected targets * raters = 4"));
}
