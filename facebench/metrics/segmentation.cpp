#include "facebench/metrics/segmentation.h"

#include "tensor/error.h"

namespace fb::metrics {

ParsingConfusion::ParsingConfusion(int64_t classes, int ignore) : classes_(classes), ignore_(ignore) {
  FB_CHECK(classes >= 1 && classes <= 256, "ParsingConfusion: classes must be in [1, 256] for uint8 label maps, got ",
           classes);
  FB_CHECK(ignore == -1 || (ignore >= classes && ignore <= 255), "ParsingConfusion: ignore label ", ignore,
           " must be -1 (none) or a uint8 value outside [0, ", classes, ")");
  counts_.assign(size_t(classes * classes), 0);
}

void ParsingConfusion::add(const uint8_t* pred, const uint8_t* truth, int64_t pixels) {
  FB_CHECK(pixels >= 0, "ParsingConfusion::add: pixel count is negative (", pixels, ")");
  if (pixels == 0) return;
  FB_CHECK(pred != nullptr && truth != nullptr, "ParsingConfusion::add: null label map");
  // Validate the whole map before counting, so a rejected map leaves the counts untouched.
  for (int64_t i = 0; i < pixels; ++i) {
    const bool skipped = int(truth[i]) == ignore_;
    FB_CHECK(skipped || truth[i] < classes_, "ParsingConfusion::add: truth pixel ", i, " has class ", int(truth[i]),
             ", outside [0, ", classes_, ") and not the ignore label ", ignore_);
    FB_CHECK(skipped || pred[i] < classes_, "ParsingConfusion::add: predicted pixel ", i, " has class ",
             int(pred[i]), ", outside [0, ", classes_, ")");
  }
  for (int64_t i = 0; i < pixels; ++i) {
    if (int(truth[i]) == ignore_) continue;
    ++counts_[size_t(truth[i]) * size_t(classes_) + pred[i]];
    ++counted_;
  }
}

void ParsingConfusion::add(const std::vector<uint8_t>& pred, const std::vector<uint8_t>& truth) {
  FB_CHECK(pred.size() == truth.size(), "ParsingConfusion::add: prediction has ", pred.size(),
           " pixels but truth has ", truth.size());
  add(pred.data(), truth.data(), int64_t(pred.size()));
}

F1Scores ParsingConfusion::f1(const std::vector<int64_t>& foreground) const {
  return f1_from_confusion(counts_, classes_, foreground);
}

}  // namespace fb::metrics
