#include "facebench/tasks/task_model.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "facebench/tasks/runner.h"
#include "facebench/tasks/task_util.h"
#include "nn/checkpoint/safetensors.h"
#include "tensor/error.h"

namespace fb::tasks {

namespace {
constexpr const char* kFormat = "facebench-task-model-1";

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

void save_task_model(const std::string& path, const std::string& task, const TaskSettings& s, nn::ResNet& backbone,
                     TaskHead& head, const TaskArrays& train) {
  checkpoint::NamedTensors all;
  for (auto& [n, t] : backbone.state_dict()) all.emplace_back("backbone." + n, t);
  for (auto& [n, t] : head.state_dict()) all.emplace_back("head." + n, t);
  std::set<int64_t> identities(train.label.begin(), train.label.end());
  const auto& cfg = backbone.config();
  std::map<std::string, std::string> meta = {
      {"format", kFormat},
      {"task", task},
      {"arch", cfg.arch},
      {"width", std::to_string(cfg.width)},
      {"small_input", cfg.small_input ? "1" : "0"},
      {"crop", std::to_string(train.size)},
      {"points", std::to_string(train.points)},
      {"values", join(train.value_names)},
      {"classes", std::to_string(parsing_classes(train))},
      {"identities", std::to_string(identities.size())},
      {"head_channels", std::to_string(s.head_channels)},
      {"embedding", std::to_string(s.embedding)},
      {"softargmax_beta", std::to_string(s.softargmax_beta)},
  };
  checkpoint::save_safetensors(path, all, meta);
}

TaskModel load_task_model(const std::string& path) {
  std::map<std::string, std::string> meta;
  checkpoint::NamedTensors all = checkpoint::load_safetensors(path, &meta);
  FB_CHECK(meta["format"] == kFormat, path, ": not a facebench task model (save one with `facebench eval --save-model`)");
  auto num = [&](const char* key) {
    FB_CHECK(meta.count(key), path, ": task model metadata lacks '", key, "'");
    return std::stod(meta[key]);
  };
  TaskModel m;
  m.task = meta["task"];
  TaskSettings s;
  s.head_channels = static_cast<int64_t>(num("head_channels"));
  s.embedding = static_cast<int64_t>(num("embedding"));
  s.softargmax_beta = num("softargmax_beta");
  m.definition = make_task(m.task, s);
  m.crop = static_cast<int64_t>(num("crop"));

  nn::ResNetConfig rc;
  rc.arch = meta["arch"];
  rc.width = num("width");
  rc.small_input = meta["small_input"] == "1";
  rc.num_classes = 0;
  m.backbone = nn::make_resnet(rc);

  // What make_head reads from the training data, rebuilt from the metadata.
  m.shape.dataset = "model";
  m.shape.size = m.crop;
  m.shape.points = static_cast<int>(num("points"));
  m.shape.value_names = split(meta["values"]);
  int64_t classes = static_cast<int64_t>(num("classes"));
  if (classes > 0) m.shape.masks = {static_cast<uint8_t>(classes - 1)};
  for (int64_t i = 0; i < static_cast<int64_t>(num("identities")); ++i) m.shape.label.push_back(i);
  m.head = m.definition->make_head(backbone_shape(*m.backbone), m.shape);

  checkpoint::NamedTensors bs, hs;
  for (auto& [n, t] : all) {
    if (n.rfind("backbone.", 0) == 0) bs.emplace_back(n.substr(9), t);
    else if (n.rfind("head.", 0) == 0) hs.emplace_back(n.substr(5), t);
    else FB_FAIL(path, ": unexpected tensor '", n, "' in a task model");
  }
  m.backbone->load_state_dict(bs, true);
  m.head->load_state_dict(hs, true);
  m.backbone->eval();
  m.head->eval();
  return m;
}

}  // namespace fb::tasks
