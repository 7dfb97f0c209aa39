#include "facebench/metrics/regression.h"

#include <cmath>
#include <limits>

#include "facebench/metrics/checks.h"

namespace fb::metrics {

namespace {

void check_pair(const char* fn, const std::vector<double>& pred, const std::vector<double>& truth) {
  detail::check_same_nonempty(fn, pred, "pred", truth, "truth");
  detail::check_finite(fn, pred, "pred");
  detail::check_finite(fn, truth, "truth");
}

// Population moments of two series, two-pass (mean first) for accuracy.
struct Moments {
  double mean_p = 0, mean_t = 0, var_p = 0, var_t = 0, cov = 0;
};

Moments moments(const std::vector<double>& p, const std::vector<double>& t) {
  Moments m;
  const double n = double(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    m.mean_p += p[i];
    m.mean_t += t[i];
  }
  m.mean_p /= n;
  m.mean_t /= n;
  for (size_t i = 0; i < p.size(); ++i) {
    const double dp = p[i] - m.mean_p, dt = t[i] - m.mean_t;
    m.var_p += dp * dp;
    m.var_t += dt * dt;
    m.cov += dp * dt;
  }
  m.var_p /= n;
  m.var_t /= n;
  m.cov /= n;
  return m;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double mae(const std::vector<double>& pred, const std::vector<double>& truth) {
  check_pair("mae", pred, truth);
  double sum = 0;
  for (size_t i = 0; i < pred.size(); ++i) sum += std::fabs(pred[i] - truth[i]);
  return sum / double(pred.size());
}

double rmse(const std::vector<double>& pred, const std::vector<double>& truth) {
  check_pair("rmse", pred, truth);
  double sum = 0;
  for (size_t i = 0; i < pred.size(); ++i) sum += (pred[i] - truth[i]) * (pred[i] - truth[i]);
  return std::sqrt(sum / double(pred.size()));
}

double pearson(const std::vector<double>& pred, const std::vector<double>& truth) {
  check_pair("pearson", pred, truth);
  const Moments m = moments(pred, truth);
  if (m.var_p == 0 || m.var_t == 0) return kNaN;
  return m.cov / std::sqrt(m.var_p * m.var_t);
}

double ccc(const std::vector<double>& pred, const std::vector<double>& truth) {
  check_pair("ccc", pred, truth);
  const Moments m = moments(pred, truth);
  const double gap = m.mean_p - m.mean_t;
  const double denom = m.var_p + m.var_t + gap * gap;
  if (denom == 0) return kNaN;
  return 2 * m.cov / denom;
}

double icc_3_1_table(const std::vector<double>& ratings, int64_t targets, int64_t raters) {
  const char* fn = "icc_3_1";
  FB_CHECK(targets >= 2, fn, ": needs at least 2 targets, got ", targets);
  FB_CHECK(raters >= 2, fn, ": needs at least 2 raters, got ", raters);
  FB_CHECK(ratings.size() == size_t(targets * raters), fn, ": ratings has ", ratings.size(),
           " values, expected targets * raters = ", targets * raters);
  detail::check_finite(fn, ratings, "ratings");
  const size_t n = size_t(targets), k = size_t(raters);
  std::vector<double> row_mean(n, 0.0), col_mean(k, 0.0);
  double grand = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) {
      const double x = ratings[i * k + j];
      row_mean[i] += x;
      col_mean[j] += x;
      grand += x;
    }
  for (double& r : row_mean) r /= double(k);
  for (double& c : col_mean) c /= double(n);
  grand /= double(n * k);

  double ss_rows = 0, ss_err = 0;
  for (size_t i = 0; i < n; ++i) ss_rows += double(k) * (row_mean[i] - grand) * (row_mean[i] - grand);
  // The residual sum of squares taken term by term (rather than as
  // SS_total - SS_rows - SS_cols) cannot come out negative by cancellation.
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) {
      const double e = ratings[i * k + j] - row_mean[i] - col_mean[j] + grand;
      ss_err += e * e;
    }
  const double bms = ss_rows / double(n - 1);
  const double ems = ss_err / double((n - 1) * (k - 1));
  const double denom = bms + double(k - 1) * ems;
  if (denom == 0) return kNaN;
  return (bms - ems) / denom;
}

double icc_3_1(const std::vector<double>& pred, const std::vector<double>& truth) {
  check_pair("icc_3_1", pred, truth);
  FB_CHECK(pred.size() >= 2, "icc_3_1: needs at least 2 values, got ", pred.size());
  std::vector<double> table(pred.size() * 2);
  for (size_t i = 0; i < pred.size(); ++i) {
    table[2 * i] = pred[i];
    table[2 * i + 1] = truth[i];
  }
  return icc_3_1_table(table, int64_t(pred.size()), 2);
}

}  // namespace fb::metrics
