#include <doctest/doctest.h>

#include "facebench/metrics/classification.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using fb::metrics::test::error_of;
using fb::metrics::test::mentions;

TEST_CASE("accuracy counts exact matches") {
  CHECK(accuracy({0, 1, 2, 1}, {0, 1, 1, 1}) == doctest::Approx(0.75));
  CHECK(accuracy({4}, {4}) == 1.0);
  CHECK(mentions(error_of([] { accuracy({0, 1}, {0}); }), "accuracy: pred has 2 values but truth has 1"));
  CHECK(mentions(error_of([] { accuracy({}, {}); }), "is empty"));
}

TEST_CASE("confusion matrix is indexed truth then prediction") {
  // pairs (truth, pred): (0,0) (1,1) (1,2) (2,2) (2,1)
  const auto m = confusion_matrix({0, 1, 2, 2, 1}, {0, 1, 1, 2, 2}, 3);
  const std::vector<int64_t> expected = {1, 0, 0,   // truth 0
                                         0, 1, 1,   // truth 1
                                         0, 1, 1};  // truth 2
  CHECK(m == expected);
  CHECK(mentions(error_of([] { confusion_matrix({0, 3}, {0, 1}, 3); }), "pred[1] = 3 is outside [0, 3)"));
  CHECK(mentions(error_of([] { confusion_matrix({0, 1}, {-1, 1}, 3); }), "truth[0] = -1"));
}

TEST_CASE("F1 per class and the mean over the listed classes") {
  const auto m = confusion_matrix({0, 1, 2, 2, 1}, {0, 1, 1, 2, 2}, 3);
  // class 0: TP 1 FP 0 FN 0 -> 1; class 1: TP 1 FP 1 FN 1 -> 2/4; class 2 likewise 2/4.
  const F1Scores f = f1_from_confusion(m, 3, {1, 2});
  REQUIRE(f.per_class.size() == 3);
  CHECK(f.per_class[0] == doctest::Approx(1.0));
  CHECK(f.per_class[1] == doctest::Approx(0.5));
  CHECK(f.per_class[2] == doctest::Approx(0.5));
  CHECK(f.mean == doctest::Approx(0.5));
  CHECK(f1_from_confusion(m, 3, {}).mean == doctest::Approx(2.0 / 3.0));  // empty list: every class
}

TEST_CASE("F1 of a class absent from truth and prediction is 0") {
  // class 2 never appears: 0/0 is defined as 0 and still counts in the mean.
  const auto m = confusion_matrix({0, 1, 1}, {0, 1, 0}, 3);
  // class 0: TP 1 FN 1 -> 2/3; class 1: TP 1 FP 1 -> 2/3
  const F1Scores f = f1_from_confusion(m, 3, {0, 1, 2});
  CHECK(f.per_class[2] == 0.0);
  CHECK(f.mean == doctest::Approx((2.0 / 3 + 2.0 / 3 + 0) / 3));
}

TEST_CASE("F1 rejects malformed input") {
  CHECK(mentions(error_of([] { f1_from_confusion({1, 2, 3}, 2, {}); }), "expected classes^2 = 4"));
  CHECK(mentions(error_of([] { f1_from_confusion({1, -2, 3, 0}, 2, {}); }), "confusion[0][1] = -2 is negative"));
  CHECK(mentions(error_of([] { f1_from_confusion({1, 0, 0, 1}, 2, {1, 1}); }), "listed twice"));
  CHECK(mentions(error_of([] { f1_from_confusion({1, 0, 0, 1}, 2, {2}); }), "classes_for_mean[0] = 2"));
}

TEST_CASE("accuracy excluding a class drops its samples and its column") {
  // 3 classes, class 2 excluded (as contempt in AffectNet-7).
  const std::vector<float> scores = {
      0.1f, 0.2f, 0.9f,  // truth 0: arg-max without class 2 is 1 -> wrong
      0.0f, 0.0f, 1.0f,  // truth 2: skipped
      0.5f, 0.5f, 0.0f,  // truth 1: tie between 0 and 1, lower id 0 wins -> wrong
      0.7f, 0.1f, 0.2f,  // truth 0: right
  };
  CHECK(accuracy_excluding_class(scores, 3, {0, 2, 1, 0}, 2) == doctest::Approx(1.0 / 3.0));
  // Element by element: GCC 12.2 at -O2 with AVX-512 (-march=native) builds the
  // literal vector<int64_t>{2, 2, 0, 0} as {2, 2, 2, 2} (one broadcast load), so
  // comparing against such a literal would test the compiler, not argmax_rows.
  const std::vector<int64_t> rows = argmax_rows(scores, 3);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == 2);
  CHECK(rows[1] == 2);
  CHECK(rows[2] == 0);
  CHECK(rows[3] == 0);
  CHECK(mentions(error_of([&] { accuracy_excluding_class(scores, 3, {2, 2, 2, 2}, 2); }),
                 "every sample has the excluded class 2"));
  CHECK(mentions(error_of([&] { accuracy_excluding_class(scores, 3, {0, 1}, 2); }), "scores has 4 rows"));
  CHECK(mentions(error_of([&] { accuracy_excluding_class(scores, 5, {0, 1}, 2); }), "not a multiple of classes"));
  CHECK(mentions(error_of([&] { accuracy_excluding_class(scores, 3, {0, 1, 1, 0}, 3); }), "excluded class 3"));
}
