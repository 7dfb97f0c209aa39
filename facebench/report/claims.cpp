#include "facebench/report/claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "tensor/error.h"

namespace fb::report {

std::string verdict_text(Verdict v) {
  switch (v) {
    case Verdict::Holds: return "HOLDS";
    case Verdict::Partly: return "PARTLY";
    case Verdict::DoesNotHold: return "DOES NOT HOLD";
    case Verdict::NotTested: return "NOT TESTED";
  }
  return "?";
}

Verdict combine(const std::vector<Verdict>& parts) {
  int holds = 0, fails = 0, tested = 0;
  for (Verdict v : parts) {
    if (v == Verdict::NotTested) continue;
    ++tested;
    holds += v == Verdict::Holds;
    fails += v == Verdict::DoesNotHold;
  }
  if (tested == 0) return Verdict::NotTested;
  if (holds == tested) return Verdict::Holds;
  if (fails == tested) return Verdict::DoesNotHold;
  return Verdict::Partly;
}

namespace {

std::string num(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string signed_num(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  // A gain too small for the table's decimals keeps two significant digits,
  // so a loss never reads as "-0.00".
  if (v != 0 && std::abs(v) < 0.5 * std::pow(10.0, -decimals))
    std::snprintf(buf, sizeof buf, "%+.2g", v);
  else
    std::snprintf(buf, sizeof buf, "%+.*f", decimals, v);
  return buf;
}

std::string percent(double ratio) {
  if (!std::isfinite(ratio)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %%", ratio * 100);
  return buf;
}

const TableEntry* value_at(const Table& t, const std::string& row, double f) {
  const TableEntry* e = t.find(row, f);
  return e && e->present && std::isfinite(e->stat.mean) ? e : nullptr;
}

// Improvement of `ssl` over `base` in the metric's units, positive = SSL better.
double gain(const Table& t, double ssl, double base) { return t.metric.higher_is_better ? ssl - base : base - ssl; }

std::string group_title(const GroupKey& k) { return k.task + " / " + k.dataset + " / " + k.mode; }

ClaimOneGroup judge_group(const Table& t, const ClaimRoles& roles) {
  ClaimOneGroup g;
  g.key = t.key;
  const int d = table_decimals(t);
  std::ostringstream os;
  os << "- **" << group_title(t.key) << "** (" << t.metric.label << ", "
     << (t.metric.higher_is_better ? "higher" : "lower") << " is better): ";

  const bool has_ssl = std::find(t.rows.begin(), t.rows.end(), roles.ssl_uncurated) != t.rows.end();
  std::vector<std::string> baselines;
  for (const auto& b : {roles.supervised, roles.scratch})
    if (std::find(t.rows.begin(), t.rows.end(), b) != t.rows.end()) baselines.push_back(b);
  if (!has_ssl || baselines.empty()) {
    g.verdict = Verdict::NotTested;
    os << "NOT TESTED — ";
    if (!has_ssl) os << "no `" << roles.ssl_uncurated << "` cells";
    if (!has_ssl && baselines.empty()) os << " and ";
    if (baselines.empty()) os << "no `" << roles.supervised << "` or `" << roles.scratch << "` cells";
    os << ".\n";
    g.markdown = os.str();
    return g;
  }

  // Per baseline: wins, missing cells, gains at the smallest and largest shared fraction.
  struct PerBaseline {
    int comparisons = 0, wins = 0, clear_wins = 0, wins_with_spread = 0, missing = 0;
    double f_small = NAN, f_large = NAN, gain_small = NAN, gain_large = NAN;
  };
  std::map<std::string, PerBaseline> per;
  int ssl_missing = 0;
  for (double f : t.fractions) {
    const TableEntry* s = value_at(t, roles.ssl_uncurated, f);
    if (!s) {
      ++ssl_missing;  // some row ran at this fraction (it is a column) but the SSL row did not
      continue;
    }
    for (const auto& b : baselines) {
      const TableEntry* e = value_at(t, b, f);
      PerBaseline& p = per[b];
      if (!e) {
        ++p.missing;
        continue;
      }
      const double gn = gain(t, s->stat.mean, e->stat.mean);
      ++p.comparisons;
      if (gn > 0) {
        ++p.wins;
        const double spread = std::hypot(s->stat.n >= 2 ? s->stat.std : NAN, e->stat.n >= 2 ? e->stat.std : NAN);
        if (std::isfinite(spread)) ++p.wins_with_spread, p.clear_wins += gn > spread;
      }
      if (std::isnan(p.f_small)) p.f_small = f, p.gain_small = gn;
      p.f_large = f, p.gain_large = gn;  // fractions ascend, so the last shared one is the largest
    }
  }

  bool all_won = true, few_shot_all = true, few_shot_tested_all = true, any_missing = ssl_missing > 0;
  int wins_with_spread = 0;
  std::ostringstream why;
  for (const auto& b : baselines) {
    const PerBaseline& p = per[b];
    g.comparisons += p.comparisons;
    g.wins += p.wins;
    g.clear_wins += p.clear_wins;
    wins_with_spread += p.wins_with_spread;
    any_missing = any_missing || p.missing > 0;
    all_won = all_won && p.comparisons > 0 && p.wins == p.comparisons;
    why << "beats `" << b << "` at " << p.wins << " of " << p.comparisons << " fractions";
    if (p.missing) why << " (" << p.missing << " `" << b << "` cells missing or without a value)";
    const bool tested = p.comparisons >= 2 && p.f_small < p.f_large;
    few_shot_tested_all = few_shot_tested_all && tested;
    if (tested) {
      const bool larger = p.gain_small > p.gain_large;
      few_shot_all = few_shot_all && larger;
      why << "; gain " << signed_num(p.gain_small, d) << " at " << column_label(t.key, p.f_small) << " vs "
          << signed_num(p.gain_large, d) << " at " << column_label(t.key, p.f_large) << " ("
          << (larger ? "larger few-shot" : "not larger few-shot") << ")";
      if (!same_fraction(p.f_large, 1.0)) why << " — 100 % not run, largest is " << column_label(t.key, p.f_large);
    } else {
      few_shot_all = false;
      why << "; few-shot gain not tested (fewer than two shared fractions)";
    }
    why << "; ";
  }
  if (baselines.size() < 2)
    why << "no `" << (per.count(roles.supervised) ? roles.scratch : roles.supervised) << "` cells; ";
  if (ssl_missing) why << ssl_missing << " `" << roles.ssl_uncurated << "` cells missing or without a value; ";
  g.few_shot_tested = few_shot_tested_all;
  g.few_shot_larger = few_shot_tested_all && few_shot_all;

  if (g.comparisons == 0)
    g.verdict = Verdict::NotTested;
  else if (g.wins == 0)
    g.verdict = Verdict::DoesNotHold;
  else if (all_won && g.few_shot_larger && !any_missing && baselines.size() == 2)
    g.verdict = Verdict::Holds;
  else
    g.verdict = Verdict::Partly;

  std::string reasons = why.str();
  if (reasons.size() >= 2) reasons.resize(reasons.size() - 2);
  os << verdict_text(g.verdict) << " — `" << roles.ssl_uncurated << "` " << reasons << ".";
  if (wins_with_spread > 0)
    os << " " << g.clear_wins << " of " << wins_with_spread
       << " wins exceed the combined seed standard deviation.";
  else if (g.wins > 0)
    os << " With one seed per cell there is no spread to judge the gains against.";
  os << "\n\n";

  // The numbers behind it.
  os << "  | fraction | " << roles.ssl_uncurated;
  for (const auto& b : baselines) os << " | " << b;
  for (const auto& b : baselines) os << " | gain vs " << b;
  os << " |\n  |---|---:";
  for (size_t i = 0; i < 2 * baselines.size(); ++i) os << "|---:";
  os << "|\n";
  for (double f : t.fractions) {
    const TableEntry* s = value_at(t, roles.ssl_uncurated, f);
    os << "  | " << column_label(t.key, f) << " | " << (s ? num(s->stat.mean, d) : "—");
    for (const auto& b : baselines) {
      const TableEntry* e = value_at(t, b, f);
      os << " | " << (e ? num(e->stat.mean, d) : "—");
    }
    for (const auto& b : baselines) {
      const TableEntry* e = value_at(t, b, f);
      os << " | " << (s && e ? signed_num(gain(t, s->stat.mean, e->stat.mean), d) : "—");
    }
    os << " |\n";
  }
  os << '\n';
  g.markdown = os.str();
  return g;
}

}  // namespace

ClaimOne judge_claim_one(const std::vector<Table>& headline, const ClaimRoles& roles) {
  ClaimOne out;
  static const std::vector<std::string> paper_tasks = {"recognition", "landmarks", "au", "emotion", "3d"};
  std::vector<std::string> tasks = paper_tasks;
  for (const auto& t : headline)
    if (t.key.task != "redundancy" && std::find(tasks.begin(), tasks.end(), t.key.task) == tasks.end())
      tasks.push_back(t.key.task);

  std::ostringstream os;
  std::vector<Verdict> task_verdicts;
  std::vector<std::string> missing_tasks;
  for (const auto& task : tasks) {
    ClaimOneTask ct;
    ct.task = task;
    std::vector<Verdict> parts;
    for (const auto& t : headline)
      if (t.key.task == task) {
        ct.groups.push_back(judge_group(t, roles));
        parts.push_back(ct.groups.back().verdict);
      }
    ct.verdict = combine(parts);
    if (ct.groups.empty()) {
      missing_tasks.push_back(task);
      out.tasks.push_back(ct);
      continue;
    }
    const bool in_paper = std::find(paper_tasks.begin(), paper_tasks.end(), task) != paper_tasks.end();
    os << "**" << task << ": " << verdict_text(ct.verdict) << "**"
       << (in_paper ? "" : " (an extra task, not part of the paper's claim or the verdict above)") << "\n\n";
    for (const auto& g : ct.groups) os << g.markdown;
    if (in_paper) task_verdicts.push_back(ct.verdict);
    out.tasks.push_back(ct);
  }
  for (const auto& m : missing_tasks) {
    // A paper task absent from the run cannot support "on all tasks".
    if (std::find(paper_tasks.begin(), paper_tasks.end(), m) != paper_tasks.end())
      task_verdicts.push_back(Verdict::NotTested);
  }
  out.verdict = combine(task_verdicts);
  int holds = 0, tested = 0;
  for (const auto& t : out.tasks)
    if (t.verdict != Verdict::NotTested &&
        std::find(paper_tasks.begin(), paper_tasks.end(), t.task) != paper_tasks.end())
      ++tested, holds += t.verdict == Verdict::Holds;
  if (out.verdict == Verdict::Holds && !missing_tasks.empty()) out.verdict = Verdict::Partly;

  std::ostringstream head;
  head << "**Verdict: " << verdict_text(out.verdict) << "** — holds on " << holds << " of " << tested
       << " of the paper's five tasks that were run";
  if (!missing_tasks.empty()) {
    head << "; not run: ";
    for (size_t i = 0; i < missing_tasks.size(); ++i) head << (i ? ", " : "") << missing_tasks[i];
  }
  head << ". A (task, dataset, mode) holds when `" << roles.ssl_uncurated << "` beats both `" << roles.supervised
       << "` and `" << roles.scratch
       << "` at every fraction and its gain over each is larger at the smallest fraction than at the largest; "
          "it does not hold when it beats neither at any fraction. Gains are in the metric's units, positive = "
          "SSL better.\n\n";
  out.markdown = head.str() + os.str();
  return out;
}

ClaimTwo judge_claim_two(const std::vector<Table>& headline, double threshold) {
  FB_CHECK(std::isfinite(threshold) && threshold >= 0, "report: redundancy threshold must be >= 0, got ",
           threshold);
  ClaimTwo out;
  out.threshold = threshold;
  std::ostringstream body;
  std::vector<Verdict> parts;
  for (const auto& t : headline) {
    if (t.key.task != "redundancy") continue;
    const int d = table_decimals(t);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      RedundancySeries s;
      s.key = t.key;
      s.backbone = t.rows[r];
      for (size_t j = 0; j < t.fractions.size(); ++j) {  // fractions descend: k ascends
        const TableEntry& e = t.entries[r][j];
        if (!e.present || !std::isfinite(e.stat.mean)) continue;
        s.k.push_back(1.0 / t.fractions[j]);
        s.value.push_back(e.stat.mean);
        s.spread.push_back(e.stat.n >= 2 ? e.stat.std : NAN);
      }
      const bool has_all = !s.k.empty() && std::abs(s.k[0] - 1.0) < 1e-9;
      for (size_t i = 0; i < s.k.size(); ++i) {
        double drop = NAN;
        if (has_all && s.value[0] != 0) {
          drop = (s.value[0] - s.value[i]) / std::abs(s.value[0]);
          if (!t.metric.higher_is_better) drop = -drop;
        }
        s.drop.push_back(drop);
      }
      if (!has_all)
        s.note = "no k = 1 (all frames) cells";
      else if (s.k.size() < 2)
        s.note = "only k = 1 was run";
      else if (!std::isfinite(s.drop.back()))
        s.note = "the k = 1 value is 0, so a relative drop is undefined";
      if (s.note.empty())
        s.verdict = s.drop.back() <= threshold ? Verdict::Holds : Verdict::DoesNotHold;
      parts.push_back(s.verdict);

      body << "- **" << group_title(t.key) << ", `" << s.backbone << "`** (" << t.metric.label << ", "
           << (t.metric.higher_is_better ? "higher" : "lower") << " is better): " << verdict_text(s.verdict);
      if (!s.note.empty()) {
        body << " — " << s.note << ".\n";
      } else {
        char k[32];
        std::snprintf(k, sizeof k, "%.4g", s.k.back());
        body << " — relative drop at k = " << k << " is " << percent(s.drop.back())
             << (s.verdict == Verdict::Holds ? " ≤ " : " > ") << percent(threshold);
        // Seed noise decides how much a small difference means.
        const double diff = std::abs(s.value.back() - s.value.front());
        const double noise = std::hypot(s.spread.front(), s.spread.back());
        if (std::isfinite(noise))
          body << "; the difference " << num(diff, d) << (diff > noise ? " exceeds" : " is within")
               << " the seeds' combined standard deviation " << num(noise, d);
        body << ".\n";
      }
      body << "\n  | k | value | drop vs k = 1 |\n  |---:|---:|---:|\n";
      for (size_t i = 0; i < s.k.size(); ++i) {
        char k[32];
        std::snprintf(k, sizeof k, "%.4g", s.k[i]);
        body << "  | " << k << " | " << num(s.value[i], d) << " | " << percent(s.drop[i]) << " |\n";
      }
      body << '\n';
      out.series.push_back(std::move(s));
    }
  }
  out.verdict = combine(parts);
  std::ostringstream head;
  head << "**Verdict: " << verdict_text(out.verdict) << "** — ";
  if (out.series.empty())
    head << "the run has no `redundancy` cells.\n\n";
  else
    head << "holds when the headline metric at the largest k (every k-th frame kept) is at most "
         << percent(threshold) << " (relative) worse than with all frames (k = 1).\n\n";
  out.markdown = head.str() + body.str();
  return out;
}

}  // namespace fb::report
