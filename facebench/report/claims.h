#pragma once
// The paper's two claims, judged on the numbers of one run.
//
// Claim 1: self-supervised pre-training on uncurated faces beats supervised
//   pre-training and training from scratch on every task, most of all
//   few-shot. Per (task, dataset, mode) table: does the SSL-uncurated row
//   beat each baseline at every fraction, and is its gain at the smallest
//   fraction larger than at the largest (100 %)?
// Claim 2: a small subsample of video frames performs almost as well as all
//   of them. From the redundancy study (fraction = 1/k): the relative drop of
//   the headline metric from k = 1 to the largest k must be <= a threshold.
//
// Verdicts are only what the numbers show: missing rows or cells make a part
// of the claim "not tested", never "holds".
#include <string>
#include <vector>

#include "facebench/report/tables.h"

namespace fb::report {

enum class Verdict { Holds, Partly, DoesNotHold, NotTested };
std::string verdict_text(Verdict v);  // "HOLDS", "PARTLY", "DOES NOT HOLD", "NOT TESTED"
// All Holds -> Holds, all DoesNotHold -> DoesNotHold, all NotTested (or none)
// -> NotTested, anything else -> Partly. NotTested parts are ignored when others exist.
Verdict combine(const std::vector<Verdict>& parts);

struct ClaimRoles {
  std::string ssl_uncurated = "swav-uncurated";
  std::string supervised = "supervised";
  std::string scratch = "scratch";
};

struct ClaimOneGroup {
  GroupKey key;
  Verdict verdict = Verdict::NotTested;
  int comparisons = 0, wins = 0;
  int clear_wins = 0;  // wins by more than the combined seed std, sqrt(s1^2 + s2^2)
  bool few_shot_tested = false, few_shot_larger = false;
  std::string markdown;  // the numbers and the reasoning
};
struct ClaimOneTask {
  std::string task;
  Verdict verdict = Verdict::NotTested;
  std::vector<ClaimOneGroup> groups;
};
struct ClaimOne {
  Verdict verdict = Verdict::NotTested;
  // The paper's five tasks in order, then any others that were run (such as
  // parsing); the others are judged too but do not enter `verdict`.
  std::vector<ClaimOneTask> tasks;
  std::string markdown;
};
// `headline` = the headline-metric tables of the run (redundancy tables are ignored).
ClaimOne judge_claim_one(const std::vector<Table>& headline, const ClaimRoles& roles);

struct RedundancySeries {
  GroupKey key;
  std::string backbone;
  std::vector<double> k;           // ascending, starting at 1 when k = 1 was run
  std::vector<double> value;       // mean headline metric per k
  std::vector<double> spread;      // sample std over seeds per k (NaN with one seed)
  std::vector<double> drop;        // relative drop from k = 1 (positive = worse), NaN where undefined
  Verdict verdict = Verdict::NotTested;
  std::string note;                // why it is not tested, when it is not
};
struct ClaimTwo {
  Verdict verdict = Verdict::NotTested;
  double threshold = 0.05;
  std::vector<RedundancySeries> series;
  std::string markdown;
};
ClaimTwo judge_claim_two(const std::vector<Table>& headline, double threshold);

}  // namespace fb::report
