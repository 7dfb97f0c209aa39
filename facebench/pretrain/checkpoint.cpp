#include "facebench/pretrain/checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "nn/checkpoint/safetensors.h"

namespace fb::pretrain {

namespace fs = std::filesystem;

std::string checkpoint_path(const std::string& dir) { return dir + "/checkpoint.safetensors"; }
static std::string previous_path(const std::string& dir) { return dir + "/checkpoint.prev.safetensors"; }

void save_checkpoint(const std::string& dir, const TrainingState& s) {
  checkpoint::NamedTensors all;
  for (auto& [n, t] : s.model) all.emplace_back("model." + n, t);
  for (auto& [n, t] : s.optim) all.emplace_back("optim." + n, t);
  for (auto& [n, t] : s.extra) all.emplace_back("extra." + n, t);
  std::map<std::string, std::string> meta{{"format", "facebench-pretrain-1"},
                                          {"step", std::to_string(s.step)},
                                          {"epoch", std::to_string(s.epoch)},
                                          {"batch", std::to_string(s.batch)},
                                          {"world_size", std::to_string(s.world_size)},
                                          {"config", s.config_json}};
  // The latest becomes the previous before the new one is renamed into place.
  std::error_code ec;
  if (fs::exists(checkpoint_path(dir))) fs::rename(checkpoint_path(dir), previous_path(dir), ec);
  checkpoint::save_safetensors(checkpoint_path(dir), all, meta);
}

static TrainingState read(const std::string& path) {
  std::map<std::string, std::string> meta;
  auto all = checkpoint::load_safetensors(path, &meta);
  FB_CHECK(meta["format"] == "facebench-pretrain-1", path, ": not a facebench pre-training checkpoint");
  TrainingState s;
  try {
    s.step = std::stoll(meta.at("step"));
    s.epoch = std::stoll(meta.at("epoch"));
    s.batch = std::stoll(meta.at("batch"));
    s.config_json = meta.at("config");
    if (meta.count("world_size")) s.world_size = std::stoll(meta.at("world_size"));  // older files: 1
  } catch (const std::exception&) {
    FB_FAIL(path, ": checkpoint metadata is incomplete (step, epoch, batch, config)");
  }
  for (auto& entry : all) {
    // Named references, not a structured binding: C++17 lambdas cannot capture those (clang refuses).
    const std::string& n = entry.first;
    const Tensor& t = entry.second;
    auto take = [&](const char* prefix, nn::NamedTensors& into) {
      size_t len = std::char_traits<char>::length(prefix);
      if (n.compare(0, len, prefix) != 0) return false;
      into.emplace_back(n.substr(len), t);
      return true;
    };
    if (!take("model.", s.model) && !take("optim.", s.optim) && !take("extra.", s.extra))
      FB_FAIL(path, ": unexpected entry '", n, "'");
  }
  return s;
}

TrainingState load_checkpoint(const std::string& dir) {
  std::string latest = checkpoint_path(dir), prev = previous_path(dir);
  try {
    return read(latest);
  } catch (const std::exception& e) {
    if (!fs::exists(prev)) throw;
    std::fprintf(stderr, "warning: %s; resuming from the previous checkpoint %s\n", e.what(), prev.c_str());
    return read(prev);
  }
}

}  // namespace fb::pretrain
