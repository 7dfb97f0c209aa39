// The whole report: files written, their contents, and refusals of bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "cells.h"
#include "facebench/report/overlays.h"
#include "facebench/report/plot.h"
#include "facebench/report/raw_results.h"
#include "facebench/report/writer.h"
#include "tensor/error.h"

using namespace fb::report;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing file ", p.string());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string l; std::getline(is, l);) out.push_back(l);
  return out;
}

std::vector<CellResult> sample_run() {
  std::vector<CellResult> cells;
  const std::vector<std::string> rows = {"swav-uncurated", "supervised", "scratch"};
  rpt::add_grid(cells, "landmarks", "nme_io", rows, {0.01, 0.1, 1.0}, {{5, 4, 3}, {8, 5, 3.5}, {11, 7, 4}});
  for (auto& c : cells) c.metrics["auc8"] = 60 - c.metrics["nme_io"];
  rpt::add_grid(cells, "redundancy", "icc_mean", {"swav-uncurated"}, {1.0, 0.1}, {{0.6, 0.55}});
  return cells;
}

size_t count_color(const fb::data::Image8& im, Rgb c) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < im.px.size(); i += 3)
    n += im.px[i] == c.r && im.px[i + 1] == c.g && im.px[i + 2] == c.b;
  return n;
}

}  // namespace

TEST_CASE("the CSV has one row per cell and one sorted column per metric key") {
  std::vector<CellResult> cells;
  cells.push_back(rpt::cell("landmarks", "a,b", 0.1, 0, {{"nme_io", 0.1}, {"fr8", 2}}));
  cells.push_back(rpt::cell("au", "c", 1.0, 3, {{"icc_mean", NAN}}));
  const auto l = lines(results_csv(cells));
  REQUIRE(l.size() == 3);
  CHECK(l[0] == "task,dataset,backbone,mode,fraction,seed,train_size,seconds,fr8,icc_mean,nme_io");
  CHECK(l[1] == "landmarks,synth,\"a,b\",linear,0.1,0,100,1.5,2,,0.1");
  CHECK(l[2] == "au,synth,c,linear,1,3,1000,1.5,,nan,");
}

TEST_CASE("results.json cells read back with cell_from_json including NaN") {
  std::vector<CellResult> cells = sample_run();
  cells[0].metrics["nme_io"] = 1.0 / 3;  // needs every digit to round-trip
  cells[1].metrics["auc8"] = NAN;
  const auto doc = nlohmann::json::parse(results_json(cells, {{"preset", "smoke"}}, {}).dump());
  const auto back = cells_from_results_json(doc);
  REQUIRE(back.size() == cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    CHECK(cell_key(back[i]) == cell_key(cells[i]));
    CHECK(back[i].train_size == cells[i].train_size);
    CHECK(back[i].seconds == cells[i].seconds);
    REQUIRE(back[i].metrics.size() == cells[i].metrics.size());
    for (const auto& [k, v] : cells[i].metrics) {
      if (std::isnan(v))
        CHECK(std::isnan(back[i].metrics.at(k)));
      else
        CHECK(back[i].metrics.at(k) == v);
    }
  }
  CHECK(doc["config"]["preset"] == "smoke");
  CHECK_THROWS_AS(cells_from_results_json(nlohmann::json::object()), fb::Error);
  CHECK_THROWS_AS(cell_from_json({{"task", "au"}}), fb::Error);
}

TEST_CASE("write_report writes CSV JSON plots and a REPORT that judges the claims") {
  const auto dir = rpt::scratch("full");
  ReportInputs in;
  in.title = "facebench test report";
  in.command = "facebench reproduce --preset smoke";
  in.machine = "2 CPU cores, no GPU";
  in.date = "2024-01-02";
  in.backbone_order = {"swav-uncurated", "supervised", "scratch"};
  in.ssl_rows = {"swav-uncurated"};
  in.config = {{"preset", "smoke"}, {"seeds", 2}};
  in.references.push_back({"landmarks", "cofw", "nme_io", 3.32, "Bulat et al. 2022, SwAV VGG-F"});
  in.references.push_back({"landmarks", "synth", "nme_io", 2.5, "an imagined comparable number"});
  in.references.push_back({"3d", "aflw2000-3d", "nme3d_balanced", 3.42, "Bulat et al. 2022"});
  LandmarkOverlay o;
  o.title = "sample";
  o.image.reset(64, 48, 3);
  o.truth = {{10, 10}, {50, 30}};
  o.predicted = {{12, 11}, {48, 33}};
  in.overlays = {o, o, o};
  const auto cells = sample_run();
  write_report(dir.string(), cells, in);

  // CSV and JSON.
  CHECK(lines(slurp(dir / "results.csv")).size() == cells.size() + 1);
  const auto doc = nlohmann::json::parse(slurp(dir / "results.json"));
  CHECK(cells_from_results_json(doc).size() == cells.size());
  CHECK(doc["config"]["seeds"] == 2);
  CHECK(doc["meta"]["command"] == in.command);

  // The few-shot plot decodes at the chart size, with the three series drawn.
  const auto png = fb::data::decode_image_file((dir / "plots" / "landmarks_synth_linear.png").string(), 3);
  CHECK(png.width == 960);
  CHECK(png.height == 600);
  for (size_t s = 0; s < 3; ++s) CHECK(count_color(png, series_color(s)) > 300);
  CHECK(fs::exists(dir / "plots" / "redundancy_synth_linear.png"));

  // Overlays: the green truth and red predictions are drawn.
  const auto sheet = fb::data::decode_image_file((dir / "plots" / "landmarks_samples.png").string(), 3);
  CHECK(sheet.width > 3 * 256);
  CHECK(count_color(sheet, kTruthColor) > 6 * 20);
  CHECK(count_color(sheet, kPredictionColor) > 6 * 10);

  const std::string md = slurp(dir / "REPORT.md");
  CHECK(md.rfind("# facebench test report\n", 0) == 0);
  CHECK(md.find("`facebench reproduce --preset smoke`") != std::string::npos);
  CHECK(md.find("2024-01-02") != std::string::npos);
  CHECK(md.find("2 CPU cores, no GPU") != std::string::npos);
  CHECK(md.find("![landmarks synth linear](plots/landmarks_synth_linear.png)") != std::string::npos);
  CHECK(md.find("plots/landmarks_samples.png") != std::string::npos);
  // Landmarks hold; the paper's other tasks were not run, so claim 1 overall is only partly shown.
  CHECK(md.find("**landmarks: HOLDS**") != std::string::npos);
  CHECK(md.find("**Verdict: PARTLY**") != std::string::npos);
  // Claim 2: 0.6 -> 0.55 is an 8.33 % drop, above the 5 % threshold.
  CHECK(md.find("8.33 % > 5.00 %") != std::string::npos);
  // Headline table with the best entry in bold (lower NME is better).
  CHECK(md.find("| swav-uncurated | **5.00 ± 0.14** | **4.00 ± 0.14** | **3.00 ± 0.14** |") != std::string::npos);
  // Published numbers: same data set -> beside ours; other data -> context only.
  CHECK(md.find("| an imagined comparable number | synth, NME (inter-ocular, %) | 2.5 | 3.00 ± 0.14") !=
        std::string::npos);
  CHECK(md.find("not comparable") != std::string::npos);
  CHECK(md.find("cofw, NME (inter-ocular, %): **3.32**") != std::string::npos);
  CHECK(md.find("3d, aflw2000-3d") != std::string::npos);
  // Appendix has the other metric; the config is embedded.
  CHECK(md.find("**AUC @ 8 % (%)** (higher is better)") != std::string::npos);
  CHECK(md.find("## Appendix: the other metrics") != std::string::npos);
  CHECK(md.find("**NME (inter-ocular, %)** (") == std::string::npos);  // the headline is not repeated
  CHECK(md.find("within the seeds' combined standard deviation") != std::string::npos);
  CHECK(md.find("\"preset\": \"smoke\"") != std::string::npos);
  // No temporary files left behind.
  for (const auto& e : fs::recursive_directory_iterator(dir))
    CHECK_MESSAGE(e.path().string().find(".tmp") == std::string::npos, e.path().string());
}

TEST_CASE("bad input is refused with a clear error and writes nothing") {
  const auto dir = rpt::scratch("bad");
  ReportInputs in;
  CHECK_THROWS_WITH_AS(write_report(dir.string(), {}, in), doctest::Contains("no result cells"), fb::Error);

  auto cells = sample_run();
  cells.push_back(rpt::cell("juggling", "a", 1.0, 0, {{"x", 1}}));
  CHECK_THROWS_WITH_AS(write_report(dir.string(), cells, in), doctest::Contains("unknown task 'juggling'"),
                       fb::Error);

  cells = sample_run();
  cells.push_back(rpt::cell("au", "a", 1.0, 0, {{"mae", 1}}));
  CHECK_THROWS_WITH_AS(write_report(dir.string(), cells, in), doctest::Contains("lacks the headline metric 'icc_mean'"),
                       fb::Error);

  cells = sample_run();
  cells.push_back(cells.front());
  CHECK_THROWS_WITH_AS(write_report(dir.string(), cells, in), doctest::Contains("appears twice"), fb::Error);

  cells = sample_run();
  cells.front().fraction = 1.5;
  CHECK_THROWS_WITH_AS(write_report(dir.string(), cells, in), doctest::Contains("fraction 1.5"), fb::Error);

  ReportInputs bad_overlay;
  bad_overlay.overlays.push_back(LandmarkOverlay{"empty", {}, {}, {}});
  CHECK_THROWS_WITH_AS(write_report(dir.string(), sample_run(), bad_overlay), doctest::Contains("empty image"),
                       fb::Error);

  CHECK(fs::is_empty(dir));
}

TEST_CASE("a report that cannot be written names the path") {
  const auto dir = rpt::scratch("blocked");
  // A file where the plots folder should go.
  { std::ofstream(dir / "plots") << "x"; }
  CHECK_THROWS_WITH_AS(write_report(dir.string(), sample_run(), {}), doctest::Contains("plots"), fb::Error);
  CHECK_FALSE(fs::exists(dir / "REPORT.md"));
}

TEST_CASE("a metric that could not be computed shows as n/a and is never best") {
  const auto dir = rpt::scratch("nan");
  auto cells = sample_run();
  for (auto& c : cells)
    if (c.task == "landmarks" && c.backbone == "scratch") c.metrics["nme_io"] = NAN;
  write_report(dir.string(), cells, {});
  const std::string md = slurp(dir / "REPORT.md");
  CHECK(md.find("| scratch | n/a | n/a | n/a |") != std::string::npos);
  CHECK(md.find("beats `scratch` at 0 of 0 fractions") != std::string::npos);
}
