// Aggregation of result cells into tables: mean and sample std over seeds,
// column order, best-per-column by the metric's direction, formatting.
#include <doctest/doctest.h>

#include <cmath>

#include "cells.h"
#include "facebench/report/tables.h"
#include "tensor/error.h"

using namespace fb::report;

TEST_CASE("summarize gives the mean and the sample standard deviation") {
  const Stat s = summarize({1.0, 2.0, 4.0});
  CHECK(s.n == 3);
  CHECK(s.mean == doctest::Approx(7.0 / 3));
  // sum of squared deviations = 14/3 over n - 1 = 2
  CHECK(s.std == doctest::Approx(std::sqrt(7.0 / 3)));
  const Stat one = summarize({5.0});
  CHECK(one.mean == 5.0);
  CHECK(std::isnan(one.std));
  CHECK(std::isnan(summarize({1.0, NAN}).mean));
  CHECK(std::isnan(summarize({1.0, INFINITY}).mean));
  CHECK(summarize({}).n == 0);
}

TEST_CASE("a table averages seeds per backbone and fraction with fractions ascending") {
  std::vector<CellResult> cells;
  // Deliberately out of order: fractions, seeds and backbones.
  cells.push_back(rpt::cell("landmarks", "scratch", 1.0, 1, {{"nme_io", 6.0}}));
  cells.push_back(rpt::cell("landmarks", "supervised", 0.05, 0, {{"nme_io", 8.0}}));
  cells.push_back(rpt::cell("landmarks", "scratch", 0.05, 0, {{"nme_io", 10.0}}));
  cells.push_back(rpt::cell("landmarks", "scratch", 1.0, 0, {{"nme_io", 4.0}}));
  cells.push_back(rpt::cell("landmarks", "supervised", 1.0, 0, {{"nme_io", 5.0}}));
  cells.push_back(rpt::cell("landmarks", "supervised", 1.0, 1, {{"nme_io", 5.5}}));
  cells.push_back(rpt::cell("landmarks", "scratch", 0.05, 1, {{"nme_io", 12.0}}));
  cells.push_back(rpt::cell("landmarks", "supervised", 0.05, 1, {{"nme_io", 9.0}}));
  cells.push_back(rpt::cell("landmarks", "zeta", 1.0, 0, {{"nme_io", 3.0}}));
  // A cell of another mode must not leak into the linear table.
  cells.push_back(rpt::cell("landmarks", "scratch", 1.0, 0, {{"nme_io", 100.0}}, "synth", "finetune"));

  const Table t = build_table(cells, {"landmarks", "synth", "linear"}, task_metrics("landmarks").front(),
                              {"supervised", "scratch"});
  REQUIRE(t.rows == std::vector<std::string>{"supervised", "scratch", "zeta"});
  REQUIRE(t.fractions.size() == 2);
  CHECK(t.fractions[0] == 0.05);
  CHECK(t.fractions[1] == 1.0);
  CHECK(t.typical_n == 2);

  const TableEntry* e = t.find("scratch", 1.0);
  REQUIRE(e);
  CHECK(e->stat.n == 2);
  CHECK(e->stat.mean == doctest::Approx(5.0));
  CHECK(e->stat.std == doctest::Approx(std::sqrt(2.0)));
  CHECK(t.find("scratch", 0.05)->stat.mean == doctest::Approx(11.0));
  CHECK_FALSE(t.find("zeta", 0.05)->present);
  CHECK(t.find("zeta", 1.0)->stat.n == 1);
  CHECK(t.find("nobody", 1.0) == nullptr);

  // NME: lower is better. At 5 % supervised (8.5) beats scratch (11);
  // at 100 % zeta's single seed (3) is lowest.
  CHECK(t.find("supervised", 0.05)->best);
  CHECK_FALSE(t.find("scratch", 0.05)->best);
  CHECK(t.find("zeta", 1.0)->best);
  CHECK_FALSE(t.find("supervised", 1.0)->best);

  const std::string md = table_markdown(t);
  CHECK(md.find("| backbone | 5 % | 100 % |") != std::string::npos);
  CHECK(md.find("**8.50 ± 0.71**") != std::string::npos);
  CHECK(md.find("5.00 ± 1.41") != std::string::npos);
  // The lone seed shows its count, the missing cell a dash.
  CHECK(md.find("| zeta | — | **3.00 (n=1)** |") != std::string::npos);
}

TEST_CASE("the best entry follows the metric direction and ties are all marked") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "recognition", "verif_acc", {"a", "b", "c"}, {0.1, 1.0}, {{70, 90}, {80, 90}, {60, 85}});
  const Table t = build_table(cells, {"recognition", "synth", "linear"}, task_metrics("recognition").front(), {});
  CHECK(t.find("b", 0.1)->best);
  CHECK_FALSE(t.find("a", 0.1)->best);
  CHECK_FALSE(t.find("c", 0.1)->best);
  CHECK(t.find("a", 1.0)->best);
  CHECK(t.find("b", 1.0)->best);
  CHECK_FALSE(t.find("c", 1.0)->best);

  // An undeclared metric has no direction: nothing is marked.
  const Table u = build_table(cells, {"recognition", "synth", "linear"}, {"verif_acc", "x", true}, {}, false);
  for (const auto& row : u.entries)
    for (const auto& e : row) CHECK_FALSE(e.best);
}

TEST_CASE("a column with a single backbone marks nothing best") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "au", "icc_mean", {"a"}, {1.0}, {{0.5}});
  const Table t = build_table(cells, {"au", "synth", "linear"}, task_metrics("au").front(), {});
  CHECK_FALSE(t.find("a", 1.0)->best);
}

TEST_CASE("redundancy columns go from all frames to the sparsest subsample") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "redundancy", "icc_mean", {"swav"}, {0.1, 1.0, 0.5}, {{0.4, 0.5, 0.45}});
  const Table t = build_table(cells, {"redundancy", "synth", "linear"}, task_metrics("redundancy").front(), {});
  REQUIRE(t.fractions.size() == 3);
  CHECK(t.fractions[0] == 1.0);
  CHECK(t.fractions[2] == 0.1);
  CHECK(column_label(t.key, 0.1) == "k = 10");
  CHECK(column_label({"au", "x", "linear"}, 0.02) == "2 %");
}

TEST_CASE("metrics of a group list declared ones first then the rest") {
  std::vector<CellResult> cells;
  cells.push_back(rpt::cell("landmarks", "a", 1.0, 0, {{"zz_extra", 1}, {"fr8", 2}, {"nme_io", 3}}));
  std::vector<bool> known;
  const auto m = metrics_in_group(cells, {"landmarks", "synth", "linear"}, &known);
  REQUIRE(m.size() == 3);
  CHECK(m[0].key == "nme_io");
  CHECK(m[1].key == "fr8");
  CHECK(m[2].key == "zz_extra");
  CHECK(known == std::vector<bool>{true, true, false});
}

TEST_CASE("decimals follow the magnitude of the table") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "au", "icc_mean", {"a"}, {1.0}, {{0.452}}, 1);
  const Table t = build_table(cells, {"au", "synth", "linear"}, task_metrics("au").front(), {});
  CHECK(table_decimals(t) == 3);
  CHECK(format_entry(*t.find("a", 1.0), 3, 1) == "0.452");
  TableEntry nan_entry;
  nan_entry.present = true;
  nan_entry.stat = summarize({NAN, 1.0});
  CHECK(format_entry(nan_entry, 2, 2) == "n/a");
}

TEST_CASE("a table for a group with no cells is refused") {
  std::vector<CellResult> cells;
  rpt::add_grid(cells, "au", "icc_mean", {"a"}, {1.0}, {{0.5}});
  CHECK_THROWS_AS(build_table(cells, {"au", "other", "linear"}, task_metrics("au").front(), {}), fb::Error);
}
