// facebench reproduce: the paper's experiment grid — pre-training (or given
// checkpoints) × the five tasks (+ parsing) × few-shot fractions × seeds, the
// redundancy study, and the report. Finished cells are kept in
// <out>/results.jsonl, so a run started again continues where it stopped.
#include <omp.h>

#include <cstdio>

#include "facebench/cli/benchmark_options.h"
#include "facebench/cli/commands.h"
#include "facebench/tasks/benchmark.h"

namespace fb::cli {

void register_reproduce_command(CLI::App& app) {
  struct Args {
    std::string preset = "mini", out, data_root, orl;
    bool dry_run = false;
    BenchmarkOverrides overrides;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "reproduce", "Run the paper's experiment grid (pre-training x tasks x few-shot fractions x seeds) and write REPORT.md");
  cmd->add_option("--preset", a->preset,
                  "smoke (CI, ~1 min), mini (synthetic faces + ORL, < 30 min on 2 cores), paper (real data, GPU-sized)")
      ->check(CLI::IsMember({"smoke", "mini", "paper"}))
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output folder (results.jsonl, REPORT.md, plots/, backbones/)")->required();
  cmd->add_option("--data-root", a->data_root, "paper: folder with one sub-folder per dataset (see README)");
  cmd->add_option("--orl", a->orl, "ORL faces folder (s1..s40) for few-shot identification [../shared/data/orl-faces]");
  cmd->add_flag("--dry-run", a->dry_run, "List every cell and where its data comes from, run nothing");
  add_benchmark_overrides(cmd, a->overrides);
  cmd->callback([a, cmd] {
    tasks::BenchmarkConfig c = tasks::benchmark_preset(a->preset);
    if (!a->data_root.empty()) c.data_root = a->data_root;
    if (!a->orl.empty()) c.orl_dir = a->orl;
    apply_benchmark_overrides(a->overrides, c);
    tasks::RunOptions o;
    o.dry_run = a->dry_run;
    o.command = command_line(cmd);
    tasks::run_benchmark(c, a->out, o);
  });
}

}  // namespace fb::cli
