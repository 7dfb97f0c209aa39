// facebench probe: linear-probe identity accuracy of a frozen backbone on
// held-out images of synthetic people (or of a random-init backbone, as the
// baseline every pre-training must beat).
#include <cstdio>
#include <vector>

#include "facebench/cli/commands.h"
#include "facebench/data/synthetic.h"
#include "facebench/metrics/summary.h"
#include "facebench/tasks/linear_probe.h"
#include "nn/checkpoint/safetensors.h"

namespace fb::cli {

void register_probe_command(CLI::App& app) {
  struct Args {
    std::string backbone;
    nn::ResNetConfig net;
    int64_t identities = 40, per_identity = 10, held_out = 3, size = 64;
    uint64_t seed = 1000;  // a scene seed pre-training did not use
    int64_t repeats = 1;
    tasks::ProbeOptions probe;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("probe", "Linear-probe identity accuracy of a frozen backbone on synthetic faces");
  cmd->add_option("--backbone", a->backbone,
                  "backbone.safetensors from pretrain (its arch/width are read from it), or 'random'")
      ->required();
  cmd->add_option("--arch", a->net.arch, "Architecture for --backbone random")->capture_default_str();
  cmd->add_option("--width", a->net.width, "Width for --backbone random")->capture_default_str();
  cmd->add_option("--identities", a->identities, "Synthetic people (classes)")->capture_default_str();
  cmd->add_option("--per-identity", a->per_identity, "Images per person")->capture_default_str();
  cmd->add_option("--held-out", a->held_out, "Test images per person")->capture_default_str();
  cmd->add_option("--size", a->size, "Image size")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Scene seed of the probe data")->capture_default_str();
  cmd->add_option("--repeats", a->repeats, "Repeat with scene seeds seed, seed+1, ... and report the mean and sd")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--probe-epochs", a->probe.epochs, "Training steps of the linear classifier")->capture_default_str();
  cmd->callback([a] {
    FB_CHECK(a->per_identity > a->held_out && a->held_out >= 1, "probe: need --per-identity > --held-out >= 1");
    a->net.num_classes = 0;
    checkpoint::NamedTensors state;
    if (a->backbone != "random") {
      std::map<std::string, std::string> meta;
      state = checkpoint::load_safetensors(a->backbone, &meta);
      if (meta.count("arch")) a->net.arch = meta["arch"];
      if (meta.count("width")) a->net.width = std::stod(meta["width"]);
      a->net.small_input = meta.count("small_input") && meta["small_input"] == "1";
    }
    nn::manual_seed(0);
    auto net = nn::make_resnet(a->net);
    if (!state.empty()) net->load_state_dict(state, true);
    // Each repeat renders other people (scene seed + r) and trains a new classifier.
    const int64_t first_test = a->per_identity - a->held_out;
    a->probe.image_size = a->size;
    std::vector<double> test_acc;
    for (int64_t rep = 0; rep < a->repeats; ++rep) {
      synth::Config sc;
      sc.mode = synth::Mode::Curated;
      sc.identities = a->identities;
      sc.per_identity = a->per_identity;
      sc.size = static_cast<int>(a->size);
      sc.seed = a->seed + static_cast<uint64_t>(rep);
      data::SyntheticDataset ds(sc);
      const auto& gen = ds.generator();
      auto r = tasks::linear_probe(*net, ds, [&](int64_t i) { return gen.slot(i).image >= first_test; }, a->probe);
      std::printf("linear probe (%s %s x%.3g, scene seed %llu): %lld classes, train %lld / test %lld images: "
                  "train acc %.3f, test acc %.3f (chance %.3f)\n",
                  a->backbone.c_str(), a->net.arch.c_str(), a->net.width, static_cast<unsigned long long>(sc.seed),
                  static_cast<long long>(r.classes), static_cast<long long>(r.train_images),
                  static_cast<long long>(r.test_images), r.train_accuracy, r.test_accuracy,
                  1.0 / static_cast<double>(r.classes));
      std::fflush(stdout);
      test_acc.push_back(r.test_accuracy);
    }
    if (a->repeats > 1) {
      const metrics::MeanStd m = metrics::mean_std(test_acc);
      std::printf("test acc over %lld scene seeds: mean %.4f, sd %.4f\n", static_cast<long long>(m.n), m.mean, m.std);
    }
  });
}

}  // namespace fb::cli
