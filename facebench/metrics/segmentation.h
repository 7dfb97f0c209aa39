#pragma once
// Face-parsing metric: a confusion matrix accumulated over whole label maps
// of the test set (CelebAMask-HQ, LaPa, Helen), from which per-class F1 and
// the mean F1 over the foreground classes are read, as those benchmarks
// report them (F1 of the pooled pixel counts, not a mean of per-image F1).
#include <cstdint>
#include <vector>

#include "facebench/metrics/classification.h"

namespace fb::metrics {

class ParsingConfusion {
 public:
  // classes in [1, 256]; truth pixels equal to `ignore` are skipped (ignore
  // may be any value outside [0, classes), or -1 for "none").
  explicit ParsingConfusion(int64_t classes, int ignore = 255);

  // Adds one label map: `pixels` class ids of the prediction and of the
  // truth (same size, same pixel order). Throws, before counting anything,
  // on a truth id >= classes that is not `ignore`, or on a predicted id >=
  // classes at a pixel that counts (the prediction under an ignored truth
  // pixel is not looked at).
  void add(const uint8_t* pred, const uint8_t* truth, int64_t pixels);
  void add(const std::vector<uint8_t>& pred, const std::vector<uint8_t>& truth);

  // Per-class F1 of the accumulated counts; mean over `foreground` (e.g.
  // every class but background 0); see f1_from_confusion.
  F1Scores f1(const std::vector<int64_t>& foreground) const;

  // [truth][pred] counts, classes * classes, row-major.
  const std::vector<int64_t>& matrix() const { return counts_; }
  int64_t classes() const { return classes_; }
  int64_t counted_pixels() const { return counted_; }

 private:
  int64_t classes_;
  int ignore_;
  int64_t counted_ = 0;
  std::vector<int64_t> counts_;
};

}  // namespace fb::metrics
