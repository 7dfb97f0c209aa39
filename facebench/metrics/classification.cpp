#include "facebench/metrics/classification.h"

#include "facebench/metrics/checks.h"

namespace fb::metrics {

using detail::check_class_ids;

double accuracy(const std::vector<int64_t>& pred, const std::vector<int64_t>& truth) {
  detail::check_same_nonempty("accuracy", pred, "pred", truth, "truth");
  int64_t right = 0;
  for (size_t i = 0; i < pred.size(); ++i) right += pred[i] == truth[i];
  return double(right) / double(pred.size());
}

namespace {

void check_scores(const char* fn, const std::vector<float>& scores, int64_t classes) {
  FB_CHECK(classes >= 1, fn, ": classes must be >= 1, got ", classes);
  FB_CHECK(!scores.empty(), fn, ": scores is empty");
  FB_CHECK(scores.size() % size_t(classes) == 0, fn, ": scores has ", scores.size(),
           " values, not a multiple of classes = ", classes);
  detail::check_finite(fn, scores, "scores");
}

// Arg-max of row `row`, skipping class `skip` (-1: none); lower id wins ties.
int64_t row_argmax(const std::vector<float>& scores, int64_t classes, size_t row, int64_t skip) {
  const float* s = scores.data() + row * size_t(classes);
  int64_t best = -1;
  for (int64_t c = 0; c < classes; ++c) {
    if (c == skip) continue;
    if (best < 0 || s[c] > s[best]) best = c;
  }
  return best;
}

}  // namespace

std::vector<int64_t> argmax_rows(const std::vector<float>& scores, int64_t classes) {
  check_scores("argmax_rows", scores, classes);
  std::vector<int64_t> out(scores.size() / size_t(classes));
  for (size_t r = 0; r < out.size(); ++r) out[r] = row_argmax(scores, classes, r, -1);
  return out;
}

double accuracy_excluding_class(const std::vector<float>& scores, int64_t classes, const std::vector<int64_t>& truth,
                                int64_t excluded) {
  const char* fn = "accuracy_excluding_class";
  check_scores(fn, scores, classes);
  FB_CHECK(classes >= 2, fn, ": needs at least 2 classes to exclude one, got ", classes);
  FB_CHECK(excluded >= 0 && excluded < classes, fn, ": excluded class ", excluded, " is outside [0, ", classes, ")");
  const size_t n = scores.size() / size_t(classes);
  FB_CHECK(truth.size() == n, fn, ": scores has ", n, " rows but truth has ", truth.size(), " values");
  check_class_ids(fn, truth, "truth", classes);
  int64_t kept = 0, right = 0;
  for (size_t i = 0; i < n; ++i) {
    if (truth[i] == excluded) continue;
    ++kept;
    right += row_argmax(scores, classes, i, excluded) == truth[i];
  }
  FB_CHECK(kept > 0, fn, ": every sample has the excluded class ", excluded);
  return double(right) / double(kept);
}

std::vector<int64_t> confusion_matrix(const std::vector<int64_t>& pred, const std::vector<int64_t>& truth,
                                      int64_t classes) {
  const char* fn = "confusion_matrix";
  FB_CHECK(classes >= 1, fn, ": classes must be >= 1, got ", classes);
  detail::check_same_nonempty(fn, pred, "pred", truth, "truth");
  check_class_ids(fn, pred, "pred", classes);
  check_class_ids(fn, truth, "truth", classes);
  std::vector<int64_t> m(size_t(classes * classes), 0);
  for (size_t i = 0; i < pred.size(); ++i) ++m[size_t(truth[i] * classes + pred[i])];
  return m;
}

F1Scores f1_from_confusion(const std::vector<int64_t>& confusion, int64_t classes,
                           const std::vector<int64_t>& classes_for_mean) {
  const char* fn = "f1_from_confusion";
  FB_CHECK(classes >= 1, fn, ": classes must be >= 1, got ", classes);
  FB_CHECK(confusion.size() == size_t(classes * classes), fn, ": confusion has ", confusion.size(),
           " counts, expected classes^2 = ", classes * classes);
  for (size_t i = 0; i < confusion.size(); ++i)
    FB_CHECK(confusion[i] >= 0, fn, ": confusion[", i / size_t(classes), "][", i % size_t(classes), "] = ",
             confusion[i], " is negative");
  check_class_ids(fn, classes_for_mean, "classes_for_mean", classes);
  std::vector<bool> listed(size_t(classes), false);
  for (int64_t c : classes_for_mean) {
    FB_CHECK(!listed[size_t(c)], fn, ": class ", c, " is listed twice in classes_for_mean");
    listed[size_t(c)] = true;
  }

  F1Scores out;
  out.per_class.resize(size_t(classes));
  for (int64_t c = 0; c < classes; ++c) {
    int64_t tp = confusion[size_t(c * classes + c)], row = 0, col = 0;
    for (int64_t o = 0; o < classes; ++o) {
      row += confusion[size_t(c * classes + o)];
      col += confusion[size_t(o * classes + c)];
    }
    const int64_t fn_count = row - tp, fp_count = col - tp;
    const int64_t denom = 2 * tp + fp_count + fn_count;
    out.per_class[size_t(c)] = denom == 0 ? 0.0 : 2.0 * double(tp) / double(denom);
  }
  double sum = 0;
  int64_t used = 0;
  for (int64_t c = 0; c < classes; ++c) {
    if (!classes_for_mean.empty() && !listed[size_t(c)]) continue;
    sum += out.per_class[size_t(c)];
    ++used;
  }
  out.mean = sum / double(used);
  return out;
}

}  // namespace fb::metrics
