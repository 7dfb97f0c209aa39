#include <doctest/doctest.h>

#include <cmath>

#include "facebench/metrics/landmarks.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using fb::metrics::test::error_of;
using fb::metrics::test::mentions;

namespace {

std::vector<float> face68() { return std::vector<float>(68 * 2, 0.0f); }

void set_point(std::vector<float>& gt, int p, float x, float y) {
  gt[size_t(p) * 2] = x;
  gt[size_t(p) * 2 + 1] = y;
}

}  // namespace

TEST_CASE("normalisers of the 68-point layout and of the box") {
  std::vector<float> gt = face68();
  set_point(gt, 36, 10, 20);
  set_point(gt, 45, 40, 60);  // |(30, 40)| = 50
  const std::array<float, 4> box = {5, 7, 3, 4};
  CHECK(nme_normaliser(gt, 68, box, {NmeNorm::InterOcular}) == doctest::Approx(50));
  CHECK(nme_normaliser(gt, 68, box, {NmeNorm::BoxDiagonal}) == doctest::Approx(5));
  CHECK(nme_normaliser(gt, 68, box, {NmeNorm::BoxSqrtArea}) == doctest::Approx(std::sqrt(12.0)));
  CHECK(nme_normaliser(gt, 68, box, {NmeNorm::None}) == 1.0);
  // Overriding the corners: points 0 (0, 0) and 45 (40, 60).
  CHECK(nme_normaliser(gt, 68, box, {NmeNorm::InterOcular, 0, 45}) == doctest::Approx(std::hypot(40.0, 60.0)));

  // Inter-pupil: eye 36-41 all at (1, 1) except 36 at (7, 1) -> centre (2, 1); eye 42-47 at (2, 5).
  std::vector<float> eyes = face68();
  for (int p = 36; p <= 41; ++p) set_point(eyes, p, 1, 1);
  set_point(eyes, 36, 7, 1);
  for (int p = 42; p <= 47; ++p) set_point(eyes, p, 2, 5);
  CHECK(nme_normaliser(eyes, 68, box, {NmeNorm::InterPupil}) == doctest::Approx(4));
}

TEST_CASE("normalisers of the WFLW and COFW layouts and of 3D points") {
  std::vector<float> wflw(98 * 2, 0.0f);
  wflw[60 * 2] = 3;
  wflw[72 * 2 + 1] = 4;
  CHECK(nme_normaliser(wflw, 98, {0, 0, 1, 1}, {NmeNorm::InterOcular}) == doctest::Approx(5));
  std::vector<float> cofw(29 * 3, 0.0f);  // x, y, z per point: z is ignored
  cofw[8 * 3] = 6;
  cofw[9 * 3 + 1] = 8;
  cofw[9 * 3 + 2] = 100;
  CHECK(nme_normaliser(cofw, 29, {0, 0, 1, 1}, {NmeNorm::InterOcular}) == doctest::Approx(10));
}

TEST_CASE("normaliser errors name the problem") {
  const std::vector<float> gt19(19 * 2, 1.0f);
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 19, {0, 0, 1, 1}, {NmeNorm::InterOcular}); }),
                 "no default eye corners for a 19-point layout"));
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 19, {0, 0, 1, 1}, {NmeNorm::InterPupil}); }),
                 "no default eye contours"));
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 19, {0, 0, 1, 1}, {NmeNorm::InterOcular, 2, 5}); }),
                 "coincide"));
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 19, {0, 0, 1, 1}, {NmeNorm::InterOcular, 2, -1}); }),
                 "two distinct indices"));
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 19, {0, 0, 0, 1}, {NmeNorm::BoxDiagonal}); }),
                 "box width and height"));
  CHECK(mentions(error_of([&] { nme_normaliser(gt19, 18, {0, 0, 1, 1}, {NmeNorm::InterOcular, 0, 1}); }),
                 "gt has 38 values"));
}

TEST_CASE("per-image NME of four hand-worked images") {
  // Two points per image; ground truth (0, 0) and (10, 0) everywhere.
  const std::vector<float> gt = {0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10, 0};
  const std::vector<float> pred = {
      3, 4, 10, 0,   // errors 5 and 0 -> 2.5 / 10 = 0.25
      0, 0, 10, 0,   // exact -> 0
      1, 0, 10, 3,   // errors 1 and 3 -> 2 / 4 = 0.5 (0.25 with point 1 hidden)
      6, 0, 10, 8,   // errors 6 and 8 -> 7 / 70 = 0.1
  };
  const std::vector<double> norms = {10, 1, 4, 70};
  const auto all = nme_per_image(pred, gt, {}, 4, 2, 2, norms);
  REQUIRE(all.size() == 4);
  CHECK(all[0] == doctest::Approx(0.25));
  CHECK(all[1] == 0.0);
  CHECK(all[2] == doctest::Approx(0.5));
  CHECK(all[3] == doctest::Approx(0.1));
  const auto visible_only = nme_per_image(pred, gt, {1, 1, 1, 1, 1, 0, 1, 1}, 4, 2, 2, norms);
  CHECK(visible_only[2] == doctest::Approx(0.25));
  CHECK(visible_only[0] == doctest::Approx(0.25));
  // 3D: one point, error (1, 2, 2) -> 3.
  CHECK(nme_per_image({1, 2, 2}, {0, 0, 0}, {}, 1, 1, 3, {1})[0] == doctest::Approx(3));
}

TEST_CASE("per-image NME rejects malformed input") {
  const std::vector<float> two = {0, 0, 1, 1};
  CHECK(mentions(error_of([&] { nme_per_image(two, two, {}, 1, 2, 2, {0}); }), "normalisers[0] = 0"));
  CHECK(mentions(error_of([&] { nme_per_image(two, two, {0, 0}, 1, 2, 2, {1}); }), "image 0 has no visible point"));
  CHECK(mentions(error_of([&] { nme_per_image(two, two, {}, 2, 2, 2, {1, 1}); }), "pred has 4 values"));
  CHECK(mentions(error_of([&] { nme_per_image(two, two, {1}, 1, 2, 2, {1}); }), "visible has 1 flags"));
  CHECK(mentions(error_of([&] { nme_per_image(two, two, {}, 1, 1, 4, {1}); }), "dims must be 2 or 3"));
}

TEST_CASE("CED summary of hand-worked errors") {
  // t = 0.1: AUC = ((0.1 - 0) + (0.1 - 0.02) + (0.1 - 0.05) + 0) / 4 / 0.1 = 0.575;
  // 0.12 fails, 0.1 itself does not.
  const CedSummary s = ced_summary({0, 0.02, 0.05, 0.12, 0.1}, 0.1);
  CHECK(s.mean_nme == doctest::Approx(0.29 / 5));
  CHECK(s.auc == doctest::Approx((0.1 + 0.08 + 0.05) / 5 / 0.1));
  CHECK(s.failure_rate == doctest::Approx(0.2));
  CHECK(ced_summary({0, 0}, 0.08).auc == 1.0);
  CHECK(ced_summary({0.5}, 0.08).auc == 0.0);
  CHECK(mentions(error_of([] { ced_summary({0.1}, 0); }), "threshold must be finite and > 0"));
  CHECK(mentions(error_of([] { ced_summary({-0.1}, 0.1); }), "nme[0] = -0.1"));
}

TEST_CASE("yaw bins follow the 3DDFA edges") {
  // |yaw| 10, 30 -> bin 0; 45, 60 -> bin 1; 75, 120 -> bin 2.
  const YawBinnedNme y = yaw_binned_nme({0.01, 0.03, 0.02, 0.04, 0.05, 0.07}, {10, -30, 45, -60, 75, 120});
  CHECK(y.count[0] == 2);
  CHECK(y.count[1] == 2);
  CHECK(y.count[2] == 2);
  CHECK(y.bin[0] == doctest::Approx(0.02));
  CHECK(y.bin[1] == doctest::Approx(0.03));
  CHECK(y.bin[2] == doctest::Approx(0.06));
  CHECK(y.balanced == doctest::Approx(0.11 / 3));
  // An empty bin is left out of the balanced mean.
  const YawBinnedNme sparse = yaw_binned_nme({0.02, 0.04}, {10, -80});
  CHECK(sparse.count[1] == 0);
  CHECK(sparse.bin[1] == 0.0);
  CHECK(sparse.balanced == doctest::Approx(0.03));
  CHECK(mentions(error_of([] { yaw_binned_nme({0.1}, {1, 2}); }), "nme has 1 values but yaw_degrees has 2"));
}

TEST_CASE("head-pose MAE per angle") {
  // yaw errors 2, 3; pitch 1, 0; roll 0, 5.
  const PoseError e = pose_mae({10, 0, -5, 20, 5, 5}, {12, 1, -5, 17, 5, 0});
  CHECK(e.yaw == doctest::Approx(2.5));
  CHECK(e.pitch == doctest::Approx(0.5));
  CHECK(e.roll == doctest::Approx(2.5));
  CHECK(e.mean == doctest::Approx(5.5 / 3));
  CHECK(mentions(error_of([] { pose_mae({1, 2}, {1, 2}); }), "not [n][3]"));
}
