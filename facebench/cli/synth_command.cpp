// `facebench synth`: render a labelled synthetic face dataset to disk, and/or a
// contact sheet to look at.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "facebench/cli/commands.h"
#include "facebench/synth/dataset_writer.h"
#include "facebench/synth/generator.h"
#include "facebench/synth/preview.h"

namespace fb::cli {

namespace {
struct SynthArgs {
  std::string mode = "curated";
  int64_t identities = 100, per_identity = 10, first_identity = 0;
  int size = 128;
  uint64_t seed = 0;
  std::string out, preview;
  int threads = 0;
  int preview_count = 64;
};

// One line on stderr, redrawn in place: bar, count, rate.
void draw_progress(int64_t done, int64_t total, double seconds) {
  static const bool tty = isatty(2);
  static int64_t last_decile = -1;
  if (!tty) {  // a log file gets one line per 10 %
    int64_t decile = total > 0 ? 10 * done / total : 10;
    if (decile == last_decile) return;
    last_decile = decile;
  }
  const int width = 30;
  int fill = total > 0 ? int(double(width) * double(done) / double(total)) : width;
  std::string bar(size_t(fill), '#');
  bar.resize(width, '.');
  double rate = seconds > 0 ? double(done) / seconds : 0;
  std::fprintf(stderr, tty ? "\rsynth [%s] %lld/%lld images  %.0f/s " : "synth [%s] %lld/%lld images  %.0f/s\n",
               bar.c_str(), (long long)done, (long long)total, rate);
  std::fflush(stderr);
}

void run_synth(const SynthArgs& a) {
  if (a.out.empty() && a.preview.empty())
    throw std::runtime_error("synth: nothing to do; give --out DIR and/or --preview sheet.png");
  synth::Config cfg;
  cfg.mode = synth::parse_mode(a.mode);
  cfg.identities = a.identities;
  cfg.per_identity = a.per_identity;
  cfg.size = a.size;
  cfg.seed = a.seed;
  cfg.first_identity = a.first_identity;
  synth::Generator gen(cfg);  // validates the numbers
  int threads = a.threads > 0 ? a.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  if (!a.out.empty()) {
    synth::WriteOptions opt;
    opt.out_dir = a.out;
    opt.threads = threads;
    auto t0 = std::chrono::steady_clock::now();
    opt.progress = [&](int64_t done, int64_t total) {
      draw_progress(done, total, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    };
    synth::WriteStats st = synth::write_dataset(gen, opt);
    if (isatty(2)) std::fputc('\n', stderr);
    std::fprintf(stderr, "synth: wrote %lld images to %s in %.2f s (%.0f images/s, %d threads)\n",
                 (long long)st.images, a.out.c_str(), st.seconds, double(st.images) / st.seconds, threads);
  }
  if (!a.preview.empty()) {
    int64_t n = std::min<int64_t>(gen.size(), a.preview_count);
    std::vector<synth::Sample> samples(static_cast<size_t>(n));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int64_t i = t; i < n; i += threads) samples[size_t(i)] = gen.sample(i);
      });
    for (auto& th : pool) th.join();
    int cols = n >= 64 ? 8 : (n >= 16 ? 4 : int(n));
    int scale = cfg.size <= 96 ? 3 : (cfg.size <= 160 ? 2 : 1);
    synth::write_png(a.preview, synth::contact_sheet(samples, cols, scale, false));
    std::filesystem::path p(a.preview);
    std::string parsing = (p.parent_path() / (p.stem().string() + "_parsing" + p.extension().string())).string();
    synth::write_png(parsing, synth::contact_sheet(samples, cols, scale, true));
    std::fprintf(stderr, "synth: contact sheets %s and %s (%lld samples)\n", a.preview.c_str(), parsing.c_str(),
                 (long long)n);
  }
}
}  // namespace

void register_synth_command(CLI::App& app) {
  auto args = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand(
      "synth",
      "Render a synthetic face dataset with exact labels (identity, 68 2D/3D landmarks, pose, 12 AUs, "
      "emotion, valence/arousal, parsing masks) in the VGGFace2 / 300W / DISFA / AffectNet / "
      "AFLW2000-3D / LaPa formats");
  cmd->add_option("--mode", args->mode,
                  "curated: one centred face per image, balanced identities; uncurated: off-centre, "
                  "tiny, partial or several faces, non-face images, identity imbalance; video: one "
                  "sequence of consecutive frames per identity")
      ->check(CLI::IsMember({"curated", "uncurated", "video"}))
      ->capture_default_str();
  cmd->add_option("--identities", args->identities, "Number of identities (video: sequences)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--per-identity", args->per_identity,
                  "Images per identity (video: frames per sequence; uncurated: average)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--size", args->size, "Image side in pixels (32..2048)")
      ->check(CLI::Range(32, 2048))->capture_default_str();
  cmd->add_option("--seed", args->seed,
                  "Seed of scenes, poses, expressions and lighting (identities do not depend on it)")
      ->capture_default_str();
  cmd->add_option("--first-identity", args->first_identity,
                  "Id of the first identity (use disjoint ranges for train and test sets)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--out", args->out, "Output directory (must not already hold a dataset)");
  cmd->add_option("--threads", args->threads, "Worker threads (default: all cores); output does not depend on it")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--preview", args->preview,
                  "Write a contact sheet PNG of the first samples with landmarks drawn (green visible, "
                  "red hidden), and <name>_parsing.png with the parsing masks");
  cmd->add_option("--preview-count", args->preview_count, "Samples on the contact sheet")
      ->check(CLI::Range(1, 1024))->capture_default_str();
  cmd->callback([args] { run_synth(*args); });
}

}  // namespace fb::cli
