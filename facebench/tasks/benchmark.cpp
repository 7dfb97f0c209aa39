#include "facebench/tasks/benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "facebench/data/open.h"
#include "facebench/data/orl.h"
#include "facebench/data/synthetic.h"
#include "facebench/pretrain/checkpoint.h"
#include "facebench/pretrain/config.h"
#include "facebench/pretrain/trainer.h"
#include "facebench/report/writer.h"
#include "facebench/tasks/fewshot.h"
#include "facebench/tasks/task_model.h"
#include "facebench/tasks/task_util.h"
#include "nn/checkpoint/atomic_file.h"

namespace fb::tasks {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ presets --

BenchmarkConfig benchmark_preset(const std::string& name) {
  BenchmarkConfig c;
  c.preset = name;
  c.arch.arch = "resnet18";
  c.arch.width = 0.25;
  c.pretrain = {{"supervised", "supervised", "synth:curated"},
                {"swav-curated", "swav", "synth:curated"},
                {"swav-uncurated", "swav", "synth:uncurated"}};
  if (name == "smoke") {
    // Touches every task, mode and report part in about a minute.
    c.fractions = {0.25, 1.0};
    c.seeds = 1;
    c.modes = {"linear", "finetune"};
    c.pretrain_max_steps = 6;
    c.identities = 10, c.train_identities = 6, c.per_identity = 6;
    c.videos = 6, c.frames = 8;
    c.render_size = 64, c.crop_size = 64;
    c.redundancy_k = {1, 4};
    c.fit.steps = 8;
    c.fit.batch = 8;
    c.settings.head_channels = 16;
    return c;
  }
  if (name == "mini") {
    c.fractions = {0.02, 0.1, 1.0};
    c.seeds = 2;
    c.modes = {"linear"};
    c.fit.steps = 150;
    // The dense decoders cost most of the grid's time.
    c.steps = {{"landmarks", 100}, {"3d", 100}, {"parsing", 100}};
    return c;
  }
  FB_CHECK(name == "paper", "reproduce: unknown preset '", name, "' (expected smoke, mini or paper)");
  // The paper's grid on real data: ResNet-50 backbones given as checkpoints.
  c.arch.arch = "resnet50";
  c.arch.width = 1.0;
  c.pretrain.clear();
  c.modes = {"linear", "finetune"};
  c.crop_size = 256;
  c.fit.steps = 3000;
  c.fit.batch = 32;
  c.settings.head_channels = 256;
  c.settings.embedding = 512;
  c.settings.arcface_s = 64;
  c.settings.arcface_m = 0.5;
  return c;
}

nlohmann::json to_json(const BenchmarkConfig& c) {
  nlohmann::json pre = nlohmann::json::array(), ck = nlohmann::json::array();
  for (const auto& p : c.pretrain) pre.push_back({{"name", p.name}, {"method", p.method}, {"data", p.data}});
  for (const auto& [n, p] : c.checkpoints) ck.push_back({{"name", n}, {"path", p}});
  return {{"preset", c.preset},
          {"task_data", c.task_data},
          {"tasks", c.tasks},
          {"modes", c.modes},
          {"fractions", c.fractions},
          {"seeds", c.seeds},
          {"scratch", c.scratch},
          {"arch", {{"arch", c.arch.arch}, {"width", c.arch.width}, {"small_input", c.arch.small_input}}},
          {"pretrain_preset", c.pretrain_preset},
          {"pretrain_epochs", c.pretrain_epochs},
          {"pretrain_max_steps", c.pretrain_max_steps},
          {"pretrain", pre},
          {"checkpoints", ck},
          {"synthetic",
           {{"identities", c.identities},
            {"train_identities", c.train_identities},
            {"per_identity", c.per_identity},
            {"videos", c.videos},
            {"frames", c.frames},
            {"render_size", c.render_size}}},
          {"crop_size", c.crop_size},
          {"redundancy_k", c.redundancy_k},
          {"orl_dir", c.orl_dir},
          {"data_root", c.data_root},
          {"fit",
           {{"steps", c.fit.steps},
            {"steps_per_task", c.steps},
            {"batch", c.fit.batch},
            {"lr", c.fit.lr},
            {"backbone_lr", c.fit.backbone_lr},
            {"weight_decay", c.fit.weight_decay}}},
          {"heads",
           {{"head_channels", c.settings.head_channels},
            {"embedding", c.settings.embedding},
            {"arcface_s", c.settings.arcface_s},
            {"arcface_m", c.settings.arcface_m},
            {"softargmax_beta", c.settings.softargmax_beta}}},
          {"seed", c.seed}};
}

// ----------------------------------------------------------------- the data --

namespace {

// Identity ids far from those pre-training renders (0 .. identities-1), so no
// evaluation person was seen in pre-training.
constexpr int64_t kEvalFirstIdentity = 1000000, kVideoFirstIdentity = 2000000;
constexpr uint64_t kEvalSceneSeed = 9001;

bool synthetic(const BenchmarkConfig& c) { return c.data_root.empty() && c.task_data.empty(); }

struct Split {
  TaskArrays train, test;
};

struct TaskSources {
  std::map<std::string, Split> by_task;           // task -> its data
  std::map<std::string, std::string> dataset_of;  // task -> dataset name
  TaskArrays orl;
  bool has_orl = false;
};

Split split_rows(const TaskArrays& a, const std::vector<int64_t>& train, const std::vector<int64_t>& test) {
  return {a.select(train), a.select(test)};
}

// The synthetic evaluation set of one mode, decoded into arrays.
TaskArrays synthetic_arrays(const BenchmarkConfig& c, synth::Mode mode, int64_t identities, int64_t per_identity,
                            int64_t first_identity, const std::string& name) {
  synth::Config sc;
  sc.mode = mode;
  sc.identities = identities;
  sc.per_identity = per_identity;
  sc.size = c.render_size;
  sc.seed = kEvalSceneSeed + c.seed;
  sc.first_identity = first_identity;
  data::SyntheticDataset ds(sc);
  ArrayOptions ao;
  ao.size = c.crop_size;
  return load_arrays(ds, name, {}, true, ao);
}

TaskSources load_synthetic(const BenchmarkConfig& c, const std::set<std::string>& needed) {
  TaskSources s;
  ArrayOptions ao;
  ao.size = c.crop_size;
  bool curated_needed = false;
  for (const auto& t : needed) curated_needed |= t != "au" && t != "redundancy";
  if (curated_needed) {
    TaskArrays all = synthetic_arrays(c, synth::Mode::Curated, c.identities, c.per_identity, kEvalFirstIdentity,
                                      "synth-curated");
    std::vector<int64_t> train, test;
    for (int64_t r = 0; r < all.rows(); ++r)
      (all.label[static_cast<size_t>(r)] - kEvalFirstIdentity < c.train_identities ? train : test).push_back(r);
    Split sp = split_rows(all, train, test);
    for (const auto& t : needed)
      if (t != "au" && t != "redundancy") s.by_task[t] = sp;
  }
  if (needed.count("au") || needed.count("redundancy")) {
    TaskArrays all = synthetic_arrays(c, synth::Mode::Video, c.videos, c.frames, kVideoFirstIdentity, "synth-video");
    SubjectSplit ss = subject_exclusive_split(all.group, 3, 0, c.seed);
    Split sp = split_rows(all, ss.train, ss.test);
    s.by_task["au"] = sp;
    s.by_task["redundancy"] = sp;
  }
  if (needed.count("recognition") && !c.orl_dir.empty() && fs::exists(c.orl_dir)) {
    data::ProblemLog log;
    auto orl = data::open_orl(c.orl_dir, log);
    s.orl = load_arrays(*orl, "orl", {}, true, ao);
    s.has_orl = true;
  } else if (needed.count("recognition")) {
    std::fprintf(stderr, "reproduce: no ORL faces at '%s'; the ORL few-shot metrics are left out\n", c.orl_dir.c_str());
  }
  return s;
}

// Real data: where each task reads it, and which splits train and test.
// An empty train split means one set that is split here by subject.
struct RealSource {
  std::string format, path, train_split, test_split;
};

RealSource real_source(const BenchmarkConfig& c, const std::string& task) {
  // The paper preset's layout under --data-root (README, "The paper preset").
  static const std::map<std::string, std::pair<std::string, std::string>> folder = {
      {"recognition", {"vggface2", "vggface2"}}, {"landmarks", {"300w", "300w"}},
      {"au", {"disfa", "disfa"}},                {"emotion", {"affectnet", "affectnet"}},
      {"3d", {"aflw2000-3d", "aflw2000-3d"}},    {"parsing", {"lapa", "lapa"}}};
  // Default train / test splits of each format.
  static const std::map<std::string, std::pair<std::string, std::string>> splits = {
      {"vggface2", {"train", "test"}}, {"folders", {"", ""}},        {"orl", {"", ""}},
      {"300w", {"train", "full"}},     {"wflw", {"train", "test"}},  {"aflw19", {"train", "test"}},
      {"disfa", {"", ""}},             {"affectnet", {"train", "val"}}, {"aflw2000-3d", {"", ""}},
      {"lapa", {"train", "test"}},     {"celebamask-hq", {"train", "test"}}, {"synth", {"", ""}}};
  std::string key = task == "redundancy" ? "au" : task;
  RealSource r;
  auto it = c.task_data.find(key);
  if (it != c.task_data.end()) {
    size_t colon = it->second.find(':');
    FB_CHECK(colon != std::string::npos && colon > 0, "data for ", key, " must be FORMAT:PATH, got '", it->second, "'");
    r.format = it->second.substr(0, colon);
    r.path = it->second.substr(colon + 1);
  } else {
    FB_CHECK(!c.data_root.empty(), "no data for task ", key, ": give --data-root or --data FORMAT:PATH");
    r.format = folder.at(key).first;
    r.path = (fs::path(c.data_root) / folder.at(key).second).string();
  }
  auto sp = splits.find(r.format);
  FB_CHECK(sp != splits.end(), "unknown data format '", r.format, "' for task ", key);
  r.train_split = sp->second.first;
  r.test_split = sp->second.second;
  return r;
}

std::string task_dataset_name(const BenchmarkConfig& c, const std::string& task) {
  if (synthetic(c)) return task == "au" || task == "redundancy" ? "synth-video" : "synth-curated";
  return real_source(c, task).format;
}

TaskSources load_real(const BenchmarkConfig& c, const std::set<std::string>& needed) {
  TaskSources s;
  ArrayOptions ao;
  ao.size = c.crop_size;
  for (const auto& task : needed) {
    const RealSource src = real_source(c, task);
    data::ProblemLog log(data::OnError::Skip);
    auto open = [&](const std::string& split) {
      data::OpenOptions oo;
      oo.format = src.format;
      oo.path = src.path;
      oo.split = split;
      if (src.format == "disfa") oo.images = (fs::path(src.path) / "images").string();
      return data::open_dataset(oo, log);
    };
    const bool by_label = task != "emotion";  // identities and subjects; AffectNet's label is the class
    if (!src.train_split.empty()) {
      auto train = open(src.train_split), test = open(src.test_split);
      s.by_task[task] = {load_arrays(*train, src.format, {}, by_label, ao), load_arrays(*test, src.format, {}, by_label, ao)};
    } else {
      // One set, split here by subject: DISFA's 3 folds; otherwise 5 folds.
      auto ds = open("");
      TaskArrays all = load_arrays(*ds, src.format, {}, true, ao);
      SubjectSplit ss = subject_exclusive_split(all.group, src.format == "disfa" ? 3 : 5, 0, c.seed);
      s.by_task[task] = split_rows(all, ss.train, ss.test);
    }
  }
  return s;
}

// ---------------------------------------------------------------- backbones --

struct BackboneSpec {
  std::string name, path;  // path "scratch" or a checkpoint
};

std::vector<BackboneSpec> backbone_specs(const BenchmarkConfig& c, const std::string& out) {
  std::vector<BackboneSpec> b;
  if (c.scratch) b.push_back({"scratch", "scratch"});
  for (const auto& p : c.pretrain) b.push_back({p.name, (fs::path(out) / "backbones" / p.name / "backbone.safetensors").string()});
  for (const auto& [n, p] : c.checkpoints) b.push_back({n, p});
  return b;
}

void pretrain_backbone(const BenchmarkConfig& c, const PretrainRun& run, const std::string& dir) {
  if (fs::exists(fs::path(dir) / "backbone.safetensors")) return;
  pretrain::Config pc = pretrain::preset(c.pretrain_preset);
  pc.method = run.method;
  pc.data = run.data;
  pc.seed = c.seed;
  if (c.pretrain_epochs > 0) pc.epochs = c.pretrain_epochs;
  bool resume = fs::exists(pretrain::checkpoint_path(dir));
  std::fprintf(stderr, "reproduce: pre-training %s (%s on %s)%s\n", run.name.c_str(), run.method.c_str(),
               run.data.c_str(), resume ? ", resuming" : "");
  pretrain::run_pretraining(pc, dir, resume, c.pretrain_max_steps);
}

// ------------------------------------------------------------------ results --

std::vector<report::CellResult> read_results(const std::string& path) {
  std::vector<report::CellResult> cells;
  std::ifstream in(path);
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      cells.push_back(report::cell_from_json(nlohmann::json::parse(line)));
    } catch (const std::exception& e) {
      // A line cut short by a kill: the cell is simply run again.
      std::fprintf(stderr, "reproduce: %s line %lld is not a complete cell (%s); it will be rerun\n", path.c_str(),
                   static_cast<long long>(n), e.what());
    }
  }
  return cells;
}

void append_result(const std::string& path, const report::CellResult& c) {
  // A line cut short by a kill has no newline: end it, so the new cell starts a line of its own.
  bool needs_newline = false;
  {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (in && in.tellg() > 0) {
      in.seekg(-1, std::ios::end);
      needs_newline = in.get() != '\n';
    }
  }
  std::ofstream out(path, std::ios::app);
  if (needs_newline) out << "\n";
  out << report::to_json(c).dump() << "\n";
  out.flush();
  FB_CHECK(out.good(), "reproduce: cannot append to ", path);
}

std::string fraction_label(double f) {
  char b[32];
  std::snprintf(b, sizeof b, "%g %%", 100 * f);
  return b;
}

std::string today() {
  std::time_t t = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%d", std::gmtime(&t));
  return b;
}

int64_t steps_for(const BenchmarkConfig& c, const std::string& task) {
  auto it = c.steps.find(task);
  return it == c.steps.end() ? c.fit.steps : it->second;
}

}  // namespace

// ----------------------------------------------------------------- planning --

std::vector<PlannedCell> plan_cells(const BenchmarkConfig& c) {
  std::vector<PlannedCell> plan;
  std::vector<std::string> names;
  if (c.scratch) names.push_back("scratch");
  for (const auto& p : c.pretrain) names.push_back(p.name);
  for (const auto& [n, p] : c.checkpoints) names.push_back(n);
  FB_CHECK(!names.empty(), "reproduce: no backbones to evaluate");
  auto source = [&](const std::string& task) {
    if (synthetic(c)) return std::string("synthetic (in memory), ") + task_dataset_name(c, task);
    RealSource s = real_source(c, task);
    return s.format + " at " + s.path + (fs::exists(s.path) ? "" : " (MISSING)");
  };
  for (const auto& task : c.tasks)
    for (const auto& b : names)
      for (const auto& mode : c.modes)
        for (double f : c.fractions)
          for (int64_t seed = 0; seed < c.seeds; ++seed) {
            PlannedCell p;
            p.cell = {task, task_dataset_name(c, task), b, mode, f, seed, 0, {}, 0};
            p.data_source = source(task);
            plan.push_back(p);
          }
  // The redundancy study: AU with every k-th training frame, for the backbone
  // that plays the paper's SSL-uncurated part (else the last one), linear mode.
  if (std::find(c.tasks.begin(), c.tasks.end(), "au") != c.tasks.end() && !c.redundancy_k.empty()) {
    std::string b = std::find(names.begin(), names.end(), "swav-uncurated") != names.end() ? "swav-uncurated" : names.back();
    for (int64_t k : c.redundancy_k)
      for (int64_t seed = 0; seed < c.seeds; ++seed) {
        PlannedCell p;
        p.cell = {"redundancy", task_dataset_name(c, "redundancy"), b, c.modes.front(), 1.0 / static_cast<double>(k),
                  seed, 0, {}, 0};
        p.data_source = source("redundancy") + ", every " + std::to_string(k) + "-th frame";
        plan.push_back(p);
      }
  }
  return plan;
}

// ------------------------------------------------------------------ running --

int64_t run_benchmark(const BenchmarkConfig& config, const std::string& out, const RunOptions& o) {
  BenchmarkConfig c = config;
  std::sort(c.fractions.begin(), c.fractions.end());
  c.fractions.erase(std::unique(c.fractions.begin(), c.fractions.end()), c.fractions.end());
  FB_CHECK(!c.fractions.empty() && c.seeds >= 1, "reproduce: need at least one fraction and one seed");
  for (const auto& t : c.tasks)
    FB_CHECK(std::find(task_names().begin(), task_names().end(), t) != task_names().end(), "reproduce: unknown task '",
             t, "'");
  FB_CHECK(c.preset != "paper" || !c.data_root.empty() || !c.task_data.empty(),
           "reproduce: the paper preset needs --data-root (real datasets; see README)");
  std::vector<PlannedCell> plan = plan_cells(c);
  const std::string results_path = (fs::path(out) / "results.jsonl").string();
  std::vector<report::CellResult> done = o.dry_run ? std::vector<report::CellResult>{} : read_results(results_path);
  std::set<std::string> finished;
  for (const auto& d : done) finished.insert(report::cell_key(d));

  if (o.dry_run) {
    std::printf("%zu cells (task / dataset / backbone / mode / fraction / seed  <- data):\n", plan.size());
    for (const auto& p : plan)
      std::printf("  %-12s %-14s %-16s %-8s %7s  seed %lld  <- %s\n", p.cell.task.c_str(), p.cell.dataset.c_str(),
                  p.cell.backbone.c_str(), p.cell.mode.c_str(), fraction_label(p.cell.fraction).c_str(),
                  static_cast<long long>(p.cell.seed), p.data_source.c_str());
    for (const auto& b : backbone_specs(c, out))
      std::printf("backbone %-16s %s\n", b.name.c_str(),
                  b.path == "scratch" ? "random initialisation" : b.path.c_str());
    return 0;
  }

  fs::create_directories(out);
  const std::string config_text = to_json(c).dump(2) + "\n";
  checkpoint::write_file_atomically((fs::path(out) / "config.json").string(), {{config_text.data(), config_text.size()}},
                                    "reproduce: config.json");
  std::vector<PlannedCell> todo;
  std::set<std::string> needed_tasks;
  for (const auto& p : plan)
    if (!finished.count(report::cell_key(p.cell))) todo.push_back(p), needed_tasks.insert(p.cell.task);
  std::fprintf(stderr, "reproduce: %zu cells, %zu already done, %zu to run\n", plan.size(), plan.size() - todo.size(),
               todo.size());

  // Pre-train what the remaining cells need.
  std::set<std::string> needed_backbones;
  for (const auto& p : todo) needed_backbones.insert(p.cell.backbone);
  for (const auto& run : c.pretrain)
    if (needed_backbones.count(run.name)) pretrain_backbone(c, run, (fs::path(out) / "backbones" / run.name).string());

  TaskSources data = todo.empty() ? TaskSources{} : synthetic(c) ? load_synthetic(c, needed_tasks) : load_real(c, needed_tasks);
  std::vector<report::LandmarkOverlay> overlays;
  int64_t ran = 0;
  for (const auto& spec : backbone_specs(c, out)) {
    std::vector<PlannedCell> mine;
    for (const auto& p : todo)
      if (p.cell.backbone == spec.name) mine.push_back(p);
    if (mine.empty()) continue;
    auto frozen = load_backbone(spec.path, c.arch, c.seed);
    FeatureCache cache(*frozen);
    for (const auto& p : mine) {
      const std::string& task_name = p.cell.task;
      std::unique_ptr<Task> task = make_task(task_name == "redundancy" ? "au" : task_name, c.settings);
      const Split& sp = data.by_task.at(task_name);
      CellInput in;
      in.task = task.get();
      in.train = &sp.train;
      in.test = &sp.test;
      if (task_name == "recognition" && data.has_orl) in.extra = {&data.orl};
      in.mode = p.cell.mode;
      in.seed = static_cast<uint64_t>(p.cell.seed);
      if (task_name == "redundancy") {
        int64_t k = std::llround(1.0 / p.cell.fraction);
        std::vector<int64_t> rows = all_rows(sp.train);
        in.subset = every_kth_frame(sp.train.group, rows, k);
      } else {
        in.subset = nested_subset(sp.train.rows(), p.cell.fraction, static_cast<uint64_t>(p.cell.seed));
      }
      char label[160];
      std::snprintf(label, sizeof label, "%s %s %s %s s%lld", task_name.c_str(), spec.name.c_str(),
                    p.cell.mode.c_str(), fraction_label(p.cell.fraction).c_str(), static_cast<long long>(p.cell.seed));
      in.label = label;
      FitOptions fit = c.fit;
      fit.steps = steps_for(c, task_name);
      std::shared_ptr<nn::ResNet> tuned;
      if (p.cell.mode == "finetune") tuned = load_backbone(spec.path, c.arch, c.seed);
      const bool overlay = task_name == "landmarks" && p.cell.seed == 0 &&
                           (p.cell.fraction == c.fractions.front() || p.cell.fraction == c.fractions.back());
      CellOutcome r = run_cell(tuned ? *tuned : *frozen, in, fit, tuned ? nullptr : &cache, overlay ? 2 : 0);
      report::CellResult cell = p.cell;
      cell.metrics = r.metrics;
      cell.seconds = r.seconds;
      cell.train_size = static_cast<int64_t>(in.subset.size());
      append_result(results_path, cell);
      if (o.save_models && p.cell.seed == 0 && p.cell.fraction == c.fractions.back() && task_name != "redundancy") {
        fs::create_directories(fs::path(out) / "models");
        std::string path = (fs::path(out) / "models" / (task_name + "-" + spec.name + "-" + p.cell.mode + ".safetensors")).string();
        save_task_model(path, task_name, c.settings, tuned ? *tuned : *frozen, *r.head, sp.train);
        std::fprintf(stderr, "reproduce: saved %s\n", path.c_str());
      }
      done.push_back(cell);
      ++ran;
      if (overlay) {
        std::vector<float> pts = task->landmarks_from_outputs(r.sample_outputs);
        for (int64_t i = 0; i < r.sample_outputs.size(0); ++i) {
          report::LandmarkOverlay ov;
          ov.title = spec.name + ", " + fraction_label(p.cell.fraction) + ", " + p.cell.mode;
          ov.image = denormalised_image(sp.test, i);
          for (int k = 0; k < sp.test.points; ++k) {
            size_t q = static_cast<size_t>((i * sp.test.points + k) * 2);
            ov.predicted.push_back({pts[q], pts[q + 1]});
            ov.truth.push_back({sp.test.landmarks[q], sp.test.landmarks[q + 1]});
          }
          overlays.push_back(ov);
        }
      }
    }
  }

  std::vector<report::CellResult> all;
  std::set<std::string> planned;
  for (const auto& p : plan) planned.insert(report::cell_key(p.cell));
  for (const auto& d : done)
    if (planned.count(report::cell_key(d))) all.push_back(d);
  report::ReportInputs ri;
  ri.title = "facebench reproduce --preset " + c.preset;
  ri.command = o.command;
  ri.machine = std::to_string(std::thread::hardware_concurrency()) + " CPU threads, no GPU used";
  ri.date = today();
  for (const auto& b : backbone_specs(c, out)) ri.backbone_order.push_back(b.name);
  for (const auto& p : c.pretrain)
    if (p.method != "supervised") ri.ssl_rows.push_back(p.name);
  for (const auto& [n, path] : c.checkpoints) (void)path, ri.ssl_rows.push_back(n);
  ri.references = {
      {"landmarks", "aflw19", "nme_diag", 1.55, "Bulat et al. 2022, SwAV on VGGFace2, full data"},
      {"landmarks", "cofw", "nme_io", 3.32, "Bulat et al. 2022, SwAV on VGGFace2, full data"},
      {"3d", "aflw2000-3d", "nme3d_balanced", 3.42, "Bulat et al. 2022, SwAV on VGGFace2, full data"},
  };
  ri.overlays = overlays;
  ri.config = to_json(c);
  report::write_report(out, all, ri);
  std::fprintf(stderr, "reproduce: %lld cells run now, %zu in the report: %s\n", static_cast<long long>(ran),
               all.size(), (fs::path(out) / "REPORT.md").string().c_str());
  return ran;
}

}  // namespace fb::tasks
