// facebench eval: one task, one backbone, the few-shot protocol — the same
// runner and report as `reproduce`, on the embedded synthetic faces or on a
// real dataset given as FORMAT:PATH.
#include <filesystem>

#include "facebench/cli/benchmark_options.h"
#include "facebench/cli/commands.h"
#include "facebench/tasks/benchmark.h"

namespace fb::cli {

void register_eval_command(CLI::App& app) {
  struct Args {
    std::string task, backbone, data = "synth", out, mode = "linear", arch = "resnet18", orl;
    double width = 0.25;
    bool save_model = false;
    BenchmarkOverrides overrides;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a backbone on one task, few-shot (fractions x seeds), with a report");
  cmd->add_option("--task", a->task, "recognition | landmarks | au | emotion | 3d | parsing")
      ->required()
      ->check(CLI::IsMember({"recognition", "landmarks", "au", "emotion", "3d", "parsing"}));
  cmd->add_option("--backbone", a->backbone,
                  "Checkpoint (backbone.safetensors from pretrain, or .pth/.safetensors with torchvision names) or 'scratch'")
      ->required();
  cmd->add_option("--data", a->data,
                  "synth (rendered in memory) or FORMAT:PATH, e.g. 300w:/data/300W, disfa:/data/DISFA, affectnet:/data/AffectNet "
                  "(formats as in `facebench data inspect`)")
      ->capture_default_str();
  cmd->add_option("--mode", a->mode, "linear (frozen backbone, head only) or finetune")
      ->check(CLI::IsMember({"linear", "finetune"}))
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output folder (results.jsonl, REPORT.md, plots/)")->required();
  cmd->add_option("--arch", a->arch, "Architecture of 'scratch' and of checkpoints without metadata")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--width", a->width, "Width multiplier of 'scratch' and of checkpoints without metadata")
      ->capture_default_str();
  cmd->add_option("--orl", a->orl, "ORL faces folder for recognition's few-shot identification [../shared/data/orl-faces]");
  cmd->add_flag("--save-model", a->save_model,
                "Keep the model trained on the largest fraction (seed 0) in <out>/models/ for `facebench predict`");
  add_benchmark_overrides(cmd, a->overrides, false);
  cmd->callback([a, cmd] {
    tasks::BenchmarkConfig c = tasks::benchmark_preset("mini");
    c.preset = "eval";
    c.tasks = {a->task};
    c.modes = {a->mode};
    c.fractions = {0.01, 0.02, 0.05, 0.1, 0.2, 1.0};
    c.seeds = 3;
    c.pretrain.clear();
    c.redundancy_k.clear();
    c.arch.arch = a->arch;
    c.arch.width = a->width;
    if (!a->orl.empty()) c.orl_dir = a->orl;
    if (a->backbone == "scratch") {
      c.scratch = true;
    } else {
      FB_CHECK(std::filesystem::exists(a->backbone), "eval: backbone checkpoint '", a->backbone, "' does not exist");
      c.scratch = false;
      std::filesystem::path p(a->backbone);
      // ".../swav/backbone.safetensors" is named after its run folder.
      std::string name = p.stem() == "backbone" && !p.parent_path().filename().empty()
                             ? p.parent_path().filename().string() : p.stem().string();
      c.checkpoints = {{name, a->backbone}};
    }
    if (a->data != "synth") c.task_data[a->task] = a->data;
    apply_benchmark_overrides(a->overrides, c);
    tasks::RunOptions o;
    o.command = command_line(cmd);
    o.save_models = a->save_model;
    tasks::run_benchmark(c, a->out, o);
  });
}

}  // namespace fb::cli
