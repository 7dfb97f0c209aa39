// Landmark overlay sheets: where the points land, grey input, refusals.
#include <doctest/doctest.h>

#include <cmath>

#include "facebench/report/overlays.h"
#include "tensor/error.h"

using namespace fb::report;

TEST_CASE("overlay points land on the scaled face at the matching pixel") {
  LandmarkOverlay o;
  o.title = "a rather long title that has to wrap onto a second line and then be cut";
  o.image.reset(32, 32, 1);  // grey
  for (auto& v : o.image.px) v = 128;
  o.truth = {{8, 8}};
  o.predicted = {{24, 24}};
  const auto sheet = render_landmark_sheet({o}, 4, 128);
  CHECK(sheet.channels == 3);
  // One column: 12 px margin + 128 px tile + 12 px gap.
  CHECK(sheet.width == 12 + 128 + 12);

  // Find the centre of each colour inside the face tile (below the key line).
  auto centre = [&](Rgb c) {
    double sx = 0, sy = 0;
    int n = 0;
    for (int y = 60; y < sheet.height; ++y)
      for (int x = 0; x < sheet.width; ++x) {
        const uint8_t* p = sheet.row(y) + size_t(x) * 3;
        if (p[0] == c.r && p[1] == c.g && p[2] == c.b) sx += x, sy += y, ++n;
      }
    REQUIRE(n > 0);
    return std::pair<double, double>{sx / n, sy / n};
  };
  const auto [tx, ty] = centre(kTruthColor);
  const auto [px, py] = centre(kPredictionColor);
  // Zoom 4: 16 image pixels apart become 64 sheet pixels apart in x and y.
  CHECK(px - tx == doctest::Approx(64).epsilon(0.03));
  CHECK(py - ty == doctest::Approx(64).epsilon(0.03));
  // Grey pixels are pasted as grey RGB.
  const uint8_t* mid = sheet.row(int(ty) + 20) + size_t(tx + 20) * 3;
  CHECK(mid[0] == 128);
  CHECK(mid[1] == 128);
  CHECK(mid[2] == 128);
}

TEST_CASE("overlay sheets refuse what they cannot draw") {
  CHECK_THROWS_WITH_AS(render_landmark_sheet({}), doctest::Contains("no samples"), fb::Error);
  LandmarkOverlay two_channels;
  two_channels.title = "ga";
  two_channels.image.reset(8, 8, 2);
  CHECK_THROWS_WITH_AS(render_landmark_sheet({two_channels}), doctest::Contains("1 or 3 channels"), fb::Error);
  LandmarkOverlay nan_point;
  nan_point.title = "nan";
  nan_point.image.reset(8, 8, 3);
  nan_point.truth = {{NAN, 1}};
  CHECK_THROWS_WITH_AS(render_landmark_sheet({nan_point}), doctest::Contains("non-finite point"), fb::Error);
}
