#include "facebench/metrics/landmarks.h"

#include <cmath>

#include "facebench/metrics/checks.h"

namespace fb::metrics {

namespace {

struct Point2 {
  double x = 0, y = 0;
};

double distance(Point2 a, Point2 b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Mean (x, y) of points [first, last] of a face stored with `dims` values per point.
Point2 mean_point(const std::vector<float>& gt, int dims, int first, int last) {
  Point2 m;
  for (int p = first; p <= last; ++p) {
    m.x += gt[size_t(p) * size_t(dims)];
    m.y += gt[size_t(p) * size_t(dims) + 1];
  }
  const double count = double(last - first + 1);
  return {m.x / count, m.y / count};
}

// Eye-corner pair of the layouts whose inter-ocular convention is fixed by their benchmark.
bool default_corners(int points, int& left, int& right) {
  switch (points) {
    case 68: left = 36, right = 45; return true;  // 300W: outer eye corners
    case 98: left = 60, right = 72; return true;  // WFLW: outer eye corners
    case 29: left = 8, right = 9; return true;    // COFW
    default: return false;
  }
}

// First and last point of each eye's contour, for the inter-pupil normaliser.
bool default_eye_contours(int points, int eye[2][2]) {
  switch (points) {
    case 68: eye[0][0] = 36, eye[0][1] = 41, eye[1][0] = 42, eye[1][1] = 47; return true;
    case 98: eye[0][0] = 60, eye[0][1] = 67, eye[1][0] = 68, eye[1][1] = 75; return true;
    default: return false;
  }
}

double box_normaliser(const std::array<float, 4>& box, NmeNorm norm) {
  const double w = box[2], h = box[3];
  FB_CHECK(std::isfinite(w) && std::isfinite(h) && w > 0 && h > 0,
           "nme_normaliser: box width and height must be finite and > 0, got w = ", w, ", h = ", h);
  return norm == NmeNorm::BoxDiagonal ? std::sqrt(w * w + h * h) : std::sqrt(w * h);
}

}  // namespace

double nme_normaliser(const std::vector<float>& gt, int points, const std::array<float, 4>& box,
                      const NmeSpec& spec) {
  const char* fn = "nme_normaliser";
  FB_CHECK(points >= 1, fn, ": points must be >= 1, got ", points);
  if (spec.norm == NmeNorm::None) return 1.0;
  if (spec.norm == NmeNorm::BoxDiagonal || spec.norm == NmeNorm::BoxSqrtArea) return box_normaliser(box, spec.norm);

  FB_CHECK(gt.size() == size_t(points) * 2 || gt.size() == size_t(points) * 3, fn, ": gt has ", gt.size(),
           " values, expected points * 2 or points * 3 for ", points, " points");
  const int dims = gt.size() == size_t(points) * 2 ? 2 : 3;
  detail::check_finite(fn, gt, "gt");
  const bool has_override = spec.left >= 0 || spec.right >= 0;
  if (has_override) {
    FB_CHECK(spec.left >= 0 && spec.left < points && spec.right >= 0 && spec.right < points && spec.left != spec.right,
             fn, ": left/right point indices must be two distinct indices in [0, ", points, "), got ", spec.left,
             " and ", spec.right);
  }
  auto point = [&](int p) { return Point2{gt[size_t(p) * dims], gt[size_t(p) * dims + 1]}; };

  double d = 0;
  if (spec.norm == NmeNorm::InterOcular) {
    int left = spec.left, right = spec.right;
    FB_CHECK(has_override || default_corners(points, left, right), fn, ": no default eye corners for a ", points,
             "-point layout; set NmeSpec::left and right");
    d = distance(point(left), point(right));
  } else {
    int eye[2][2];
    if (has_override) {
      d = distance(point(spec.left), point(spec.right));
    } else {
      FB_CHECK(default_eye_contours(points, eye), fn, ": no default eye contours for a ", points,
               "-point layout; set NmeSpec::left and right to the pupil points");
      d = distance(mean_point(gt, dims, eye[0][0], eye[0][1]), mean_point(gt, dims, eye[1][0], eye[1][1]));
    }
  }
  FB_CHECK(d > 0, fn, ": the two eye points coincide (distance 0); the face cannot be normalised");
  return d;
}

std::vector<double> nme_per_image(const std::vector<float>& pred, const std::vector<float>& gt,
                                  const std::vector<uint8_t>& visible, int64_t images, int points, int dims,
                                  const std::vector<double>& normalisers) {
  const char* fn = "nme_per_image";
  FB_CHECK(images >= 1, fn, ": images must be >= 1, got ", images);
  FB_CHECK(points >= 1, fn, ": points must be >= 1, got ", points);
  FB_CHECK(dims == 2 || dims == 3, fn, ": dims must be 2 or 3, got ", dims);
  const size_t per_image = size_t(points) * size_t(dims);
  FB_CHECK(pred.size() == size_t(images) * per_image, fn, ": pred has ", pred.size(), " values, expected images * ",
           "points * dims = ", size_t(images) * per_image);
  FB_CHECK(gt.size() == pred.size(), fn, ": gt has ", gt.size(), " values but pred has ", pred.size());
  FB_CHECK(visible.empty() || visible.size() == size_t(images) * size_t(points), fn, ": visible has ",
           visible.size(), " flags, expected 0 or images * points = ", size_t(images) * size_t(points));
  FB_CHECK(normalisers.size() == size_t(images), fn, ": normalisers has ", normalisers.size(),
           " values but images = ", images);
  detail::check_finite(fn, pred, "pred");
  detail::check_finite(fn, gt, "gt");
  for (int64_t i = 0; i < images; ++i)
    FB_CHECK(std::isfinite(normalisers[size_t(i)]) && normalisers[size_t(i)] > 0, fn, ": normalisers[", i,
             "] = ", normalisers[size_t(i)], " must be finite and > 0");

  std::vector<double> out(static_cast<size_t>(images));
  for (int64_t i = 0; i < images; ++i) {
    double sum = 0;
    int64_t used = 0;
    for (int p = 0; p < points; ++p) {
      if (!visible.empty() && visible[size_t(i) * size_t(points) + size_t(p)] == 0) continue;
      const size_t at = size_t(i) * per_image + size_t(p) * size_t(dims);
      double sq = 0;
      for (int d = 0; d < dims; ++d) {
        const double e = double(pred[at + size_t(d)]) - double(gt[at + size_t(d)]);
        sq += e * e;
      }
      sum += std::sqrt(sq);
      ++used;
    }
    FB_CHECK(used > 0, fn, ": image ", i, " has no visible point");
    out[size_t(i)] = sum / double(used) / normalisers[size_t(i)];
  }
  return out;
}

namespace {

void check_nmes(const char* fn, const std::vector<double>& nme) {
  FB_CHECK(!nme.empty(), fn, ": nme is empty");
  for (size_t i = 0; i < nme.size(); ++i)
    FB_CHECK(std::isfinite(nme[i]) && nme[i] >= 0, fn, ": nme[", i, "] = ", nme[i], " must be finite and >= 0");
}

}  // namespace

CedSummary ced_summary(const std::vector<double>& nme, double threshold) {
  const char* fn = "ced_summary";
  check_nmes(fn, nme);
  FB_CHECK(std::isfinite(threshold) && threshold > 0, fn, ": threshold must be finite and > 0, got ", threshold);
  // CED(e) steps up by 1/N at each nme_i, so its integral over [0, t] is
  // sum_i max(0, t - nme_i) / N: exact, no grid.
  double sum = 0, area = 0;
  int64_t failures = 0;
  for (double e : nme) {
    sum += e;
    if (e < threshold) area += threshold - e;
    failures += e > threshold;
  }
  const double n = double(nme.size());
  return {sum / n, area / n / threshold, double(failures) / n};
}

YawBinnedNme yaw_binned_nme(const std::vector<double>& nme, const std::vector<float>& yaw_degrees) {
  const char* fn = "yaw_binned_nme";
  detail::check_same_nonempty(fn, nme, "nme", yaw_degrees, "yaw_degrees");
  check_nmes(fn, nme);
  detail::check_finite(fn, yaw_degrees, "yaw_degrees");
  YawBinnedNme out;
  for (size_t i = 0; i < nme.size(); ++i) {
    const double a = std::fabs(double(yaw_degrees[i]));
    const int b = a <= 30 ? 0 : a <= 60 ? 1 : 2;
    out.bin[b] += nme[i];
    ++out.count[b];
  }
  int non_empty = 0;
  for (int b = 0; b < 3; ++b) {
    if (out.count[b] == 0) continue;
    out.bin[b] /= double(out.count[b]);
    out.balanced += out.bin[b];
    ++non_empty;
  }
  out.balanced /= double(non_empty);
  return out;
}

PoseError pose_mae(const std::vector<float>& pred, const std::vector<float>& truth) {
  const char* fn = "pose_mae";
  detail::check_same_nonempty(fn, pred, "pred", truth, "truth");
  FB_CHECK(pred.size() % 3 == 0, fn, ": pred has ", pred.size(), " values, not [n][3] (yaw, pitch, roll)");
  detail::check_finite(fn, pred, "pred");
  detail::check_finite(fn, truth, "truth");
  double sum[3] = {0, 0, 0};
  for (size_t i = 0; i < pred.size(); ++i) sum[i % 3] += std::fabs(double(pred[i]) - double(truth[i]));
  const double n = double(pred.size() / 3);
  PoseError out;
  out.yaw = sum[0] / n;
  out.pitch = sum[1] / n;
  out.roll = sum[2] / n;
  out.mean = (out.yaw + out.pitch + out.roll) / 3;
  return out;
}

}  // namespace fb::metrics
