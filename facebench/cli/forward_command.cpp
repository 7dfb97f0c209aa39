// facebench forward: runs a ResNet on an NCHW float32 array and writes the
// logits (or pooled features), so results can be compared with PyTorch.
#include <cstdio>

#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "facebench/common/arrays.h"
#include "nn/checkpoint/load_any.h"
#include "nn/resnet.h"

namespace fb::cli {

namespace {
struct ForwardArgs {
  std::string arch = "resnet18", weights, strip_prefix, input, output;
  int64_t num_classes = -1;
  double width = 1.0;
  bool small_input = false, train_mode = false;
};

void run_forward(const ForwardArgs& a) {
  auto state = checkpoint::load_state_any(a.weights, a.strip_prefix);
  nn::ResNetConfig cfg;
  cfg.arch = a.arch;
  cfg.width = a.width;
  cfg.small_input = a.small_input;
  cfg.num_classes = a.num_classes;
  if (cfg.num_classes < 0) {  // infer from the checkpoint: fc.weight [classes, features]
    cfg.num_classes = 0;
    for (auto& [n, t] : state)
      if (n == "fc.weight") cfg.num_classes = t.size(0);
  }
  auto net = nn::make_resnet(cfg);
  net->load_state_dict(state, true);
  net->train(a.train_mode);

  Tensor x = app::load_array(a.input, "input");
  FB_CHECK(x.dim() == 4 && x.size(1) == 3, a.input, ": expected an NCHW array [N, 3, H, W], got shape ",
           shape_str(x.shape()));
  x = x.to(DType::f32).permute({0, 2, 3, 1}).contiguous();  // NCHW -> NHWC
  autograd::NoGradGuard ng;
  Tensor y = net->forward(x);
  app::save_array(a.output, y, "logits");
  std::fprintf(stderr, "forward: %s on %s -> %s %s\n", a.arch.c_str(), shape_str(x.shape()).c_str(),
               a.output.c_str(), shape_str(y.shape()).c_str());
}
}  // namespace

void register_forward_command(CLI::App& app) {
  auto a = std::make_shared<ForwardArgs>();
  CLI::App* cmd = app.add_subcommand("forward", "Run a ResNet on an NCHW float32 array and write its outputs");
  cmd->add_option("--arch", a->arch, "Architecture")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--num-classes", a->num_classes,
                  "Classes of the fc layer (default: from fc.weight in the weights; 0 = no fc, pooled features)");
  cmd->add_option("--width", a->width, "Channel width multiplier")->capture_default_str();
  cmd->add_flag("--small-input", a->small_input, "3x3 stride-1 stem without max-pool");
  cmd->add_option("--weights", a->weights, "State dict (.safetensors or PyTorch .pth; PyTorch names and layouts)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--strip-prefix", a->strip_prefix, "Remove this prefix from the weights' names (e.g. module.)");
  cmd->add_option("--input", a->input, "Input array, NCHW float (.npy or .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output", a->output, "Where to write the outputs (.npy or .safetensors)")->required();
  cmd->add_flag("--train-mode", a->train_mode, "Batch norm uses batch statistics (training mode)");
  cmd->callback([a] { run_forward(*a); });
}

}  // namespace fb::cli
