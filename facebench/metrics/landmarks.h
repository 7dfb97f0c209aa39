#pragma once
// Landmark metrics: normalised mean error (NME) of 2D / 3D facial landmarks,
// its cumulative error distribution (AUC, failure rate), yaw-binned NME for
// AFLW2000-3D, and head-pose mean absolute error.
//
// Units: NME values are fractions of the normaliser (multiply by 100 for the
// "%" that papers print); thresholds passed to ced_summary are fractions too
// (0.08 or 0.10 for "8 %" / "10 %"). Point indices are 0-based.
//
// Protocols (see PROTOCOL.md):
//   300W (68 points)   inter-ocular: outer eye corners 36 and 45
//   WFLW (98 points)   inter-ocular: outer eye corners 60 and 72
//   COFW (29 points)   inter-ocular: points 8 and 9
//   AFLW-19            box diagonal sqrt(w^2 + h^2), visible points only
//   AFLW2000-3D        sqrt(w * h) of the ground-truth box, per yaw bin
// Every function checks its input and throws fb::Error naming the problem.
#include <array>
#include <cstdint>
#include <vector>

namespace fb::metrics {

enum class NmeNorm {
  InterOcular,  // distance between the outer eye corners
  InterPupil,   // distance between the eye centres
  BoxDiagonal,  // sqrt(w^2 + h^2) of the face box
  BoxSqrtArea,  // sqrt(w * h) of the face box
  None          // 1: errors stay in the unit of the coordinates (pixels)
};

// `left` / `right` override the two point indices of InterOcular (eye
// corners) and InterPupil (then taken as the two pupil points, e.g. WFLW's
// 96 and 97); -1 uses the layout default listed above. Both or neither.
struct NmeSpec {
  NmeNorm norm = NmeNorm::InterOcular;
  int left = -1, right = -1;
};

// Normaliser of one face from its ground-truth points `gt` (x0, y0, x1, y1,
// ... or x0, y0, z0, ... : gt.size() is points * 2 or points * 3; only x and
// y are used) and its box (x, y, w, h).
//   InterOcular: ||gt[a] - gt[b]|| for the corner pair (a, b) above.
//   InterPupil : distance between the means of each eye's points (68 layout:
//                36-41 and 42-47; 98 layout: 60-67 and 68-75), or between
//                the two override points.
//   BoxDiagonal: sqrt(w^2 + h^2).   BoxSqrtArea: sqrt(w * h).   None: 1.
// Throws if the layout has no default and no override is given, or if the
// result is not > 0 (coincident eye points, empty box).
double nme_normaliser(const std::vector<float>& gt, int points, const std::array<float, 4>& box,
                      const NmeSpec& spec);

// Per-image NME: for image i, the mean over its points with visible != 0
// (every point if `visible` is empty) of ||pred - gt|| / normalisers[i], the
// distance taken over `dims` coordinates (2, or 3 for x, y, z).
// pred, gt: [images][points * dims] flattened; visible: [images][points] or
// empty; normalisers: [images], each finite and > 0. An image with no visible
// point is an error.
std::vector<double> nme_per_image(const std::vector<float>& pred, const std::vector<float>& gt,
                                  const std::vector<uint8_t>& visible, int64_t images, int points,
                                  int dims, const std::vector<double>& normalisers);

// Summary of a set of per-image NMEs against a threshold t > 0:
//   mean_nme     = mean of the NMEs (all images, including failures);
//   auc          = (1/t) * integral_0^t CED(e) de, where CED(e) is the
//                  fraction of images with NME <= e. Computed exactly:
//                  auc = mean_i max(0, t - nme_i) / t (1 = every error 0).
//                  Implementations that integrate CED on a grid of step s
//                  (e.g. 1e-4) differ from this by at most s / t;
//   failure_rate = fraction of images with NME > t (strictly).
struct CedSummary {
  double mean_nme = 0, auc = 0, failure_rate = 0;
};
CedSummary ced_summary(const std::vector<double>& nme, double threshold);

// AFLW2000-3D yaw bins on |yaw| in degrees: bin 0 = [0, 30], bin 1 =
// (30, 60], bin 2 = (60, inf) (the few faces past 90 degrees count in the
// last bin, as in the 3DDFA evaluation). bin[b] is the mean NME of bin b (0
// if empty), count[b] its size, balanced = mean of the non-empty bins' means.
struct YawBinnedNme {
  double bin[3] = {0, 0, 0};
  int64_t count[3] = {0, 0, 0};
  double balanced = 0;
};
YawBinnedNme yaw_binned_nme(const std::vector<double>& nme, const std::vector<float>& yaw_degrees);

// Head-pose mean absolute error in degrees per angle, over n faces;
// pred / truth are [n][3] as (yaw, pitch, roll). `mean` = average of the
// three. Differences are taken as they are (no wrap-around at +-180: the
// AFLW2000-3D angles stay within +-99 degrees).
struct PoseError {
  double yaw = 0, pitch = 0, roll = 0, mean = 0;
};
PoseError pose_mae(const std::vector<float>& pred, const std::vector<float>& truth);

}  // namespace fb::metrics
