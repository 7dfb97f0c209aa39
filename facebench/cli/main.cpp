// facebench: git-style command line. Every error reaches the user as one
// clear line on stderr and a non-zero exit status.
#include <cstdio>
#include <exception>

#include "facebench/cli/commands.h"

int main(int argc, char** argv) {
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
