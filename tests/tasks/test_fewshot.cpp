// The few-shot protocol's sampling: nested, seeded, subject-exclusive.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "facebench/tasks/fewshot.h"
#include "tensor/error.h"

using namespace fb::tasks;

TEST_CASE("seeded_permutation is a permutation, fixed by its seed") {
  for (int64_t n : {1, 2, 7, 100, 1001}) {
    auto p = seeded_permutation(n, 3);
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < n; ++i) CHECK(sorted[size_t(i)] == i);
    CHECK(seeded_permutation(n, 3) == p);
  }
  CHECK(seeded_permutation(1000, 1) != seeded_permutation(1000, 2));
}

TEST_CASE("nested subsets: sizes round to the fraction, smaller ones inside larger ones") {
  const int64_t n = 997;
  const std::vector<double> fractions = {0.01, 0.02, 0.05, 0.1, 0.2, 1.0};
  for (uint64_t seed : {0u, 1u, 2u}) {
    std::vector<int64_t> prev;
    for (double f : fractions) {
      auto s = nested_subset(n, f, seed);
      CHECK(int64_t(s.size()) == std::max<int64_t>(1, std::llround(f * n)));
      CHECK(std::is_sorted(s.begin(), s.end()));
      CHECK(std::set<int64_t>(s.begin(), s.end()).size() == s.size());
      CHECK(std::includes(s.begin(), s.end(), prev.begin(), prev.end()));
      prev = s;
    }
    CHECK(prev.size() == size_t(n));
  }
  // Different seeds draw different small subsets.
  CHECK(nested_subset(n, 0.05, 0) != nested_subset(n, 0.05, 1));
  // At least one row even for a tiny fraction.
  CHECK(nested_subset(10, 0.001, 0).size() == 1);
  CHECK_THROWS_AS(nested_subset(10, 0.0, 0), fb::Error);
  CHECK_THROWS_AS(nested_subset(10, 1.5, 0), fb::Error);
  CHECK_THROWS_AS(nested_subset(0, 0.5, 0), fb::Error);
}

TEST_CASE("subject-exclusive split: no subject on both sides, folds cover everything once") {
  std::vector<int64_t> group;
  for (int64_t s = 0; s < 11; ++s)
    for (int64_t f = 0; f < 3 + s % 4; ++f) group.push_back(100 + s);
  std::multiset<int64_t> tested;
  for (int fold = 0; fold < 3; ++fold) {
    SubjectSplit sp = subject_exclusive_split(group, 3, fold, 5);
    CHECK(sp.train.size() + sp.test.size() == group.size());
    std::set<int64_t> train_subjects, test_subjects;
    for (int64_t r : sp.train) train_subjects.insert(group[size_t(r)]);
    for (int64_t r : sp.test) test_subjects.insert(group[size_t(r)]), tested.insert(r);
    for (int64_t s : test_subjects) CHECK(train_subjects.count(s) == 0);
    // 11 subjects in 3 folds: 3 or 4 per fold.
    CHECK(test_subjects.size() >= 3);
    CHECK(test_subjects.size() <= 4);
  }
  CHECK(tested.size() == group.size());
  CHECK(std::set<int64_t>(tested.begin(), tested.end()).size() == group.size());
  CHECK_THROWS_AS(subject_exclusive_split({1, 2}, 3, 0, 0), fb::Error);       // 2 subjects, 3 folds
  CHECK_THROWS_AS(subject_exclusive_split({1, -1, 2, 3}, 3, 0, 0), fb::Error);  // unknown subject
  CHECK_THROWS_AS(subject_exclusive_split({1, 2, 3}, 3, 3, 0), fb::Error);      // no such fold
}

TEST_CASE("every k-th frame of each video") {
  // Two videos of 5 and 3 frames.
  std::vector<int64_t> group = {7, 7, 7, 7, 7, 9, 9, 9};
  std::vector<int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  CHECK(every_kth_frame(group, rows, 1) == rows);
  CHECK(every_kth_frame(group, rows, 2) == std::vector<int64_t>{0, 2, 4, 5, 7});
  CHECK(every_kth_frame(group, rows, 4) == std::vector<int64_t>{0, 4, 5});
  CHECK(every_kth_frame(group, rows, 50) == std::vector<int64_t>{0, 5});
  CHECK_THROWS_AS(every_kth_frame(group, rows, 0), fb::Error);
}
