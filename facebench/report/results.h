#pragma once
// What a benchmark run produces: one CellResult per (task, backbone, mode,
// fraction, seed) cell of the experiment grid. The task runner fills these
// in; the report writer turns them into tables, plots, CSV and JSON. The
// schema is deliberately flat so a results.jsonl line is one cell.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fb::report {

struct CellResult {
  std::string task;      // recognition | landmarks | au | emotion | 3d | parsing | redundancy
  std::string dataset;   // what it was evaluated on, e.g. "synth-curated", "orl", "300w"
  std::string backbone;  // the pre-training, a table row: scratch | supervised | swav-curated | ...
  std::string mode;      // linear | finetune
  double fraction = 1;   // share of the task's training set used, in (0, 1]; redundancy: 1/k
  int64_t seed = 0;
  int64_t train_size = 0;  // training examples actually used
  std::map<std::string, double> metrics;  // metric name -> value, e.g. "nme_io" (in %)
  double seconds = 0;                      // wall time of the cell
};

// How a task's headline metric reads: the report puts it in the tables and
// uses `higher_is_better` to say which backbone won.
struct MetricInfo {
  std::string key;          // key in CellResult::metrics
  std::string label;        // shown to people, e.g. "NME (inter-ocular, %)"
  bool higher_is_better = true;
};

// Every metric key a task reports, headline first.
const std::vector<MetricInfo>& task_metrics(const std::string& task);

nlohmann::json to_json(const CellResult& c);
CellResult cell_from_json(const nlohmann::json& j);  // throws fb::Error on a malformed cell

// The unique identity of a cell in the grid (used to skip finished cells on resume).
std::string cell_key(const CellResult& c);

}  // namespace fb::report
