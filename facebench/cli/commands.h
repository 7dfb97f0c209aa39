#pragma once
// Each `facebench <subcommand>` lives in its own file and adds itself to the
// top-level CLI11 app through one of these functions (called from main.cpp).
#include <CLI/CLI.hpp>

namespace fb::cli {

void register_forward_command(CLI::App& app);  // forward_command.cpp
void register_init_command(CLI::App& app);     // init_command.cpp
void register_train_command(CLI::App& app);    // train_command.cpp
void register_pretrain_command(CLI::App& app); // pretrain_command.cpp
void register_probe_command(CLI::App& app);    // probe_command.cpp
void register_synth_command(CLI::App& app);    // synth_command.cpp
void register_data_command(CLI::App& app);     // data_command.cpp
void register_convert_command(CLI::App& app);  // convert_command.cpp
void register_bench_command(CLI::App& app);    // bench_command.cpp
void register_bench_allreduce(CLI::App& bench);  // bench_allreduce.cpp (a `bench` subcommand)
void register_eval_command(CLI::App& app);     // eval_command.cpp
void register_reproduce_command(CLI::App& app);  // reproduce_command.cpp
void register_embed_command(CLI::App& app);    // embed_command.cpp
void register_predict_command(CLI::App& app);  // predict_command.cpp

}  // namespace fb::cli
