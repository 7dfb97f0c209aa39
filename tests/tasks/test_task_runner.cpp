// The benchmark's task definitions and cell runner on tiny synthetic data:
// every task trains (its loss falls), evaluates to finite metrics with the
// report's keys, a saved task model predicts exactly what it did in memory,
// and the grid planner / resume logic count cells right.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "facebench/data/synthetic.h"
#include "facebench/report/results.h"
#include "facebench/tasks/benchmark.h"
#include "facebench/tasks/fewshot.h"
#include "facebench/tasks/runner.h"
#include "facebench/tasks/task_model.h"
#include "facebench/tasks/task_util.h"
#include "autograd/engine.h"
#include "tensor/error.h"
#include "tensor/ops.h"

using namespace fb;
using namespace fb::tasks;

namespace {
struct Tiny {
  TaskArrays curated_train, curated_test, video_train, video_test;
};

const Tiny& tiny() {
  static const Tiny t = [] {
    Tiny d;
    ArrayOptions ao;
    ao.size = 32;
    ao.progress = false;
    synth::Config sc;
    sc.mode = synth::Mode::Curated;
    sc.identities = 6;
    sc.per_identity = 4;
    sc.size = 48;
    sc.seed = 3;
    data::SyntheticDataset cur(sc);
    TaskArrays all = load_arrays(cur, "synth-curated", {}, true, ao);
    std::vector<int64_t> tr, te;
    for (int64_t r = 0; r < all.rows(); ++r) (all.label[size_t(r)] < 4 ? tr : te).push_back(r);
    d.curated_train = all.select(tr);
    d.curated_test = all.select(te);
    sc.mode = synth::Mode::Video;
    sc.identities = 6;
    sc.per_identity = 5;
    data::SyntheticDataset vid(sc);
    TaskArrays v = load_arrays(vid, "synth-video", {}, true, ao);
    SubjectSplit ss = subject_exclusive_split(v.group, 3, 0, 0);
    d.video_train = v.select(ss.train);
    d.video_test = v.select(ss.test);
    return d;
  }();
  return t;
}

nn::ResNetConfig narrow() {
  nn::ResNetConfig c;
  c.arch = "resnet18";
  c.width = 0.125;
  c.num_classes = 0;
  return c;
}
}  // namespace

TEST_CASE("task arrays: normalised images, labels moved into the crop, rows selected") {
  const TaskArrays& a = tiny().curated_train;
  CHECK(a.rows() == 16);
  CHECK(a.images.shape() == Shape{16, 32, 32, 3});
  CHECK(a.points == 68);
  CHECK(a.depth.size() == size_t(16 * 68));
  CHECK(a.pose.size() == size_t(16 * 3));
  CHECK(a.masks.size() == size_t(16 * 32 * 32));
  CHECK(a.value_index("AU12") >= 0);
  CHECK(a.value_index("emotion") >= 0);
  // Landmarks inside the (enlarged) face crop.
  for (float v : a.landmarks) CHECK((v > -0.5f && v < 31.5f));
  // Normalised pixels are centred roughly at zero.
  auto px = a.images.to_vector<float>();
  double mean = 0;
  for (float v : px) mean += v;
  CHECK(std::abs(mean / double(px.size())) < 1.5);
  TaskArrays s = a.select({3, 1});
  CHECK(s.rows() == 2);
  CHECK(s.label[0] == a.label[3]);
  CHECK(s.landmarks[0] == a.landmarks[size_t(3 * 68 * 2)]);
  CHECK(s.masks[5] == a.masks[size_t(3 * 32 * 32 + 5)]);
}

TEST_CASE("every task trains (loss falls) and reports finite metrics under its report keys") {
  for (const std::string& name : task_names()) {
    for (const std::string mode : {"linear", "finetune"}) {
      CAPTURE(name);
      CAPTURE(mode);
      TaskSettings ts;
      ts.head_channels = 16;
      ts.embedding = 16;
      auto task = make_task(name, ts);
      const bool video = name == "au";
      const TaskArrays& train = video ? tiny().video_train : tiny().curated_train;
      const TaskArrays& test = video ? tiny().video_test : tiny().curated_test;
      auto net = load_backbone("scratch", narrow(), 1);
      FeatureCache cache(*net);
      CellInput in;
      in.task = task.get();
      in.train = &train;
      in.test = &test;
      in.subset = all_rows(train);
      in.mode = mode;
      FitOptions fit;
      fit.steps = 1;
      fit.batch = 8;
      fit.progress = false;
      CellOutcome first = run_cell(*net, in, fit, mode == "linear" ? &cache : nullptr);
      auto net2 = load_backbone("scratch", narrow(), 1);
      FeatureCache cache2(*net2);
      fit.steps = 40;
      CellOutcome last = run_cell(*net2, in, fit, mode == "linear" ? &cache2 : nullptr);
      CHECK(last.final_loss < first.final_loss);
      for (const auto& m : report::task_metrics(name)) {
        if (m.key.rfind("orl_", 0) == 0) continue;  // needs the ORL set
        if (m.key.rfind("nme3d_", 0) == 0 && m.key != "nme3d_balanced") continue;  // only bins with faces
        CAPTURE(m.key);
        REQUIRE(last.metrics.count(m.key) == 1);
        CHECK(std::isfinite(last.metrics.at(m.key)));
      }
    }
  }
}

TEST_CASE("every output a task's head produces receives a gradient from the task's loss") {
  // A loss that cuts part of the head's output out of the graph (e.g. with the
  // non-recording Tensor::slice) would leave that part untrained while the
  // loss still falls on the rest; this catches it for every task.
  for (const std::string& name : task_names()) {
    CAPTURE(name);
    TaskSettings ts;
    ts.head_channels = 8;
    ts.embedding = 16;
    auto task = make_task(name, ts);
    const TaskArrays& train = name == "au" ? tiny().video_train : tiny().curated_train;
    auto net = load_backbone("scratch", narrow(), 1);
    auto head = task->make_head(backbone_shape(*net), train);
    head->train();
    const std::vector<int64_t> rows = all_rows(train);
    Tensor out0 = head->forward_features(backbone_features(*net, train.images, task->feature_kind()));
    Generator gen(5);
    Tensor out = ops::add(out0.detach(), ops::mul_scalar(randn(out0.shape(), gen, out0.dtype()), 0.1));
    out.set_requires_grad(true);
    autograd::backward(task->loss(*head, out, train, rows));
    REQUIRE(out.grad().defined());
    // Per output element (all dims but the batch): non-zero in some row.
    const int64_t n = out.size(0), per_row = out.numel() / n;
    auto g = out.grad().contiguous().to(DType::f64).to_vector<double>();
    int64_t untouched = 0;
    for (int64_t j = 0; j < per_row; ++j) {
      bool any = false;
      for (int64_t r = 0; r < n && !any; ++r) any = g[size_t(r * per_row + j)] != 0;
      untouched += !any;
    }
    CHECK_MESSAGE(untouched == 0, untouched, " of ", per_row, " outputs per row get no gradient");
  }
}

TEST_CASE("a saved task model predicts what the trained one did") {
  for (const std::string name : {"landmarks", "parsing", "emotion"}) {
    CAPTURE(name);
    TaskSettings ts;
    ts.head_channels = 8;
    auto task = make_task(name, ts);
    const TaskArrays& train = tiny().curated_train;
    auto net = load_backbone("scratch", narrow(), 2);
    FeatureCache cache(*net);
    CellInput in{task.get(), &train, &tiny().curated_test, {}, all_rows(train), "linear", 0, ""};
    FitOptions fit;
    fit.steps = 3;
    fit.progress = false;
    CellOutcome r = run_cell(*net, in, fit, &cache, 3);
    const std::string path = (std::filesystem::temp_directory_path() / ("fb_task_model_" + name + ".safetensors")).string();
    save_task_model(path, name, ts, *net, *r.head, train);
    TaskModel m = load_task_model(path);
    CHECK(m.task == name);
    CHECK(m.crop == 32);
    Tensor x = tiny().curated_test.images.slice(0, 0, 3).contiguous();
    Tensor again = m.head->forward_features(backbone_features(*m.backbone, x, m.definition->feature_kind()));
    auto a = r.sample_outputs.to_vector<float>(), b = again.contiguous().to_vector<float>();
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
    CHECK(worst < 1e-4);
    std::filesystem::remove(path);
  }
  CHECK_THROWS_AS(load_task_model("/nonexistent/model.safetensors"), fb::Error);
}

TEST_CASE("grid planning: backbones x tasks x modes x fractions x seeds, plus redundancy") {
  BenchmarkConfig c = benchmark_preset("mini");
  c.tasks = {"landmarks", "au"};
  c.modes = {"linear"};
  c.fractions = {0.1, 1.0};
  c.seeds = 2;
  c.redundancy_k = {1, 5};
  auto plan = plan_cells(c);
  // 4 backbones (scratch + 3 pre-trained) x 2 tasks x 2 fractions x 2 seeds + 2 k x 2 seeds.
  CHECK(plan.size() == size_t(4 * 2 * 2 * 2 + 2 * 2));
  std::set<std::string> keys;
  for (const auto& p : plan) keys.insert(report::cell_key(p.cell));
  CHECK(keys.size() == plan.size());
  CHECK(plan.back().cell.task == "redundancy");
  CHECK(plan.back().cell.backbone == "swav-uncurated");
  CHECK(std::abs(plan.back().cell.fraction - 0.2) < 1e-12);
  CHECK_THROWS_AS(benchmark_preset("huge"), fb::Error);
  // The paper preset names real folders and says which are missing.
  BenchmarkConfig p = benchmark_preset("paper");
  p.data_root = "/nonexistent-root";
  p.checkpoints = {{"swav", "/x/swav.pth"}};
  auto pp = plan_cells(p);
  CHECK(!pp.empty());
  CHECK(pp.front().data_source.find("(MISSING)") != std::string::npos);
}

TEST_CASE("a benchmark run resumes: finished cells are not run again") {
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / "fb_bench_resume";
  fs::remove_all(out);
  BenchmarkConfig c = benchmark_preset("smoke");
  c.tasks = {"emotion"};
  c.modes = {"linear"};
  c.pretrain.clear();
  c.fractions = {0.5, 1.0};
  c.seeds = 1;
  c.identities = 5, c.train_identities = 3, c.per_identity = 4;
  c.crop_size = 32, c.render_size = 48;
  c.arch.width = 0.125;
  c.fit.steps = 2;
  c.fit.progress = false;
  RunOptions o;
  CHECK(run_benchmark(c, out.string(), o) == 2);
  CHECK(fs::exists(out / "REPORT.md"));
  CHECK(fs::exists(out / "results.csv"));
  // A line cut short by a kill is rerun; whole lines are kept.
  {
    std::ifstream in(out / "results.jsonl");
    std::string l1, l2;
    std::getline(in, l1);
    std::getline(in, l2);
    in.close();
    std::ofstream rewrite(out / "results.jsonl", std::ios::trunc);
    rewrite << l1 << "\n" << l2.substr(0, l2.size() / 2);
  }
  CHECK(run_benchmark(c, out.string(), o) == 1);
  CHECK(run_benchmark(c, out.string(), o) == 0);
  fs::remove_all(out);
}
