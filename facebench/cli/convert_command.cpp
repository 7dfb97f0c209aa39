// facebench convert: turns a checkpoint (PyTorch .pth, or .safetensors) into a .safetensors state
// dict, optionally removing a name prefix and checking the names and shapes against a ResNet.
// PyTorch files are read by the restricted unpickler, which never runs code from the file.
#include <cstdio>
#include <map>
#include <set>

#include "facebench/cli/commands.h"
#include "facebench/common/arrays.h"
#include "nn/checkpoint/load_any.h"
#include "nn/checkpoint/pth.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/resnet.h"

namespace fb::cli {

namespace {
struct ConvertArgs {
  std::string from, to, strip_prefix, arch;
  int64_t num_classes = -1;
  double width = 1.0;
  bool small_input = false, drop_unexpected = false;
};

void print_names(const char* what, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::fprintf(stderr, "convert: %s (%zu):", what, names.size());
  for (size_t i = 0; i < names.size() && i < 20; ++i) std::fprintf(stderr, " %s", names[i].c_str());
  std::fprintf(stderr, names.size() > 20 ? " ...\n" : "\n");
}

// Checks `state` against the architecture; returns it in the model's order (unexpected names
// dropped when allowed). Every problem is printed before the error is thrown.
checkpoint::NamedTensors check_against_arch(const ConvertArgs& a, checkpoint::NamedTensors state) {
  nn::ResNetConfig cfg;
  cfg.arch = a.arch;
  cfg.width = a.width;
  cfg.small_input = a.small_input;
  cfg.num_classes = a.num_classes;
  if (cfg.num_classes < 0) {  // infer from the checkpoint: fc.weight [classes, features]
    cfg.num_classes = 0;
    for (auto& [n, t] : state)
      if (n == "fc.weight" && t.dim() == 2) cfg.num_classes = t.size(0);
  }
  auto net = nn::make_resnet(cfg);
  std::map<std::string, Tensor> given;
  for (auto& [n, t] : state) given[n] = t;
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> known;
  checkpoint::NamedTensors ordered;
  for (auto& [n, t] : net->state_dict()) {
    known.insert(n);
    auto it = given.find(n);
    if (it == given.end()) {
      missing.push_back(n);
    } else if (it->second.shape() != t.shape()) {
      mismatched.push_back(n + " " + shape_str(it->second.shape()) + " vs " + shape_str(t.shape()));
    } else {
      ordered.emplace_back(n, it->second);
    }
  }
  for (auto& [n, t] : state)
    if (!known.count(n)) unexpected.push_back(n);
  std::fprintf(stderr, "convert: %s (width %g, %lld classes) has %zu tensors; the checkpoint matches %zu\n",
               a.arch.c_str(), a.width, static_cast<long long>(cfg.num_classes), known.size(), ordered.size());
  print_names("missing", missing);
  print_names(a.drop_unexpected ? "unexpected, dropped" : "unexpected", unexpected);
  print_names("shape mismatch (checkpoint vs model)", mismatched);
  FB_CHECK(missing.empty() && mismatched.empty() && (unexpected.empty() || a.drop_unexpected), "convert: ", a.from,
           " does not fit ", a.arch, ": ", missing.size(), " missing, ", unexpected.size(), " unexpected, ",
           mismatched.size(), " mismatched shapes",
           unexpected.empty() || !missing.empty() ? "" : " (--drop-unexpected keeps only the model's tensors)",
           missing.empty() ? "" : " (is a --strip-prefix needed?)");
  return ordered;
}

void run_convert(const ConvertArgs& a) {
  FB_CHECK(app::ends_with(a.to, ".safetensors"), "convert: --to must name a .safetensors file, got ", a.to);
  checkpoint::NamedTensors state;
  if (app::ends_with(a.from, ".safetensors")) {
    state = checkpoint::load_state_any(a.from, a.strip_prefix);
  } else {
    checkpoint::PthCheckpoint ck = checkpoint::read_pth(a.from);
    std::fprintf(stderr, "convert: %s: PyTorch %s format, %zu tensors in %s\n", a.from.c_str(), ck.format.c_str(),
                 ck.tensors.size(), ck.location.empty() ? "the top-level dict" : ("'" + ck.location + "'").c_str());
    print_names("ignored entries (not tensors)", ck.ignored);
    state = std::move(ck.tensors);
    checkpoint::strip_prefix(state, a.strip_prefix, "convert: " + a.from + ": ");
  }
  if (!a.arch.empty()) state = check_against_arch(a, std::move(state));
  std::map<std::string, std::string> meta = {{"source", a.from}};
  if (!a.arch.empty()) meta["arch"] = a.arch;
  checkpoint::save_safetensors(a.to, state, meta);
  std::fprintf(stderr, "convert: wrote %s (%zu tensors)\n", a.to.c_str(), state.size());
}
}  // namespace

void register_convert_command(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert a checkpoint (PyTorch .pth, read without running its code) to a .safetensors state dict");
  cmd->add_option("--from", a->from, "Input checkpoint (.pth/.pt/.pth.tar/.ckpt/.bin or .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--to", a->to, "Output .safetensors file")->required();
  cmd->add_option("--strip-prefix", a->strip_prefix,
                  "Remove this prefix from the tensor names that start with it (e.g. module.base_net.)");
  cmd->add_option("--arch", a->arch, "Check names and shapes against this architecture (and keep its order)")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}));
  cmd->add_option("--num-classes", a->num_classes,
                  "Classes of the fc layer for --arch (default: from fc.weight; 0 = no fc)");
  cmd->add_option("--width", a->width, "Channel width multiplier for --arch")->capture_default_str();
  cmd->add_flag("--small-input", a->small_input, "--arch has the 3x3 stride-1 stem without max-pool");
  cmd->add_flag("--drop-unexpected", a->drop_unexpected,
                "With --arch: write only the model's tensors instead of failing on extra ones");
  cmd->callback([a] { run_convert(*a); });
}

}  // namespace fb::cli
