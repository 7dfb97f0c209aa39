// The paper's claims judged on crafted results: holds, partly, does not hold,
// and parts that cannot be judged because cells are missing.
#include <doctest/doctest.h>

#include "cells.h"
#include "facebench/report/claims.h"
#include "tensor/error.h"

using namespace fb::report;

namespace {

const std::vector<std::string> kRows = {"swav-uncurated", "supervised", "scratch"};
const std::vector<double> kFractions = {0.01, 0.1, 1.0};

std::vector<Table> headline_tables(const std::vector<CellResult>& cells) {
  std::vector<Table> out;
  for (const auto& k : group_keys(cells)) out.push_back(build_table(cells, k, task_metrics(k.task).front(), kRows));
  return out;
}

const ClaimOneTask& task_of(const ClaimOne& c, const std::string& task) {
  for (const auto& t : c.tasks)
    if (t.task == task) return t;
  FAIL("task not in claim: " << task);
  return c.tasks.front();
}

}  // namespace

TEST_CASE("claim 1 holds when SSL wins everywhere and most at the smallest fraction") {
  std::vector<CellResult> cells;
  // Accuracy, higher is better: gains over supervised 10, 5, 2; over scratch 30, 15, 5.
  rpt::add_grid(cells, "recognition", "verif_acc", kRows, kFractions, {{80, 90, 95}, {70, 85, 93}, {50, 75, 90}});
  // NME, lower is better: gains 3, 1, 0.5 and 6, 3, 1.
  rpt::add_grid(cells, "landmarks", "nme_io", kRows, kFractions, {{5, 4, 3}, {8, 5, 3.5}, {11, 7, 4}});
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  CHECK(task_of(c, "recognition").verdict == Verdict::Holds);
  CHECK(task_of(c, "landmarks").verdict == Verdict::Holds);
  const ClaimOneGroup& g = task_of(c, "landmarks").groups.at(0);
  CHECK(g.comparisons == 6);
  CHECK(g.wins == 6);
  CHECK(g.few_shot_larger);
  // Seeds differ by +-0.1, so every gain of >= 0.5 is clearly beyond the spread.
  CHECK(g.clear_wins == 6);
  // Three of the paper's five tasks were not run: the claim "on all tasks" is only partly shown.
  CHECK(task_of(c, "au").verdict == Verdict::NotTested);
  CHECK(c.verdict == Verdict::Partly);
  CHECK(c.markdown.find("not run: au, emotion, 3d") != std::string::npos);
  CHECK(g.markdown.find("+3.00") != std::string::npos);
}

TEST_CASE("claim 1 holds overall only when all five paper tasks hold") {
  std::vector<CellResult> cells;
  for (auto [task, key] : std::vector<std::pair<std::string, std::string>>{
           {"recognition", "verif_acc"}, {"landmarks", "nme_io"}, {"au", "icc_mean"}, {"emotion", "acc8"}, {"3d", "nme3d_balanced"}}) {
    const bool higher = task_metrics(task).front().higher_is_better;
    if (higher)
      rpt::add_grid(cells, task, key, kRows, kFractions, {{80, 90, 95}, {70, 85, 93}, {50, 75, 90}});
    else
      rpt::add_grid(cells, task, key, kRows, kFractions, {{5, 4, 3}, {8, 5, 3.5}, {11, 7, 4}});
  }
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  CHECK(c.verdict == Verdict::Holds);
  CHECK(c.markdown.find("holds on 5 of 5 of the paper's five tasks") != std::string::npos);

  // An extra task is judged but does not change the verdict on the paper's claim.
  rpt::add_grid(cells, "parsing", "f1_mean", kRows, kFractions, {{10, 20, 30}, {40, 50, 60}, {40, 50, 60}});
  const ClaimOne with_extra = judge_claim_one(headline_tables(cells), {});
  CHECK(task_of(with_extra, "parsing").verdict == Verdict::DoesNotHold);
  CHECK(with_extra.verdict == Verdict::Holds);
  CHECK(with_extra.markdown.find("an extra task") != std::string::npos);
}

TEST_CASE("claim 1 is partly true when SSL wins but the gain does not grow few-shot") {
  std::vector<CellResult> cells;
  // Wins everywhere, but the gain over supervised is 0.01 at 1 % and 0.03 at 100 %.
  rpt::add_grid(cells, "au", "icc_mean", kRows, kFractions, {{0.5, 0.6, 0.8}, {0.49, 0.58, 0.77}, {0.3, 0.4, 0.7}},
                2, 0.001);
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  const ClaimOneGroup& g = task_of(c, "au").groups.at(0);
  CHECK(g.wins == g.comparisons);
  CHECK_FALSE(g.few_shot_larger);
  CHECK(g.verdict == Verdict::Partly);
  CHECK(g.markdown.find("not larger few-shot") != std::string::npos);
}

TEST_CASE("claim 1 is partly true when SSL loses at some fractions") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "emotion", "acc8", kRows, kFractions, {{40, 50, 55}, {30, 52, 56}, {20, 45, 54}});
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  const ClaimOneGroup& g = task_of(c, "emotion").groups.at(0);
  CHECK(g.comparisons == 6);
  CHECK(g.wins == 4);
  CHECK(g.verdict == Verdict::Partly);
}

TEST_CASE("claim 1 does not hold when SSL never wins") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "3d", "nme3d_balanced", kRows, kFractions, {{9, 8, 7}, {8, 7, 6}, {8.5, 7.5, 6.5}});
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  CHECK(task_of(c, "3d").verdict == Verdict::DoesNotHold);
  CHECK(task_of(c, "3d").groups.at(0).wins == 0);
}

TEST_CASE("claim 1 with missing cells is never called holding") {
  std::vector<CellResult> cells;
  // scratch has no 1 % cell: everything that was run is won, but one comparison is missing.
  rpt::add_grid(cells, "landmarks", "nme_io", {"swav-uncurated", "supervised"}, kFractions, {{5, 4, 3}, {8, 5, 3.5}});
  rpt::add_grid(cells, "landmarks", "nme_io", {"scratch"}, {0.1, 1.0}, {{7, 4}});
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  const ClaimOneGroup& g = task_of(c, "landmarks").groups.at(0);
  CHECK(g.wins == g.comparisons);
  CHECK(g.verdict == Verdict::Partly);
  CHECK(g.markdown.find("1 `scratch` cells missing") != std::string::npos);
}

TEST_CASE("claim 1 without the SSL row or without baselines is not tested") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "landmarks", "nme_io", {"supervised", "scratch"}, kFractions, {{8, 5, 3.5}, {11, 7, 4}});
  rpt::add_grid(cells, "au", "icc_mean", {"swav-uncurated"}, kFractions, {{0.5, 0.6, 0.7}});
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  CHECK(task_of(c, "landmarks").verdict == Verdict::NotTested);
  CHECK(task_of(c, "landmarks").groups.at(0).markdown.find("no `swav-uncurated` cells") != std::string::npos);
  CHECK(task_of(c, "au").verdict == Verdict::NotTested);
  CHECK(c.verdict == Verdict::NotTested);
}

TEST_CASE("claim 1 uses the row names it is given") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "au", "icc_mean", {"moco-wild", "sup", "rand"}, kFractions,
                {{0.5, 0.6, 0.7}, {0.3, 0.5, 0.68}, {0.1, 0.3, 0.6}});
  ClaimRoles roles;
  roles.ssl_uncurated = "moco-wild";
  roles.supervised = "sup";
  roles.scratch = "rand";
  std::vector<Table> tables;
  for (const auto& k : group_keys(cells)) tables.push_back(build_table(cells, k, task_metrics(k.task).front(), {}));
  CHECK(task_of(judge_claim_one(tables, roles), "au").verdict == Verdict::Holds);
}

TEST_CASE("claim 2 compares every k with all frames against the threshold") {
  std::vector<CellResult> cells;
  // ICC (higher is better): 0.60 with all frames, 0.58 at k = 10 -> 3.33 % drop.
  rpt::add_grid(cells, "redundancy", "icc_mean", {"swav"}, {1.0, 0.5, 0.1}, {{0.60, 0.59, 0.58}}, 2, 0.001);
  std::vector<Table> tables;
  for (const auto& k : group_keys(cells)) tables.push_back(build_table(cells, k, task_metrics(k.task).front(), {}));

  const ClaimTwo holds = judge_claim_two(tables, 0.05);
  CHECK(holds.verdict == Verdict::Holds);
  REQUIRE(holds.series.size() == 1);
  CHECK(holds.series[0].k == std::vector<double>{1, 2, 10});
  CHECK(holds.series[0].drop[2] == doctest::Approx(0.02 / 0.60));
  CHECK(holds.markdown.find("3.33 %") != std::string::npos);
  CHECK(holds.markdown.find("5.00 %") != std::string::npos);

  const ClaimTwo fails = judge_claim_two(tables, 0.02);
  CHECK(fails.verdict == Verdict::DoesNotHold);
  CHECK_THROWS_AS(judge_claim_two(tables, -1), fb::Error);
}

TEST_CASE("claim 2 on a lower-is-better metric counts a rise as a drop") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "redundancy", "icc_mean", {"swav"}, {1.0, 0.02}, {{0.5, 0.4}});
  std::vector<Table> tables;
  for (const auto& k : group_keys(cells))
    tables.push_back(build_table(cells, k, {"icc_mean", "MAE-like", false}, {}));
  const ClaimTwo c = judge_claim_two(tables, 0.05);
  // The value fell from 0.5 to 0.4 on a lower-is-better metric: an improvement (negative drop).
  CHECK(c.series.at(0).drop.back() == doctest::Approx(-0.2));
  CHECK(c.verdict == Verdict::Holds);
}

TEST_CASE("claim 2 without k = 1 or without redundancy cells is not tested") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "redundancy", "icc_mean", {"swav"}, {0.5, 0.1}, {{0.6, 0.5}});
  std::vector<Table> tables;
  for (const auto& k : group_keys(cells)) tables.push_back(build_table(cells, k, task_metrics(k.task).front(), {}));
  const ClaimTwo c = judge_claim_two(tables, 0.05);
  CHECK(c.verdict == Verdict::NotTested);
  CHECK(c.series.at(0).note.find("no k = 1") != std::string::npos);

  const ClaimTwo none = judge_claim_two({}, 0.05);
  CHECK(none.verdict == Verdict::NotTested);
  CHECK(none.markdown.find("no `redundancy` cells") != std::string::npos);
}

TEST_CASE("verdicts combine to partly when mixed") {
  CHECK(combine({Verdict::Holds, Verdict::Holds}) == Verdict::Holds);
  CHECK(combine({Verdict::DoesNotHold, Verdict::NotTested}) == Verdict::DoesNotHold);
  CHECK(combine({Verdict::Holds, Verdict::DoesNotHold}) == Verdict::Partly);
  CHECK(combine({}) == Verdict::NotTested);
}

TEST_CASE("claim 1 shows tiny gains with significant digits and says when seeds cannot judge them") {
  std::vector<CellResult> cells;
  // One seed; SSL loses to scratch by 0.001 at 100 % on a metric shown with 2 decimals.
  rpt::add_grid(cells, "3d", "nme3d_balanced", kRows, kFractions, {{60, 62, 64.111}, {61, 63, 65}, {62, 64, 64.110}},
                1);
  const ClaimOne c = judge_claim_one(headline_tables(cells), {});
  const ClaimOneGroup& g = task_of(c, "3d").groups.at(0);
  CHECK(g.markdown.find("-0.001") != std::string::npos);
  CHECK(g.markdown.find("-0.00 ") == std::string::npos);
  CHECK(g.markdown.find("no spread to judge the gains against") != std::string::npos);
}
