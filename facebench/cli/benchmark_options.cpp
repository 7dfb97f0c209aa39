#include "facebench/cli/benchmark_options.h"

#include <omp.h>

#include "tensor/error.h"

namespace fb::cli {

void add_benchmark_overrides(CLI::App* cmd, BenchmarkOverrides& o, bool with_backbones) {
  cmd->add_option("--tasks", o.tasks, "Tasks to run (recognition landmarks au emotion 3d parsing) [preset's]")
      ->delimiter(',')
      ->check(CLI::IsMember({"recognition", "landmarks", "au", "emotion", "3d", "parsing"}));
  cmd->add_option("--modes", o.modes, "linear (frozen backbone) and/or finetune [preset's]")
      ->delimiter(',')
      ->check(CLI::IsMember({"linear", "finetune"}));
  cmd->add_option("--fractions", o.fractions_percent, "Training fractions in percent, e.g. 1,2,5,10,20,100 [preset's]")
      ->delimiter(',')
      ->check(CLI::Range(1e-6, 100.0));
  cmd->add_option("--seeds", o.seeds, "Seeds per cell [preset's]")->check(CLI::PositiveNumber);
  cmd->add_option("--steps", o.steps, "Head training steps per cell [preset's]")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", o.batch, "Head training batch [preset's]")->check(CLI::PositiveNumber);
  cmd->add_option("--crop", o.crop, "Face crop size in pixels [preset's]")->check(CLI::Range(16, 1024));
  cmd->add_option("--pretrain-steps", o.pretrain_steps, "Stop each pre-training run after this many steps [preset's]")
      ->check(CLI::PositiveNumber);
  if (with_backbones) {
    cmd->add_option("--backbone", o.backbones, "Extra backbone to evaluate, NAME=CHECKPOINT (repeatable)");
    cmd->add_flag("--no-scratch", o.no_scratch, "Leave out the random-init (scratch) backbone");
  }
  cmd->add_option("--threads", o.threads, "CPU threads [all]")->check(CLI::PositiveNumber);
}

void apply_benchmark_overrides(const BenchmarkOverrides& o, tasks::BenchmarkConfig& c) {
  if (!o.tasks.empty()) c.tasks = o.tasks;
  if (!o.modes.empty()) c.modes = o.modes;
  if (!o.fractions_percent.empty()) {
    c.fractions.clear();
    for (double p : o.fractions_percent) c.fractions.push_back(p / 100.0);
  }
  if (o.seeds > 0) c.seeds = o.seeds;
  if (o.steps > 0) c.fit.steps = o.steps, c.steps.clear();
  if (o.batch > 0) c.fit.batch = o.batch;
  if (o.crop > 0) c.crop_size = static_cast<int>(o.crop);
  if (o.pretrain_steps > 0) c.pretrain_max_steps = o.pretrain_steps;
  if (o.no_scratch) c.scratch = false;
  for (const auto& b : o.backbones) {
    size_t eq = b.find('=');
    FB_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < b.size(), "--backbone must be NAME=CHECKPOINT, got '", b, "'");
    c.checkpoints.emplace_back(b.substr(0, eq), b.substr(eq + 1));
  }
  if (o.threads > 0) omp_set_num_threads(o.threads);
}

std::string command_line(const CLI::App* cmd) {
  std::string s = "facebench " + cmd->get_name();
  for (const CLI::Option* opt : cmd->get_options()) {
    if (opt->count() == 0 || opt->get_name() == "--help") continue;
    s += " " + opt->get_name();
    for (const auto& r : opt->results()) s += " " + r;
  }
  return s;
}

}  // namespace fb::cli
