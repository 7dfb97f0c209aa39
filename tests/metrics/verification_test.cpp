#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "facebench/metrics/verification.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using fb::metrics::test::error_of;
using fb::metrics::test::mentions;

TEST_CASE("k-fold accuracy when the best threshold is obvious") {
  // Folds {0.9 g, 0.1 i} and {0.8 g, 0.2 i}: each fits 0.5 on the other and classifies perfectly.
  const KFoldAccuracy r = verification_kfold({0.9, 0.1, 0.8, 0.2}, {1, 0, 1, 0}, 2);
  CHECK(r.folds == std::vector<double>{1.0, 1.0});
  CHECK(r.mean == 1.0);
  CHECK(r.std == 0.0);
  CHECK(r.threshold_mean == doctest::Approx(0.5));
}

TEST_CASE("k-fold accuracy with thresholds that do not transfer") {
  // Fold 0 {0.9 g, 0.6 i}, fold 1 {0.7 g, 0.3 i}, fold 2 {0.8 g, 0.2 i}.
  // Fold 0 trains on {0.2 i, 0.3 i, 0.7 g, 0.8 g}: best 0.5 -> 0.6 i accepted -> 1/2.
  // Fold 1 trains on {0.2 i, 0.6 i, 0.8 g, 0.9 g}: best 0.7 (midpoint of 0.6, 0.8) -> 0.7 g rejected -> 1/2.
  // Fold 2 trains on {0.3 i, 0.6 i, 0.7 g, 0.9 g}: best 0.65 -> right -> 1.
  const KFoldAccuracy r = verification_kfold({0.9, 0.6, 0.7, 0.3, 0.8, 0.2}, {1, 0, 1, 0, 1, 0}, 3);
  REQUIRE(r.folds.size() == 3);
  CHECK(r.folds[0] == doctest::Approx(0.5));
  CHECK(r.folds[1] == doctest::Approx(0.5));
  CHECK(r.folds[2] == doctest::Approx(1.0));
  CHECK(r.thresholds[0] == doctest::Approx(0.5));
  CHECK(r.thresholds[1] == doctest::Approx(0.7));
  CHECK(r.thresholds[2] == doctest::Approx(0.65));
  CHECK(r.mean == doctest::Approx(2.0 / 3));
  // Sample std of (0.5, 0.5, 1): sqrt((1/36 + 1/36 + 4/36) / 2) = sqrt(1/12).
  CHECK(r.std == doctest::Approx(std::sqrt(1.0 / 12)));
  CHECK(r.standard_error == doctest::Approx(std::sqrt(1.0 / 12) / std::sqrt(3.0)));
}

TEST_CASE("k-fold takes the lowest of equally good thresholds") {
  // Fold 1 = {0.2 i, 0.4 g, 0.6 i, 0.8 g}: midpoints 0.3 and 0.7 both get 3/4 right; 0.3 is used,
  // so fold 0's single pair (0.5 g) is accepted. Fold 0 alone has only a genuine pair:
  // accepting everything (-inf) is best for fold 1.
  const KFoldAccuracy r =
      verification_kfold({0.2, 0.4, 0.6, 0.8, 0.5}, {0, 1, 0, 1, 1}, std::vector<int>{1, 1, 1, 1, 0});
  CHECK(r.thresholds[0] == doctest::Approx(0.3));
  CHECK(r.folds[0] == 1.0);
  CHECK(r.thresholds[1] == -std::numeric_limits<double>::infinity());
  CHECK(r.folds[1] == doctest::Approx(0.5));
}

TEST_CASE("consecutive folds have scikit-learn KFold sizes") {
  // 7 pairs in 3 folds: sizes 3, 2, 2. Every fold's training part is separable at 0.5.
  const KFoldAccuracy r = verification_kfold({0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6}, {1, 0, 1, 0, 1, 0, 1}, 3);
  CHECK(r.folds.size() == 3);
  CHECK(r.mean == 1.0);
  const KFoldAccuracy same_split = verification_kfold({0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6}, {1, 0, 1, 0, 1, 0, 1},
                                                      std::vector<int>{0, 0, 0, 1, 1, 2, 2});
  CHECK(same_split.thresholds == r.thresholds);
}

TEST_CASE("k-fold rejects malformed input") {
  CHECK(mentions(error_of([] { verification_kfold({0.1, 0.2}, {0, 1}, 1); }), "folds must be >= 2"));
  CHECK(mentions(error_of([] { verification_kfold({0.1, 0.2}, {0, 1}, 3); }), "2 pairs cannot fill 3 folds"));
  CHECK(mentions(error_of([] { verification_kfold({0.1, 0.2}, {0, 2}, 2); }), "same[1] = 2"));
  CHECK(mentions(error_of([] { verification_kfold({0.1, NAN}, {0, 1}, 2); }), "scores[1] is not finite"));
  CHECK(mentions(error_of([] { verification_kfold({0.1, 0.2, 0.3}, {0, 1, 1}, std::vector<int>{0, 2, 2}); }),
                 "fold 1 has no pairs"));
  CHECK(mentions(error_of([] { verification_kfold({0.1, 0.2}, {0, 1}, std::vector<int>{0, 0}); }),
                 "need at least 2"));
}

TEST_CASE("TAR at FAR on a hand-worked set") {
  // 10 impostors 0.1 .. 0.9 and 0.95; genuine 0.5, 0.85, 0.9, 0.97.
  const std::vector<double> s = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.5, 0.85, 0.9, 0.97};
  const std::vector<uint8_t> same = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
  CHECK(tar_at_far(s, same, 0.05) == doctest::Approx(0.25));  // 0 impostors: t = 0.95 -> only 0.97
  CHECK(tar_at_far(s, same, 0.1) == doctest::Approx(0.25));   // 1 impostor: t = 0.9; genuine 0.9 tied -> rejected
  CHECK(tar_at_far(s, same, 0.2) == doctest::Approx(0.75));   // 2: t = 0.8 -> 0.85, 0.9, 0.97
  CHECK(tar_at_far(s, same, 1.0) == 1.0);
}

TEST_CASE("TAR at FAR rejects every impostor tied at the threshold") {
  // far 0.25 of 4 impostors allows 1, but the top three tie at 0.5: none can be let through alone.
  CHECK(tar_at_far({0.5, 0.5, 0.5, 0.1, 0.5, 0.6}, {0, 0, 0, 0, 1, 1}, 0.25) == doctest::Approx(0.5));
}

TEST_CASE("TAR at FAR counts far times impostors without rounding loss") {
  // 0.29 * 100 is 28.999999999999996 in double; 29 impostors are allowed through.
  std::vector<double> s;
  std::vector<uint8_t> same;
  for (int i = 0; i < 100; ++i) s.push_back(i), same.push_back(0);
  s.push_back(70.5), same.push_back(1);  // above exactly 29 impostors (71 .. 99)
  s.push_back(69.5), same.push_back(1);  // above 30: rejected
  CHECK(tar_at_far(s, same, 0.29) == doctest::Approx(0.5));
  CHECK(mentions(error_of([&] { tar_at_far(s, same, 0); }), "far must be in (0, 1]"));
  CHECK(mentions(error_of([] { tar_at_far({0.1, 0.2}, {1, 1}, 0.1); }), "no impostor pair"));
}

TEST_CASE("ROC points at every distinct score") {
  const auto roc = roc_curve({0.9, 0.8, 0.8, 0.3}, {1, 0, 1, 0});
  const std::vector<std::pair<double, double>> expected = {{0, 0}, {0, 0.5}, {0.5, 1}, {1, 1}};
  CHECK(roc == expected);
  CHECK(mentions(error_of([] { roc_curve({0.1}, {0}); }), "no genuine pair"));
}

TEST_CASE("rank-k identification and its tie rule") {
  // Gallery: e0 (1, 0) id 0, e1 (0, 1) id 1, e2 (1, 0) id 2 (same direction as e0).
  const std::vector<float> gallery = {1, 0, 0, 1, 1, 0};
  const std::vector<int64_t> ids = {0, 1, 2};
  // Probe (2, 0) of id 2 ties e0 and e2; e0 (lower index) ranks first -> miss at rank 1, hit at 2.
  // Probe (0, 3) of id 1 -> hit at rank 1. Probe (1, 1) of id 7 (not enrolled) -> never a hit.
  const std::vector<float> probes = {2, 0, 0, 3, 1, 1};
  const std::vector<int64_t> probe_ids = {2, 1, 7};
  CHECK(rank_k_identification(gallery, ids, probes, probe_ids, 2, 1) == doctest::Approx(1.0 / 3));
  CHECK(rank_k_identification(gallery, ids, probes, probe_ids, 2, 2) == doctest::Approx(2.0 / 3));
  CHECK(rank_k_identification(gallery, ids, probes, probe_ids, 2, 3) == doctest::Approx(2.0 / 3));
  CHECK(mentions(error_of([&] { rank_k_identification(gallery, ids, probes, probe_ids, 2, 4); }),
                 "k must be in [1, gallery size = 3]"));
  CHECK(mentions(error_of([&] { rank_k_identification(gallery, ids, {0, 0}, {1}, 2, 1); }),
                 "probes row 0 is the zero vector"));
  CHECK(mentions(error_of([&] { rank_k_identification(gallery, {0, 1}, probes, probe_ids, 2, 1); }),
                 "gallery has 3 rows but gallery_labels has 2"));
  CHECK(mentions(error_of([&] { rank_k_identification(gallery, ids, probes, probe_ids, 4, 1); }),
                 "not a multiple of dim = 4"));
}

TEST_CASE("fixed-threshold verification accuracy") {
  CHECK(verification_accuracy({0.9, 0.5, 0.4}, {1, 1, 0}, 0.5) == doctest::Approx(2.0 / 3));  // 0.5 is not > 0.5
}
