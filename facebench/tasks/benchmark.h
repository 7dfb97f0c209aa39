#pragma once
// `facebench reproduce`: the paper's experiment grid, end to end.
//
//   backbones  scratch + pre-trained ones (pre-trained here on synthetic data
//              for the smoke and mini presets; given as checkpoints for paper)
//   × tasks    recognition, landmarks, au, emotion, 3d, parsing
//   × modes    linear (frozen backbone) | finetune
//   × fractions of each task's training split (nested subsets)
//   × seeds
//   + the redundancy study (AU on every k-th video frame)
//
// Each finished cell is appended to <out>/results.jsonl at once, so a run that
// is stopped and started again skips what it has (cells are keyed by
// report::cell_key), and the report (REPORT.md, CSV, JSON, plots) is
// rewritten from all cells at the end.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "facebench/report/results.h"
#include "facebench/tasks/runner.h"
#include "nn/resnet.h"

namespace fb::tasks {

// A pre-training run the benchmark does itself: name (table row), method and data.
struct PretrainRun {
  std::string name, method, data;
};

struct BenchmarkConfig {
  std::string preset = "mini";
  std::vector<std::string> tasks = {"recognition", "landmarks", "au", "emotion", "3d", "parsing"};
  std::vector<std::string> modes = {"linear"};
  std::vector<double> fractions = {0.01, 0.02, 0.05, 0.1, 0.2, 1.0};
  int64_t seeds = 3;
  // Backbones: scratch (random init, nn config below), runs pre-trained here,
  // and given checkpoints (name, path).
  bool scratch = true;
  nn::ResNetConfig arch;  // of scratch and of .pth checkpoints without metadata
  std::string pretrain_preset = "smoke";
  int64_t pretrain_epochs = 0;  // 0: the preset's
  int64_t pretrain_max_steps = 0;
  std::vector<PretrainRun> pretrain;
  std::vector<std::pair<std::string, std::string>> checkpoints;
  // Synthetic evaluation data (smoke, mini): a curated set whose first
  // `train_identities` people train and the rest test (identity-exclusive),
  // drawn from identities never used in pre-training; a video set for AU and
  // the redundancy study, split by sequence.
  int64_t identities = 80, train_identities = 60, per_identity = 20;
  int64_t videos = 24, frames = 40;
  int render_size = 96, crop_size = 64;
  std::vector<int64_t> redundancy_k = {1, 2, 5, 10};
  std::string orl_dir = "../shared/data/orl-faces";  // skipped when missing
  // Real data (paper): the root holding one folder per dataset (see README),
  // or, per task, "FORMAT:PATH" (a format of data::open_dataset), which
  // overrides the root's folder for that task.
  std::string data_root;
  std::map<std::string, std::string> task_data;
  // Training of the heads.
  FitOptions fit;
  std::map<std::string, int64_t> steps;  // per task, overrides fit.steps
  TaskSettings settings;
  uint64_t seed = 0;
};

BenchmarkConfig benchmark_preset(const std::string& name);  // smoke | mini | paper
nlohmann::json to_json(const BenchmarkConfig& c);

// One planned cell: the result fields that identify it, plus where its data comes from.
struct PlannedCell {
  report::CellResult cell;  // metrics empty
  std::string data_source;  // what is read, for --dry-run
};
std::vector<PlannedCell> plan_cells(const BenchmarkConfig& c);

struct RunOptions {
  bool dry_run = false;
  std::string command;  // recorded in the report
  // Keep the model of each (task, backbone, mode) trained on the largest
  // fraction with seed 0 as <out>/models/<task>-<backbone>-<mode>.safetensors.
  bool save_models = false;
};
// Runs every cell not yet in <out>/results.jsonl and writes the report.
// Returns the number of cells run now.
int64_t run_benchmark(const BenchmarkConfig& c, const std::string& out_dir, const RunOptions& o);

}  // namespace fb::tasks
