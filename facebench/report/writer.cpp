#include "facebench/report/writer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "facebench/report/claims.h"
#include "facebench/report/files.h"
#include "facebench/report/plot.h"
#include "facebench/report/raw_results.h"
#include "facebench/report/tables.h"
#include "tensor/error.h"

namespace fb::report {
namespace {

void validate(const std::vector<CellResult>& cells, const std::string& out_dir) {
  FB_CHECK(!out_dir.empty(), "report: no output folder given");
  FB_CHECK(!cells.empty(), "report: no result cells to report (did every cell fail?)");
  std::set<std::string> seen;
  for (const auto& c : cells) {
    const std::string key = cell_key(c);
    FB_CHECK(!c.task.empty() && !c.dataset.empty() && !c.backbone.empty() && !c.mode.empty(),
             "report: result cell '", key, "' has an empty task, dataset, backbone or mode");
    const auto& metrics = task_metrics(c.task);  // throws on an unknown task
    FB_CHECK(std::isfinite(c.fraction) && c.fraction > 0 && c.fraction <= 1, "report: result cell '", key,
             "' has fraction ", c.fraction, ", expected a value in (0, 1]");
    FB_CHECK(c.metrics.count(metrics.front().key), "report: result cell '", key, "' lacks the headline metric '",
             metrics.front().key, "' of task '", c.task, "'");
    FB_CHECK(seen.insert(key).second, "report: result cell '", key, "' appears twice");
  }
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string mode_label(const std::string& mode) {
  if (mode == "linear") return "linear probe (frozen backbone)";
  if (mode == "finetune") return "full fine-tuning";
  return mode;
}

std::string task_title(const std::string& task) {
  static const std::map<std::string, std::string> titles = {
      {"recognition", "Face recognition"}, {"landmarks", "2D face alignment (landmarks)"},
      {"au", "Action-unit intensity"},     {"emotion", "Emotion recognition"},
      {"3d", "3D face alignment"},         {"parsing", "Face parsing"},
      {"redundancy", "Redundancy study (every k-th video frame)"}};
  auto it = titles.find(task);
  return it == titles.end() ? task : it->second;
}

// File-name-safe rendering of a name: anything but letters, digits, '.', '-' becomes '_'.
std::string safe_name(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (std::isalnum(c) || c == '.' || c == '-') ? char(c) : '_';
  return out;
}

std::string plot_name(const GroupKey& k) { return safe_name(k.task) + "_" + safe_name(k.dataset) + "_" + safe_name(k.mode) + ".png"; }

std::string format_value(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

bool has_finite_value(const Table& t) {
  for (const auto& row : t.entries)
    for (const auto& e : row)
      if (e.present && std::isfinite(e.stat.mean)) return true;
  return false;
}

LineChart few_shot_chart(const Table& t) {
  LineChart chart;
  const bool redundancy = t.key.task == "redundancy";
  chart.title = t.key.task + " / " + t.key.dataset + " / " + t.key.mode +
                (t.metric.higher_is_better ? " (higher is better)" : " (lower is better)");
  chart.x_label = redundancy ? "k: every k-th frame kept (log scale)" : "training data, % of the set (log scale)";
  chart.y_label = t.metric.label;
  chart.log_x = true;
  for (double f : t.fractions) chart.x_ticks.push_back(redundancy ? 1.0 / f : f * 100);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    Series s;
    s.name = t.rows[r];
    for (size_t j = 0; j < t.fractions.size(); ++j) {
      const TableEntry& e = t.entries[r][j];
      if (!e.present) continue;
      s.x.push_back(redundancy ? 1.0 / t.fractions[j] : t.fractions[j] * 100);
      s.y.push_back(e.stat.mean);
      s.error.push_back(e.stat.n >= 2 && std::isfinite(e.stat.std) ? e.stat.std : 0.0);
    }
    if (!s.x.empty()) chart.series.push_back(std::move(s));
  }
  return chart;
}

std::string metric_label(const std::string& task, const std::string& key) {
  try {
    for (const auto& m : task_metrics(task))
      if (m.key == key) return m.label;
  } catch (const Error&) {
  }
  return key;
}

// Published numbers for `task`: comparable ones (same data set and metric as
// cells of this run) beside our value, the rest listed as context only.
std::string references_markdown(const std::string& task, const std::vector<CellResult>& cells,
                                const ReportInputs& in,
                                const std::vector<std::string>& backbone_order) {
  std::vector<const ReferenceNumber*> mine;
  for (const auto& r : in.references)
    if (r.task == task) mine.push_back(&r);
  if (mine.empty()) return "";
  std::ostringstream comparable, context;
  for (const ReferenceNumber* r : mine) {
    std::set<std::string> modes;
    for (const auto& c : cells)
      if (c.task == task && c.dataset == r->dataset && c.metrics.count(r->metric)) modes.insert(c.mode);
    const std::string what = r->dataset + ", " + metric_label(task, r->metric);
    if (modes.empty()) {
      context << "- " << what << ": **" << format_value(r->value) << "** — " << r->source << "\n";
      continue;
    }
    for (const auto& mode : modes) {
      GroupKey key{task, r->dataset, mode};
      MetricInfo info{r->metric, metric_label(task, r->metric), true};
      for (const auto& m : task_metrics(task))
        if (m.key == r->metric) info = m;
      const Table t = build_table(cells, key, info, backbone_order);
      // The paper's numbers are SSL on uncurated/in-the-wild faces with all
      // training data: compare with that row at the largest fraction run.
      std::string row = in.ssl_uncurated;
      if (std::find(t.rows.begin(), t.rows.end(), row) == t.rows.end()) row = t.rows.front();
      std::string ours = "—";
      for (auto f = t.fractions.rbegin(); f != t.fractions.rend(); ++f) {
        const TableEntry* e = t.find(row, *f);
        if (e && e->present) {
          ours = format_entry(*e, table_decimals(t), t.typical_n) + " (`" + row + "`, " + mode + ", " +
                 column_label(key, *f) + ")";
          break;
        }
      }
      comparable << "| " << r->source << " | " << what << " | " << format_value(r->value) << " | " << ours
                 << " |\n";
    }
  }
  std::ostringstream os;
  if (!comparable.str().empty())
    os << "Published numbers on the same data set and metric:\n\n| source | data set, metric | published | ours |\n"
          "|---|---|---:|---|\n"
       << comparable.str() << "\n";
  if (!context.str().empty())
    os << "Published numbers for context only, **not comparable** (different data than this run):\n\n"
       << context.str() << "\n";
  return os.str();
}

}  // namespace

void write_report(const std::string& out_dir, const std::vector<CellResult>& cells, const ReportInputs& in) {
  validate(cells, out_dir);
  namespace fs = std::filesystem;

  // Everything is computed and rendered in memory first, so an error leaves
  // no files behind; then files are written, REPORT.md last.
  const std::vector<GroupKey> groups = group_keys(cells);
  std::vector<Table> headline;
  for (const auto& k : groups) headline.push_back(build_table(cells, k, task_metrics(k.task).front(), in.backbone_order));

  ClaimRoles roles;
  roles.ssl_uncurated = in.ssl_uncurated;
  roles.supervised = in.supervised;
  roles.scratch = in.scratch;
  const ClaimOne claim1 = judge_claim_one(headline, roles);
  const ClaimTwo claim2 = judge_claim_two(headline, in.redundancy_threshold);

  std::map<std::string, std::string> pngs;  // file name under plots/ -> bytes
  for (const auto& t : headline)
    if (has_finite_value(t)) pngs[plot_name(t.key)] = encode_png(render_line_chart(few_shot_chart(t)));
  if (!in.overlays.empty()) pngs["landmarks_samples.png"] = encode_png(render_landmark_sheet(in.overlays));

  const std::string date = in.date.empty() ? today_utc() : in.date;
  std::set<std::string> tasks_run;
  double total_seconds = 0;
  for (const auto& c : cells) tasks_run.insert(c.task), total_seconds += c.seconds;

  std::ostringstream md;
  md << "# " << in.title << "\n\n";
  md << "- Command: `" << (in.command.empty() ? "(not recorded)" : in.command) << "`\n";
  md << "- Date: " << date << "\n";
  md << "- Machine: " << (in.machine.empty() ? "(not recorded)" : in.machine) << "\n";
  char secs[64];
  std::snprintf(secs, sizeof secs, "%.1f", total_seconds);
  md << "- " << cells.size() << " result cells, " << secs << " s of cell wall time in total\n";
  md << "- Raw results: [results.csv](results.csv), [results.json](results.json) (cells and the exact config)\n\n";
  if (!in.ssl_rows.empty()) {
    md << "Self-supervised rows: ";
    for (size_t i = 0; i < in.ssl_rows.size(); ++i) md << (i ? ", " : "") << "`" << in.ssl_rows[i] << "`";
    md << ". ";
  }
  md << "Every table entry is the mean ± sample standard deviation over seeds; the best entry of each column is "
        "in **bold**; — marks a cell that was not run.\n\n";

  md << "## The paper's claims on this run\n\n";
  md << "These verdicts are computed from the tables below; they say only what these numbers show.\n\n";
  md << "### Claim 1: self-supervised pre-training on uncurated faces beats supervised pre-training and training "
        "from scratch on all tasks, most of all few-shot\n\n"
     << claim1.markdown;
  md << "### Claim 2: a small subsample of video frames performs almost as well as all frames\n\n" << claim2.markdown;

  md << "## Results\n\n";
  std::string current_task;
  for (size_t i = 0; i < groups.size(); ++i) {
    const GroupKey& k = groups[i];
    const Table& t = headline[i];
    if (k.task != current_task) {
      if (!current_task.empty()) md << references_markdown(current_task, cells, in, in.backbone_order);
      current_task = k.task;
      md << "### " << task_title(k.task) << "\n\n";
    }
    md << "#### " << k.dataset << ", " << mode_label(k.mode) << "\n\n";
    md << t.metric.label << " (" << (t.metric.higher_is_better ? "higher" : "lower") << " is better), over "
       << t.typical_n << (t.typical_n == 1 ? " seed" : " seeds") << ":\n\n";
    md << table_markdown(t) << "\n";
    if (pngs.count(plot_name(k)))
      md << "![" << k.task << " " << k.dataset << " " << k.mode << "](plots/" << plot_name(k) << ")\n\n";
    else
      md << "(No plot: no finite values.)\n\n";
  }
  if (!current_task.empty()) md << references_markdown(current_task, cells, in, in.backbone_order);

  if (!in.overlays.empty())
    md << "## Landmark predictions on sample faces\n\nGreen: ground truth; red: prediction.\n\n"
          "![landmark overlays](plots/landmarks_samples.png)\n\n";

  // Published numbers for tasks this run did not cover are still listed, as context.
  std::ostringstream orphans;
  for (const auto& r : in.references)
    if (!tasks_run.count(r.task))
      orphans << "- " << r.task << ", " << r.dataset << ", " << metric_label(r.task, r.metric) << ": **"
              << format_value(r.value) << "** — " << r.source << "\n";
  if (!orphans.str().empty())
    md << "## Published numbers for tasks not in this run (context only)\n\n" << orphans.str() << "\n";

  // The headline tables are above; the appendix holds every other metric.
  std::ostringstream appendix;
  for (const auto& k : groups) {
    std::vector<bool> known;
    const std::vector<MetricInfo> metrics = metrics_in_group(cells, k, &known);
    const std::string headline_key = task_metrics(k.task).front().key;
    if (metrics.size() < 2) continue;
    appendix << "### " << k.task << " / " << k.dataset << " / " << k.mode << "\n\n";
    for (size_t m = 0; m < metrics.size(); ++m) {
      if (metrics[m].key == headline_key) continue;
      const Table t = build_table(cells, k, metrics[m], in.backbone_order, known[m]);
      appendix << "**" << metrics[m].label << "** ("
               << (known[m] ? (metrics[m].higher_is_better ? "higher is better" : "lower is better")
                            : "direction not declared, nothing marked")
               << ")\n\n"
               << table_markdown(t) << "\n";
    }
  }
  if (!appendix.str().empty()) md << "## Appendix: the other metrics\n\n" << appendix.str();

  if (!in.config.is_null() && !(in.config.is_object() && in.config.empty()))
    md << "## Configuration\n\n```json\n" << in.config.dump(2) << "\n```\n";

  const nlohmann::json meta = {{"title", in.title}, {"command", in.command}, {"machine", in.machine}, {"date", date}};
  const std::string json_text = results_json(cells, in.config, meta).dump(2) + "\n";
  const std::string csv_text = results_csv(cells);

  std::error_code ec;
  fs::create_directories(fs::path(out_dir) / "plots", ec);
  FB_CHECK(!ec, "report: cannot create '", (fs::path(out_dir) / "plots").string(), "': ", ec.message());
  write_file_atomic((fs::path(out_dir) / "results.csv").string(), csv_text);
  write_file_atomic((fs::path(out_dir) / "results.json").string(), json_text);
  for (const auto& [name, bytes] : pngs) write_file_atomic((fs::path(out_dir) / "plots" / name).string(), bytes);
  write_file_atomic((fs::path(out_dir) / "REPORT.md").string(), md.str());
}

}  // namespace fb::report
