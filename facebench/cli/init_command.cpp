// facebench init: writes a freshly initialised ResNet state dict (torchvision
// names and layouts), e.g. to start from or to check interoperability.
#include <cstdio>

#include "facebench/cli/commands.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/resnet.h"

namespace fb::cli {

void register_init_command(CLI::App& app) {
  struct Args {
    nn::ResNetConfig cfg;
    uint64_t seed = 0;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("init", "Write a freshly initialised ResNet state dict (.safetensors)");
  cmd->add_option("--arch", a->cfg.arch, "Architecture")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--num-classes", a->cfg.num_classes, "Classes of the fc layer (0: no fc)")->capture_default_str();
  cmd->add_option("--width", a->cfg.width, "Channel width multiplier")->capture_default_str();
  cmd->add_flag("--small-input", a->cfg.small_input, "3x3 stride-1 stem without max-pool");
  cmd->add_option("--seed", a->seed, "Initialisation seed")->capture_default_str();
  cmd->add_option("--out", a->out, "Output .safetensors file")->required();
  cmd->callback([a] {
    nn::manual_seed(a->seed);
    auto net = nn::make_resnet(a->cfg);
    checkpoint::save_safetensors(a->out, net->state_dict(), {{"arch", a->cfg.arch}});
    std::fprintf(stderr, "init: wrote %s (%zu tensors)\n", a->out.c_str(), net->state_dict().size());
  });
}

}  // namespace fb::cli
