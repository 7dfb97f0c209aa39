#include "facebench/report/tables.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "tensor/error.h"

namespace fb::report {

Stat summarize(const std::vector<double>& values) {
  Stat s;
  s.n = int(values.size());
  if (values.empty()) {
    s.mean = s.std = NAN;
    return s;
  }
  double sum = 0;
  for (double v : values) sum += std::isfinite(v) ? v : NAN;
  s.mean = sum / s.n;
  if (s.n < 2 || std::isnan(s.mean)) {
    s.std = NAN;
    return s;
  }
  // Two-pass: the deviations are summed after the mean is known, which keeps
  // the variance of nearly equal values from cancelling to a negative number.
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(ss / (s.n - 1));
  return s;
}

namespace {

int task_rank(const std::string& task) {
  static const char* order[] = {"recognition", "landmarks", "au", "emotion", "3d", "parsing", "redundancy"};
  for (int i = 0; i < 7; ++i)
    if (task == order[i]) return i;
  return 7;
}

bool is_redundancy(const GroupKey& k) { return k.task == "redundancy"; }

}  // namespace

bool GroupKey::operator<(const GroupKey& o) const {
  const int a = task_rank(task), b = task_rank(o.task);
  if (a != b) return a < b;
  if (task != o.task) return task < o.task;
  if (dataset != o.dataset) return dataset < o.dataset;
  // Linear probe before fine-tuning: the cheaper, more common mode first.
  if (mode != o.mode) {
    if (mode == "linear" || o.mode == "linear") return mode == "linear";
    return mode < o.mode;
  }
  return false;
}

std::vector<GroupKey> group_keys(const std::vector<CellResult>& cells) {
  std::vector<GroupKey> keys;
  for (const auto& c : cells) {
    GroupKey k{c.task, c.dataset, c.mode};
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool same_fraction(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

const TableEntry* Table::find(const std::string& backbone, double fraction) const {
  auto r = std::find(rows.begin(), rows.end(), backbone);
  if (r == rows.end()) return nullptr;
  for (size_t j = 0; j < fractions.size(); ++j)
    if (same_fraction(fractions[j], fraction)) return &entries[size_t(r - rows.begin())][j];
  return nullptr;
}

std::vector<std::string> ordered_backbones(const std::vector<CellResult>& cells,
                                           const std::vector<std::string>& order) {
  std::set<std::string> present;
  for (const auto& c : cells) present.insert(c.backbone);
  std::vector<std::string> out;
  for (const auto& b : order)
    if (present.count(b) && std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  for (const auto& b : present)  // std::set iterates alphabetically
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
  return out;
}

Table build_table(const std::vector<CellResult>& cells, const GroupKey& key, const MetricInfo& metric,
                  const std::vector<std::string>& backbone_order, bool direction_known) {
  std::vector<CellResult> mine;
  for (const auto& c : cells)
    if (GroupKey{c.task, c.dataset, c.mode} == key) mine.push_back(c);
  FB_CHECK(!mine.empty(), "report: no result cells for ", key.task, " / ", key.dataset, " / ", key.mode);

  Table t;
  t.key = key;
  t.metric = metric;
  t.direction_known = direction_known;
  t.rows = ordered_backbones(mine, backbone_order);
  for (const auto& c : mine) {
    bool known = false;
    for (double f : t.fractions) known = known || same_fraction(f, c.fraction);
    if (!known) t.fractions.push_back(c.fraction);
  }
  // Few-shot columns go from the smallest share up; the redundancy study's
  // from all frames (k = 1) to the sparsest subsample.
  if (is_redundancy(key))
    std::sort(t.fractions.begin(), t.fractions.end(), std::greater<double>());
  else
    std::sort(t.fractions.begin(), t.fractions.end());

  std::map<int, int> n_count;
  t.entries.assign(t.rows.size(), std::vector<TableEntry>(t.fractions.size()));
  for (size_t r = 0; r < t.rows.size(); ++r)
    for (size_t j = 0; j < t.fractions.size(); ++j) {
      std::vector<double> values;
      for (const auto& c : mine) {
        if (c.backbone != t.rows[r] || !same_fraction(c.fraction, t.fractions[j])) continue;
        auto m = c.metrics.find(metric.key);
        if (m != c.metrics.end()) values.push_back(m->second);
      }
      TableEntry& e = t.entries[r][j];
      if (values.empty()) continue;
      e.present = true;
      e.stat = summarize(values);
      ++n_count[e.stat.n];
    }
  for (const auto& [n, count] : n_count)
    if (t.typical_n == 0 || count > n_count[t.typical_n]) t.typical_n = n;

  if (direction_known)
    for (size_t j = 0; j < t.fractions.size(); ++j) {
      double best = NAN;
      int with_value = 0;
      for (size_t r = 0; r < t.rows.size(); ++r) {
        const TableEntry& e = t.entries[r][j];
        if (!e.present || !std::isfinite(e.stat.mean)) continue;
        ++with_value;
        if (std::isnan(best) || (metric.higher_is_better ? e.stat.mean > best : e.stat.mean < best))
          best = e.stat.mean;
      }
      if (with_value < 2) continue;  // a lone entry is not "best" of anything
      for (size_t r = 0; r < t.rows.size(); ++r) {
        TableEntry& e = t.entries[r][j];
        if (e.present && std::isfinite(e.stat.mean) &&
            std::abs(e.stat.mean - best) <= 1e-12 * std::max(1.0, std::abs(best)))
          e.best = true;
      }
    }
  return t;
}

std::vector<MetricInfo> metrics_in_group(const std::vector<CellResult>& cells, const GroupKey& key,
                                         std::vector<bool>* direction_known) {
  std::set<std::string> keys;
  for (const auto& c : cells)
    if (GroupKey{c.task, c.dataset, c.mode} == key)
      for (const auto& [k, v] : c.metrics) keys.insert(k);
  std::vector<MetricInfo> out;
  std::vector<bool> known;
  for (const auto& m : task_metrics(key.task))
    if (keys.erase(m.key)) out.push_back(m), known.push_back(true);
  for (const auto& k : keys) out.push_back({k, k, true}), known.push_back(false);
  if (direction_known) *direction_known = known;
  return out;
}

std::string column_label(const GroupKey& key, double fraction) {
  char buf[48];
  if (is_redundancy(key))
    std::snprintf(buf, sizeof buf, "k = %.4g", 1.0 / fraction);
  else
    std::snprintf(buf, sizeof buf, "%.4g %%", fraction * 100);
  return buf;
}

int table_decimals(const Table& t) {
  double largest = 0;
  for (const auto& row : t.entries)
    for (const auto& e : row)
      if (e.present && std::isfinite(e.stat.mean)) largest = std::max(largest, std::abs(e.stat.mean));
  if (largest <= 0) return 2;
  return std::clamp(2 - int(std::floor(std::log10(largest))), 2, 6);
}

std::string format_entry(const TableEntry& e, int decimals, int typical_n) {
  if (!e.present) return "—";
  if (!std::isfinite(e.stat.mean)) return "n/a";
  char buf[96];
  if (e.stat.n >= 2 && std::isfinite(e.stat.std))
    std::snprintf(buf, sizeof buf, "%.*f ± %.*f", decimals, e.stat.mean, decimals, e.stat.std);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, e.stat.mean);
  std::string s = buf;
  if (e.stat.n != typical_n) s += " (n=" + std::to_string(e.stat.n) + ")";
  return s;
}

namespace {
std::string escape_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

std::string table_markdown(const Table& t) {
  const int decimals = table_decimals(t);
  std::ostringstream os;
  os << "| backbone |";
  for (double f : t.fractions) os << ' ' << column_label(t.key, f) << " |";
  os << "\n|---|";
  for (size_t j = 0; j < t.fractions.size(); ++j) os << "---:|";
  os << '\n';
  for (size_t r = 0; r < t.rows.size(); ++r) {
    os << "| " << escape_cell(t.rows[r]) << " |";
    for (size_t j = 0; j < t.fractions.size(); ++j) {
      const TableEntry& e = t.entries[r][j];
      const std::string s = format_entry(e, decimals, t.typical_n);
      os << ' ' << (e.best ? "**" + s + "**" : s) << " |";
    }
    os << '\n';
  }
  return os.str();
}

}  // namespace fb::report
