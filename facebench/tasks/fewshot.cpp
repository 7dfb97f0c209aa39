#include "facebench/tasks/fewshot.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "tensor/error.h"
#include "tensor/random.h"

namespace fb::tasks {

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed) {
  FB_CHECK(n >= 0, "permutation: negative size ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
  // Fisher-Yates with Philox draws; the key keeps subsets apart from other uses of the seed.
  Generator g(seed * 0x9E3779B97F4A7C15ull + 0x5EEDull);
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = static_cast<int64_t>(g.next_u64() % static_cast<uint64_t>(i + 1));
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

std::vector<int64_t> nested_subset(int64_t n, double fraction, uint64_t seed) {
  FB_CHECK(fraction > 0 && fraction <= 1, "few-shot: fraction must be in (0, 1], got ", fraction);
  FB_CHECK(n >= 1, "few-shot: the training set is empty");
  int64_t m = std::clamp<int64_t>(std::llround(fraction * static_cast<double>(n)), 1, n);
  std::vector<int64_t> p = seeded_permutation(n, seed);
  std::vector<int64_t> s(p.begin(), p.begin() + m);
  std::sort(s.begin(), s.end());
  return s;
}

SubjectSplit subject_exclusive_split(const std::vector<int64_t>& group, int folds, int test_fold, uint64_t seed) {
  FB_CHECK(folds >= 2 && test_fold >= 0 && test_fold < folds, "subject split: need folds >= 2 and 0 <= test fold < folds (got ",
           folds, ", ", test_fold, ")");
  std::vector<int64_t> subjects;
  for (int64_t g : group) {
    FB_CHECK(g >= 0, "subject split: a row has no subject id; a subject-exclusive split needs one for every row");
    subjects.push_back(g);
  }
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  FB_CHECK(static_cast<int64_t>(subjects.size()) >= folds, "subject split: ", subjects.size(),
           " subjects cannot fill ", folds, " folds");
  std::vector<int64_t> order = seeded_permutation(static_cast<int64_t>(subjects.size()), seed);
  std::map<int64_t, int> fold_of;
  for (size_t i = 0; i < order.size(); ++i) fold_of[subjects[static_cast<size_t>(order[i])]] = static_cast<int>(i % folds);
  SubjectSplit s;
  for (size_t r = 0; r < group.size(); ++r) (fold_of[group[r]] == test_fold ? s.test : s.train).push_back(static_cast<int64_t>(r));
  return s;
}

std::vector<int64_t> every_kth_frame(const std::vector<int64_t>& group, const std::vector<int64_t>& rows, int64_t k) {
  FB_CHECK(k >= 1, "redundancy: k must be >= 1, got ", k);
  std::map<int64_t, int64_t> seen;
  std::vector<int64_t> out;
  for (int64_t r : rows) {
    FB_CHECK(r >= 0 && r < static_cast<int64_t>(group.size()), "redundancy: row ", r, " out of range");
    if (seen[group[static_cast<size_t>(r)]]++ % k == 0) out.push_back(r);
  }
  return out;
}

}  // namespace fb::tasks
