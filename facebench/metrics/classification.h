#pragma once
// Classification metrics: accuracy (AffectNet 8- and 7-class top-1), the
// confusion matrix and per-class F1 (AU occurrence, face parsing).
//
// Conventions: class ids are 0-based int64 in [0, classes); a confusion
// matrix is `classes * classes` counts, row-major, indexed [truth][pred].
// Every function checks its input (matching sizes, non-empty, ids in range)
// and throws fb::Error naming the function and the offending value.
#include <cstdint>
#include <vector>

namespace fb::metrics {

// Fraction (in [0, 1]) of samples with pred[i] == truth[i].
double accuracy(const std::vector<int64_t>& pred, const std::vector<int64_t>& truth);

// Accuracy over the samples whose truth is NOT `excluded`, predicting with
// the arg-max over every class except `excluded`. This is how AffectNet's
// 7-class accuracy is read off an 8-class model (contempt = 7 is dropped from
// both the test samples and the prediction). `scores` is [n, classes]
// row-major (logits or probabilities: only the order matters); on equal
// scores the lower class id wins. Throws when no sample is left.
double accuracy_excluding_class(const std::vector<float>& scores, int64_t classes,
                                const std::vector<int64_t>& truth, int64_t excluded);

// Arg-max of each row of `scores` [n, classes] (lower id wins ties).
std::vector<int64_t> argmax_rows(const std::vector<float>& scores, int64_t classes);

// Counts [truth][pred], row-major, `classes * classes`.
std::vector<int64_t> confusion_matrix(const std::vector<int64_t>& pred, const std::vector<int64_t>& truth,
                                      int64_t classes);

// Per-class F1 = 2 TP / (2 TP + FP + FN) from a [truth][pred] confusion
// matrix (TP = diagonal, FN = rest of the row, FP = rest of the column).
// A class that never occurs in truth nor in prediction has 0/0; its F1 is
// defined as 0 (scikit-learn's zero_division=0). `mean` is the unweighted
// mean over the classes listed in `classes_for_mean` (e.g. the foreground
// classes of a parsing label set; for binary AU occurrence pass {1}); an
// empty list means every class. Listed ids must be distinct and in range.
struct F1Scores {
  std::vector<double> per_class;
  double mean = 0;
};
F1Scores f1_from_confusion(const std::vector<int64_t>& confusion, int64_t classes,
                           const std::vector<int64_t>& classes_for_mean);

}  // namespace fb::metrics
