#include "facebench/metrics/verification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "facebench/metrics/checks.h"
#include "facebench/metrics/summary.h"

namespace fb::metrics {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_pairs(const char* fn, const std::vector<double>& scores, const std::vector<uint8_t>& same) {
  detail::check_same_nonempty(fn, scores, "scores", same, "same");
  detail::check_finite(fn, scores, "scores");
  detail::check_binary_labels(fn, same);
}

// A threshold strictly between two consecutive distinct scores a < b. When
// they are adjacent doubles the midpoint rounds onto one of them; a itself
// then still separates them under the strict rule "score > t".
double between(double a, double b) {
  const double mid = a / 2 + b / 2;
  return mid < b && mid >= a ? mid : a;
}

// The candidate threshold with the most correct decisions on `idx`'s pairs
// (see verification.h: -inf, midpoints, +inf; lowest wins ties).
double best_threshold(const std::vector<double>& scores, const std::vector<uint8_t>& same, std::vector<size_t> idx) {
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // At t = -inf every pair is accepted: the genuine ones are right.
  int64_t correct = 0;
  for (size_t i : idx) correct += same[i];
  int64_t best_correct = correct;
  double best = -kInf;
  // Raising t past each group of equal scores rejects that group.
  for (size_t g = 0; g < idx.size();) {
    const double s = scores[idx[g]];
    size_t end = g;
    for (; end < idx.size() && scores[idx[end]] == s; ++end) correct += same[idx[end]] ? -1 : 1;
    if (correct > best_correct) {
      best_correct = correct;
      best = end < idx.size() ? between(s, scores[idx[end]]) : kInf;
    }
    g = end;
  }
  return best;
}

KFoldAccuracy kfold_with_ids(const char* fn, const std::vector<double>& scores, const std::vector<uint8_t>& same,
                             const std::vector<int>& fold_of_pair, int folds) {
  std::vector<std::vector<size_t>> members(static_cast<size_t>(folds));
  for (size_t i = 0; i < fold_of_pair.size(); ++i) members[size_t(fold_of_pair[i])].push_back(i);
  for (int f = 0; f < folds; ++f) FB_CHECK(!members[size_t(f)].empty(), fn, ": fold ", f, " has no pairs");

  KFoldAccuracy out;
  for (int f = 0; f < folds; ++f) {
    std::vector<size_t> train;
    train.reserve(scores.size() - members[size_t(f)].size());
    for (size_t i = 0; i < scores.size(); ++i)
      if (fold_of_pair[i] != f) train.push_back(i);
    const double t = best_threshold(scores, same, std::move(train));
    int64_t right = 0;
    for (size_t i : members[size_t(f)]) right += (scores[i] > t) == (same[i] != 0);
    out.folds.push_back(double(right) / double(members[size_t(f)].size()));
    out.thresholds.push_back(t);
  }
  const MeanStd acc = mean_std(out.folds);
  out.mean = acc.mean;
  out.std = acc.std;
  out.standard_error = acc.std / std::sqrt(double(folds));
  double tsum = 0;
  for (double t : out.thresholds) tsum += t;
  out.threshold_mean = tsum / double(folds);
  return out;
}

}  // namespace

KFoldAccuracy verification_kfold(const std::vector<double>& scores, const std::vector<uint8_t>& same, int folds) {
  const char* fn = "verification_kfold";
  check_pairs(fn, scores, same);
  FB_CHECK(folds >= 2, fn, ": folds must be >= 2, got ", folds);
  FB_CHECK(scores.size() >= size_t(folds), fn, ": ", scores.size(), " pairs cannot fill ", folds, " folds");
  // scikit-learn's KFold sizes: the first n % folds folds hold one extra pair.
  const size_t n = scores.size(), base = n / size_t(folds), extra = n % size_t(folds);
  std::vector<int> fold_of_pair(n);
  size_t at = 0;
  for (int f = 0; f < folds; ++f) {
    const size_t size = base + (size_t(f) < extra ? 1 : 0);
    for (size_t j = 0; j < size; ++j) fold_of_pair[at++] = f;
  }
  return kfold_with_ids(fn, scores, same, fold_of_pair, folds);
}

KFoldAccuracy verification_kfold(const std::vector<double>& scores, const std::vector<uint8_t>& same,
                                 const std::vector<int>& fold_of_pair) {
  const char* fn = "verification_kfold";
  check_pairs(fn, scores, same);
  FB_CHECK(fold_of_pair.size() == scores.size(), fn, ": fold_of_pair has ", fold_of_pair.size(),
           " values but scores has ", scores.size());
  int folds = 0;
  for (size_t i = 0; i < fold_of_pair.size(); ++i) {
    FB_CHECK(fold_of_pair[i] >= 0, fn, ": fold_of_pair[", i, "] = ", fold_of_pair[i], " is negative");
    folds = std::max(folds, fold_of_pair[i] + 1);
  }
  FB_CHECK(folds >= 2, fn, ": fold_of_pair names ", folds, " fold(s), need at least 2");
  return kfold_with_ids(fn, scores, same, fold_of_pair, folds);
}

double verification_accuracy(const std::vector<double>& scores, const std::vector<uint8_t>& same, double threshold) {
  check_pairs("verification_accuracy", scores, same);
  FB_CHECK(!std::isnan(threshold), "verification_accuracy: threshold is NaN");
  int64_t right = 0;
  for (size_t i = 0; i < scores.size(); ++i) right += (scores[i] > threshold) == (same[i] != 0);
  return double(right) / double(scores.size());
}

namespace {

// Splits pair scores into genuine and impostor lists; both must be non-empty.
void split_pairs(const char* fn, const std::vector<double>& scores, const std::vector<uint8_t>& same,
                 std::vector<double>& genuine, std::vector<double>& impostor) {
  check_pairs(fn, scores, same);
  for (size_t i = 0; i < scores.size(); ++i) (same[i] ? genuine : impostor).push_back(scores[i]);
  FB_CHECK(!genuine.empty(), fn, ": no genuine pair (same = 1)");
  FB_CHECK(!impostor.empty(), fn, ": no impostor pair (same = 0)");
}

}  // namespace

double tar_at_far(const std::vector<double>& scores, const std::vector<uint8_t>& same, double far) {
  const char* fn = "tar_at_far";
  FB_CHECK(far > 0 && far <= 1, fn, ": far must be in (0, 1], got ", far);
  std::vector<double> genuine, impostor;
  split_pairs(fn, scores, same, genuine, impostor);
  const size_t allowed = size_t(std::floor(far * double(impostor.size()) * (1 + 1e-9)));
  double threshold = -kInf;
  if (allowed < impostor.size()) {
    // The (allowed + 1)-th highest impostor score: strictly above it lie at most `allowed` impostors.
    std::nth_element(impostor.begin(), impostor.begin() + std::ptrdiff_t(allowed), impostor.end(),
                     std::greater<double>());
    threshold = impostor[allowed];
  }
  int64_t accepted = 0;
  for (double s : genuine) accepted += s > threshold;
  return double(accepted) / double(genuine.size());
}

std::vector<std::pair<double, double>> roc_curve(const std::vector<double>& scores, const std::vector<uint8_t>& same) {
  const char* fn = "roc_curve";
  std::vector<double> genuine, impostor;
  split_pairs(fn, scores, same, genuine, impostor);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<std::pair<double, double>> points{{0.0, 0.0}};
  int64_t tp = 0, fp = 0;
  for (size_t g = 0; g < order.size();) {
    const double s = scores[order[g]];
    for (; g < order.size() && scores[order[g]] == s; ++g) (same[order[g]] ? tp : fp) += 1;
    points.emplace_back(double(fp) / double(impostor.size()), double(tp) / double(genuine.size()));
  }
  return points;
}

namespace {

// Row-wise L2-normalised copy of a [rows][dim] embedding matrix, in double.
std::vector<double> normalised_rows(const char* fn, const std::vector<float>& m, const char* name, int64_t dim) {
  FB_CHECK(!m.empty(), fn, ": ", name, " is empty");
  FB_CHECK(m.size() % size_t(dim) == 0, fn, ": ", name, " has ", m.size(), " values, not a multiple of dim = ", dim);
  detail::check_finite(fn, m, name);
  std::vector<double> out(m.begin(), m.end());
  for (size_t r = 0; r < m.size() / size_t(dim); ++r) {
    double* row = out.data() + r * size_t(dim);
    double sq = 0;
    for (int64_t d = 0; d < dim; ++d) sq += row[d] * row[d];
    FB_CHECK(sq > 0, fn, ": ", name, " row ", r, " is the zero vector (no direction for a cosine)");
    const double inv = 1 / std::sqrt(sq);
    for (int64_t d = 0; d < dim; ++d) row[d] *= inv;
  }
  return out;
}

}  // namespace

double rank_k_identification(const std::vector<float>& gallery, const std::vector<int64_t>& gallery_labels,
                             const std::vector<float>& probes, const std::vector<int64_t>& probe_labels, int64_t dim,
                             int k) {
  const char* fn = "rank_k_identification";
  FB_CHECK(dim >= 1, fn, ": dim must be >= 1, got ", dim);
  const std::vector<double> g = normalised_rows(fn, gallery, "gallery", dim);
  const std::vector<double> p = normalised_rows(fn, probes, "probes", dim);
  const size_t gn = g.size() / size_t(dim), pn = p.size() / size_t(dim);
  FB_CHECK(gallery_labels.size() == gn, fn, ": gallery has ", gn, " rows but gallery_labels has ",
           gallery_labels.size());
  FB_CHECK(probe_labels.size() == pn, fn, ": probes has ", pn, " rows but probe_labels has ", probe_labels.size());
  FB_CHECK(k >= 1 && size_t(k) <= gn, fn, ": k must be in [1, gallery size = ", gn, "], got ", k);

  std::vector<double> sim(gn);
  int64_t hits = 0;
  for (size_t q = 0; q < pn; ++q) {
    const double* probe = p.data() + q * size_t(dim);
    // The best-ranked gallery entry carrying the probe's label decides: the
    // probe hits iff fewer than k entries rank before it.
    size_t first_match = gn;
    for (size_t e = 0; e < gn; ++e) {
      const double* entry = g.data() + e * size_t(dim);
      double dot = 0;
      for (int64_t d = 0; d < dim; ++d) dot += probe[d] * entry[d];
      sim[e] = dot;
      if (gallery_labels[e] == probe_labels[q] && (first_match == gn || dot > sim[first_match])) first_match = e;
    }
    if (first_match == gn) continue;  // the identity is not in the gallery: never a hit
    size_t ahead = 0;
    for (size_t e = 0; e < gn; ++e)
      ahead += sim[e] > sim[first_match] || (sim[e] == sim[first_match] && e < first_match);
    hits += ahead < size_t(k);
  }
  return double(hits) / double(pn);
}

}  // namespace fb::metrics
