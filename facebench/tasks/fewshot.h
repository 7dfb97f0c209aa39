#pragma once
// The few-shot protocol's sampling (../PROTOCOL.md, "Few-shot protocol"):
//
// - nested subsets: one seeded permutation of the training rows per seed;
//   the subset of fraction f is its first max(1, round(f · N)) rows, so the
//   1 % subset is inside the 2 % subset, and so on.
// - subject-exclusive splits: whole subjects (identities, video sequences)
//   go to one side, so no test subject is ever seen in training.
// - the redundancy study: every k-th frame of each video.
//
// Every function is a pure function of its arguments (seeded Philox draws),
// so a cell is reproducible from (seed, fraction) alone.
#include <cstdint>
#include <vector>

namespace fb::tasks {

// A seeded uniform permutation of [0, n).
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed);

// The nested subset of `fraction` (0, 1] of `n` rows for `seed`, as sorted row numbers.
std::vector<int64_t> nested_subset(int64_t n, double fraction, uint64_t seed);

struct SubjectSplit {
  std::vector<int64_t> train, test;  // row numbers, ascending
};
// Assigns the distinct groups of `group` (one entry per row; -1 = unknown is
// an error) to `folds` folds by a seeded permutation (fold sizes differ by at
// most one subject) and returns fold `test_fold` as test, the rest as train.
SubjectSplit subject_exclusive_split(const std::vector<int64_t>& group, int folds, int test_fold, uint64_t seed);

// Every k-th row of each group, in row order (rows of a group are taken to be
// consecutive frames): the frames 0, k, 2k, ... of each video.
std::vector<int64_t> every_kth_frame(const std::vector<int64_t>& group, const std::vector<int64_t>& rows, int64_t k);

}  // namespace fb::tasks
