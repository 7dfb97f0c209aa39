#pragma once
// Regression and agreement metrics between a prediction and a ground truth
// series of the same length n (AffectNet valence/arousal: RMSE and CCC;
// DISFA / BP4D AU intensity: ICC(3,1) and MAE).
//
// All moments are population moments (divide by n) unless a formula says
// otherwise. Inputs must be the same, non-zero length and finite; violations
// throw fb::Error. A correlation-type metric whose denominator is 0 (e.g.
// Pearson's r of a constant series) is undefined and returned as NaN rather
// than thrown, so one degenerate column does not stop an evaluation; a mean
// over such columns is then visibly NaN.
#include <cstdint>
#include <vector>

namespace fb::metrics {

// Mean absolute error: (1/n) sum |p_i - t_i|. Same unit as the inputs.
double mae(const std::vector<double>& pred, const std::vector<double>& truth);

// Root mean squared error: sqrt((1/n) sum (p_i - t_i)^2).
double rmse(const std::vector<double>& pred, const std::vector<double>& truth);

// Pearson's r = cov(p, t) / (sd(p) sd(t)); NaN if either series is constant.
double pearson(const std::vector<double>& pred, const std::vector<double>& truth);

// Lin's concordance correlation coefficient
//   CCC = 2 cov(p, t) / (var(p) + var(t) + (mean(p) - mean(t))^2)
// with population (1/n) moments, as in the AffectNet / AVEC evaluations.
// NaN only when both series are the same constant (0/0).
double ccc(const std::vector<double>& pred, const std::vector<double>& truth);

// ICC(3,1) of Shrout & Fleiss (1979): two-way mixed model, consistency,
// single rater, with k = 2 "raters" (the prediction and the ground truth)
// rating n targets (frames). From the two-way ANOVA of the n x k table:
//   BMS = k * sum_i (row_mean_i - grand_mean)^2 / (n - 1)       between targets
//   JMS = n * sum_j (col_mean_j - grand_mean)^2 / (k - 1)       between raters
//   EMS = (SS_total - SS_rows - SS_cols) / ((n - 1)(k - 1))     residual
//   ICC(3,1) = (BMS - EMS) / (BMS + (k - 1) EMS)
// This is the ICC reported for DISFA / BP4D AU intensity. Needs n >= 2;
// NaN when BMS + EMS = 0 (both series the same constant).
double icc_3_1(const std::vector<double>& pred, const std::vector<double>& truth);

// The same ICC(3,1) for a general n x k table (targets x raters), row-major;
// k >= 2, n >= 2. icc_3_1(pred, truth) equals this on the columns (pred, truth).
double icc_3_1_table(const std::vector<double>& ratings, int64_t targets, int64_t raters);

}  // namespace fb::metrics
