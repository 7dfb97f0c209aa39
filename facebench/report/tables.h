#pragma once
// Aggregation of result cells into the report's tables: one table per
// (task, dataset, mode) and metric, rows = backbones, columns = training
// fractions, each entry the mean and sample standard deviation over seeds.
#include <string>
#include <vector>

#include "facebench/report/results.h"

namespace fb::report {

// Mean and sample standard deviation (n - 1 in the denominator). std is NaN
// when n < 2; mean is NaN when n == 0 or any value is not finite.
struct Stat {
  double mean = 0, std = 0;
  int n = 0;
};
Stat summarize(const std::vector<double>& values);

// What a table is about. Ordered by the paper's task order, then dataset, then mode.
struct GroupKey {
  std::string task, dataset, mode;
  bool operator<(const GroupKey& o) const;
  bool operator==(const GroupKey& o) const { return task == o.task && dataset == o.dataset && mode == o.mode; }
};
std::vector<GroupKey> group_keys(const std::vector<CellResult>& cells);

struct TableEntry {
  bool present = false;  // at least one seed reported this metric
  Stat stat;
  bool best = false;     // best mean of its column (ties all marked); needs >= 2 rows with a value
};

struct Table {
  GroupKey key;
  MetricInfo metric;
  bool direction_known = true;       // false for a metric the task does not declare: nothing is marked best
  std::vector<std::string> rows;     // backbones
  std::vector<double> fractions;     // columns: ascending; for the redundancy study k = 1/fraction ascending
  std::vector<std::vector<TableEntry>> entries;  // [row][column]
  int typical_n = 0;                 // the most common seed count; entries with another count show theirs

  // nullptr when the backbone or fraction is not in the table.
  const TableEntry* find(const std::string& backbone, double fraction) const;
};

// Two fractions are the same column when they agree to 1e-9 relative (they
// come from JSON and from 1/k).
bool same_fraction(double a, double b);

// Backbones of `cells` in `order` first, the rest alphabetically.
std::vector<std::string> ordered_backbones(const std::vector<CellResult>& cells,
                                           const std::vector<std::string>& order);

// Aggregates the cells of `key` for `metric` (cells of other groups are ignored).
// Rows are the group's backbones in `backbone_order`; a backbone whose cells
// lack the metric gets empty entries.
Table build_table(const std::vector<CellResult>& cells, const GroupKey& key, const MetricInfo& metric,
                  const std::vector<std::string>& backbone_order, bool direction_known = true);

// Every metric key reported by the cells of `key`, the task's declared metrics
// first in their declared order, then undeclared keys alphabetically.
std::vector<MetricInfo> metrics_in_group(const std::vector<CellResult>& cells, const GroupKey& key,
                                         std::vector<bool>* direction_known);

// Column header: "5 %" for few-shot fractions, "k = 10" for the redundancy study.
std::string column_label(const GroupKey& key, double fraction);
// "95.23 ± 0.41", "0.452 (n=1)", "n/a" ...; `decimals` digits after the point.
std::string format_entry(const TableEntry& e, int decimals, int typical_n);
// Digits after the point that suit the table's largest magnitude (>= 2).
int table_decimals(const Table& t);
// A GitHub-flavoured Markdown table; best entries in bold.
std::string table_markdown(const Table& t);

}  // namespace fb::report
