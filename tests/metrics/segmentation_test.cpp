#include <doctest/doctest.h>

#include "facebench/metrics/segmentation.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using fb::metrics::test::error_of;
using fb::metrics::test::mentions;

TEST_CASE("parsing F1 pools pixels over maps and skips the ignore label") {
  ParsingConfusion c(3);
  // (truth, pred) counted: (0,0) (1,1) (1,2) (2,2) (2,0); the 255 pixel is skipped.
  c.add(std::vector<uint8_t>{0, 1, 2, 2, 1, 0}, std::vector<uint8_t>{0, 1, 1, 2, 255, 2});
  CHECK(c.counted_pixels() == 5);
  CHECK(c.matrix() == std::vector<int64_t>{1, 0, 0, 0, 1, 1, 1, 0, 1});
  // class 0: TP 1 FP 1 -> 2/3; class 1: TP 1 FN 1 -> 2/3; class 2: TP 1 FP 1 FN 1 -> 1/2.
  F1Scores f = c.f1({1, 2});
  CHECK(f.per_class[0] == doctest::Approx(2.0 / 3));
  CHECK(f.per_class[1] == doctest::Approx(2.0 / 3));
  CHECK(f.per_class[2] == doctest::Approx(0.5));
  CHECK(f.mean == doctest::Approx(7.0 / 12));
  // A second map adds to the same counts: one more right pixel of class 2 -> 4/6 = 2/3.
  c.add(std::vector<uint8_t>{2}, std::vector<uint8_t>{2});
  CHECK(c.f1({}).per_class[2] == doctest::Approx(2.0 / 3));
}

TEST_CASE("parsing confusion rejects bad label maps and leaves its counts untouched") {
  ParsingConfusion c(3);
  c.add(std::vector<uint8_t>{0, 1}, std::vector<uint8_t>{0, 1});
  CHECK(mentions(error_of([&] { c.add(std::vector<uint8_t>{0, 1}, std::vector<uint8_t>{0, 5}); }),
                 "truth pixel 1 has class 5"));
  CHECK(mentions(error_of([&] { c.add(std::vector<uint8_t>{3, 1}, std::vector<uint8_t>{0, 1}); }),
                 "predicted pixel 0 has class 3"));
  CHECK(mentions(error_of([&] { c.add(std::vector<uint8_t>{0}, std::vector<uint8_t>{0, 1}); }),
                 "prediction has 1 pixels but truth has 2"));
  CHECK(c.counted_pixels() == 2);
  CHECK(mentions(error_of([] { ParsingConfusion bad(0); }), "classes must be in [1, 256]"));
  CHECK(mentions(error_of([] { ParsingConfusion bad(3, 2); }), "ignore label 2"));
}
