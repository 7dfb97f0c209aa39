#pragma once
// Face-recognition metrics: LFW-style k-fold verification accuracy, IJB-style
// TAR at a fixed FAR, ROC points, and rank-k closed-set identification.
//
// Conventions: a pair's score is a similarity (higher = more likely the same
// person, e.g. the cosine of two embeddings; pass -distance for distances).
// same[i] != 0 marks a genuine (same-identity) pair, 0 an impostor pair.
// A pair is accepted as "same" at threshold t iff score > t (strictly).
// Scores must be finite; sizes must match; violations throw fb::Error.
#include <cstdint>
#include <utility>
#include <vector>

namespace fb::metrics {

// k-fold verification accuracy (the LFW "unrestricted, labelled outside
// data" protocol). For each fold f, the threshold is fitted on the pairs of
// all other folds and fold f is classified with it:
//   - candidate thresholds are -inf, the midpoints between consecutive
//     distinct training scores, and +inf (so a threshold never sits on a
//     training score);
//   - the candidate with the highest training accuracy is taken; on equal
//     accuracy the lowest candidate wins.
// folds[f] is fold f's accuracy (fraction); mean is their mean; std is the
// SAMPLE standard deviation (n - 1), as LFW's README asks; standard_error =
// std / sqrt(folds) (the "S_E" of LFW's results table); thresholds[f] is the
// threshold applied to fold f and threshold_mean their mean (infinite, or
// NaN, when accepting or rejecting every pair is best on some training part,
// e.g. one that holds a single class of pair or scores worse than chance).
struct KFoldAccuracy {
  double mean = 0, std = 0;
  std::vector<double> folds;
  double threshold_mean = 0;
  double standard_error = 0;
  std::vector<double> thresholds;
};

// Pairs split into `folds` consecutive folds in their given order (pairs.txt
// order: LFW's 6000 pairs are 10 sets of 300 genuine + 300 impostor). When n
// is not a multiple of `folds`, the first n % folds folds get one more pair
// (scikit-learn's KFold sizes). folds >= 2 and n >= folds.
KFoldAccuracy verification_kfold(const std::vector<double>& scores, const std::vector<uint8_t>& same,
                                 int folds = 10);

// Explicit fold id per pair (0 .. F-1, F = 1 + max id, every fold non-empty,
// F >= 2), for pair lists that are not stored fold by fold.
KFoldAccuracy verification_kfold(const std::vector<double>& scores, const std::vector<uint8_t>& same,
                                 const std::vector<int>& fold_of_pair);

// Accuracy of the fixed rule "same iff score > threshold" on the given pairs.
double verification_accuracy(const std::vector<double>& scores, const std::vector<uint8_t>& same,
                             double threshold);

// True accept rate at a false accept rate `far` in (0, 1] (IJB-B/C 1:1
// verification). With N impostor pairs, at most floor(far * N) of them may be
// accepted (far * N is rounded down after a 1e-9 relative allowance for
// floating-point error, so far = 1e-4 with N = 10^4 allows exactly 1). The
// threshold is the (floor(far * N) + 1)-th highest impostor score and
// acceptance is strict (score > threshold), so impostors tied at the
// threshold are all rejected and the achieved FAR never exceeds `far`; a
// genuine pair tied with the threshold is rejected too (conservative: the
// reported TAR is never higher than a tie-break could make it). Needs at
// least one genuine and one impostor pair. Note: evaluations that
// interpolate scikit-learn's ROC can report a slightly higher TAR.
double tar_at_far(const std::vector<double>& scores, const std::vector<uint8_t>& same, double far);

// ROC points (far, tar): first (0, 0), then one point per distinct score s,
// from the highest to the lowest, for the rule "same iff score >= s"; the last
// point is (1, 1). Equals scikit-learn's roc_curve(drop_intermediate=False)
// without its thresholds. Needs at least one genuine and one impostor pair.
std::vector<std::pair<double, double>> roc_curve(const std::vector<double>& scores,
                                                 const std::vector<uint8_t>& same);

// Closed-set rank-k identification with cosine similarity. gallery [g][dim]
// and probes [p][dim] are row-major embeddings (normalised here; a zero
// vector is an error). Gallery entries are ranked per probe by decreasing
// cosine; on equal cosine the lower gallery index ranks first. A probe is a
// hit if its label is among the labels of the k top-ranked ENTRIES (not k
// distinct identities). Returns the fraction of probes that hit;
// 1 <= k <= g.
double rank_k_identification(const std::vector<float>& gallery, const std::vector<int64_t>& gallery_labels,
                             const std::vector<float>& probes, const std::vector<int64_t>& probe_labels,
                             int64_t dim, int k = 1);

}  // namespace fb::metrics
