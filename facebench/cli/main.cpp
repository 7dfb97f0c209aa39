// facebench: git-style command line. Every error reaches the user as one
// clear line on stderr and a non-zero exit status.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "facebench/cli/commands.h"

namespace {
// OpenMP worker threads that spin between parallel regions take the cores
// from the data-loader threads and from any other process: with two cores
// and a loader running, spinning made SwAV pre-training over ten times slower
// (0.1 vs 1.3 steps/s). libgomp reads its wait policy once, when it is loaded,
// so facebench starts itself again with OMP_WAIT_POLICY=passive unless the
// user chose a policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set).
void restart_with_passive_openmp_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: go on as we are
}
}  // namespace

int main(int argc, char** argv) {
  restart_with_passive_openmp_waits(argv);
  CLI::App app{"facebench: a C++ deep-learning runtime and the face-representation benchmark"};
  app.require_subcommand(1);
  fb::cli::register_init_command(app);
  fb::cli::register_forward_command(app);
  fb::cli::register_train_command(app);
  fb::cli::register_pretrain_command(app);
  fb::cli::register_probe_command(app);
  fb::cli::register_synth_command(app);
  fb::cli::register_data_command(app);
  fb::cli::register_convert_command(app);
  fb::cli::register_bench_command(app);
  fb::cli::register_eval_command(app);
  fb::cli::register_reproduce_command(app);
  fb::cli::register_embed_command(app);
  fb::cli::register_predict_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "facebench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
