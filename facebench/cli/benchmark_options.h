#pragma once
// Command-line options that `reproduce` and `eval` share: the grid's axes and
// the heads' training budget, each overriding the preset only when given.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "facebench/tasks/benchmark.h"

namespace fb::cli {

struct BenchmarkOverrides {
  std::vector<std::string> tasks, modes, backbones;  // backbones: NAME=CHECKPOINT
  std::vector<double> fractions_percent;
  int64_t seeds = 0, steps = 0, batch = 0, crop = 0, pretrain_steps = 0;
  int threads = 0;
  bool no_scratch = false;
};

// with_backbones: offer --backbone NAME=CKPT and --no-scratch (reproduce; eval has its own --backbone).
void add_benchmark_overrides(CLI::App* cmd, BenchmarkOverrides& o, bool with_backbones = true);
void apply_benchmark_overrides(const BenchmarkOverrides& o, tasks::BenchmarkConfig& c);
// The command as typed (program name and arguments), for the report.
std::string command_line(const CLI::App* cmd);

}  // namespace fb::cli
