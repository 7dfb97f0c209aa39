#pragma once
// Shared by the pre-training tests (tests/pretrain, tests/cuda): the smallest
// run that still goes through every part of the trainer, and what its log says.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "facebench/pretrain/config.h"

namespace fbtest {

inline fb::pretrain::Config tiny_run(const std::string& method) {
  fb::pretrain::Config c = fb::pretrain::preset("smoke");
  c.method = method;
  c.data = method == "supervised" ? "synth:curated" : "synth:uncurated";
  c.width = 0.125;
  c.res = 32;
  c.small_res = 16;
  c.n_local = method == "swav" ? 2 : 0;
  c.identities = 8;
  c.per_identity = 4;
  c.image_size = 48;
  c.batch = 8;
  c.epochs = 2;
  c.checkpoint_every = 1;
  c.workers = 1;
  c.proj_hidden = 32;
  c.proj_out = 8;
  c.prototypes = 16;
  c.queue = 16;
  return c;
}

// A fresh, empty scratch folder named after the test.
inline std::string scratch_dir(const std::string& name) {
  std::filesystem::path d = std::filesystem::temp_directory_path() / ("fb_pretrain_" + name);
  std::filesystem::remove_all(d);
  return d.string();
}

// The loss of every step in the run's log.jsonl, in order.
inline std::vector<double> logged_losses(const std::string& dir) {
  std::vector<double> out;
  std::ifstream f(dir + "/log.jsonl");
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line).at("loss").get<double>());
  return out;
}

}  // namespace fbtest
