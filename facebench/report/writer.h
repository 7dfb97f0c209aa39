#pragma once
// The benchmark report: from the result cells of one run, write
//   <out>/results.csv         one row per cell, one column per metric key
//   <out>/results.json        every cell and the run's config
//   <out>/plots/*.png         few-shot curves per (task, dataset, mode), landmark overlays
//   <out>/REPORT.md           tables, plots, the paper's claims judged on these numbers,
//                             and the paper's published numbers for context
// Every file is written to a temporary name and renamed into place, so a failed
// run never leaves a half-written report behind.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "facebench/report/overlays.h"
#include "facebench/report/results.h"

namespace fb::report {

// A published number to show beside ours. It is comparable only when it was
// measured on the same data set (`dataset` equals a CellResult::dataset) with
// the same metric key; otherwise the report lists it as context only.
struct ReferenceNumber {
  std::string task;     // e.g. "landmarks"
  std::string dataset;  // e.g. "cofw", "aflw2000-3d"
  std::string metric;   // CellResult::metrics key, e.g. "nme_io"
  double value = 0;
  std::string source;   // who reported it, e.g. "Bulat et al. 2022, SwAV VGG-F, 100 %"
};

struct ReportInputs {
  std::string title = "facebench report";
  std::string command;  // the command line or preset that produced the run
  std::string machine;  // one line describing the hardware, e.g. "2 CPU cores, no GPU"
  std::string date;     // empty: today's date (UTC) is written

  // Table row order; backbones not listed follow in alphabetical order.
  std::vector<std::string> backbone_order;

  // Which rows play which part in the paper's first claim.
  std::string ssl_uncurated = "swav-uncurated";
  std::string supervised = "supervised";
  std::string scratch = "scratch";
  std::vector<std::string> ssl_rows;  // every self-supervised row (for the legend and notes)

  // Claim 2 holds when the relative drop of the headline metric from all
  // frames (k = 1) to the sparsest subsample tested is at most this.
  double redundancy_threshold = 0.05;

  std::vector<ReferenceNumber> references;
  std::vector<LandmarkOverlay> overlays;
  nlohmann::json config = nlohmann::json::object();  // written verbatim to results.json
};

// Writes the report into `out_dir` (created if missing). Throws fb::Error on
// empty `cells`, an unknown task, a cell without its task's headline metric,
// or a file that cannot be written.
void write_report(const std::string& out_dir, const std::vector<CellResult>& cells, const ReportInputs& in);

}  // namespace fb::report
