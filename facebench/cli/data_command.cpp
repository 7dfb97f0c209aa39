// `facebench data`: look at datasets in their native formats.
//   data inspect --format NAME PATH   validate in place; counts, splits, ranges, every problem
//   data bench                        decode + augment + collate throughput on synthetic JPEGs
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "facebench/cli/commands.h"
#include "facebench/data/identity_folders.h"
#include "facebench/data/ijb.h"
#include "facebench/data/inspect.h"
#include "facebench/data/lfw.h"
#include "facebench/data/loader.h"
#include "facebench/data/open.h"
#include "facebench/synth/generator.h"
#include "tensor/error.h"

namespace fb::cli {

namespace {
namespace fs = std::filesystem;

struct InspectArgs {
  data::OpenOptions open;
  std::string on_error = "skip";
  int64_t limit = 0;
  int threads = 0;
  int max_listed = 200;
};

void run_inspect(const InspectArgs& a) {
  data::ProblemLog log(data::parse_on_error(a.on_error));
  log.set_quiet(true);  // listed below in full
  data::DatasetPtr ds = data::open_dataset(a.open, log);
  int threads = a.threads > 0 ? a.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  data::InspectReport r = data::inspect_dataset(*ds, a.limit, threads);
  std::printf("format: %s  path: %s\n", a.open.format.c_str(), a.open.path.c_str());
  if (auto* lfw = dynamic_cast<const data::LfwPairs*>(ds.get())) {
    int64_t same = 0;
    for (const auto& p : lfw->pairs()) same += p.same;
    std::printf("pairs: %zu (%lld matched, %lld mismatched) in %d folds\n", lfw->pairs().size(), (long long)same,
                (long long)(int64_t(lfw->pairs().size()) - same), lfw->folds());
  }
  if (auto* ijb = dynamic_cast<const data::IjbDataset*>(ds.get())) {
    int64_t same = 0;
    for (const auto& p : ijb->pairs()) same += p.same;
    std::printf("templates: %zu  pairs: %zu (%lld same, %lld different)  5-point file: %s\n", ijb->templates().size(),
                ijb->pairs().size(), (long long)same, (long long)(int64_t(ijb->pairs().size()) - same),
                ijb->has_points() ? "yes" : "no");
  }
  if (auto* idf = dynamic_cast<const data::IdentityFolderDataset*>(ds.get()))
    std::printf("identities: %lld\n", (long long)idf->num_identities());
  std::fputs(r.str().c_str(), stdout);
  if (r.failed > 0 && !r.problems.empty() && log.policy() == data::OnError::Fail)
    throw fb::Error(r.problems[0].str());
  std::vector<data::Problem> all = log.problems();
  all.insert(all.end(), r.problems.begin(), r.problems.end());
  std::printf("problems: %zu\n", all.size());
  for (size_t i = 0; i < all.size() && int(i) < a.max_listed; ++i) std::printf("  %s\n", all[i].str().c_str());
  if (int(all.size()) > a.max_listed) std::printf("  ... %zu more (raise --max-listed)\n", all.size() - size_t(a.max_listed));
  if (!all.empty()) throw fb::Error("data inspect: " + std::to_string(all.size()) + " problem(s) found in '" + a.open.path + "'");
}

struct BenchArgs {
  std::string dir;
  int64_t images = 512;
  int image_size = 224, batch = 64, workers = 0;
  int64_t batches = 24;
  double seconds = 0;
};

// Renders synthetic faces once and stores them as JPEGs (folder per identity).
void ensure_jpegs(const BenchArgs& a) {
  if (fs::exists(fs::path(a.dir) / "bench_ready")) return;
  synth::Config cfg;
  cfg.identities = std::max<int64_t>(1, a.images / 8);
  cfg.per_identity = 8;
  cfg.size = a.image_size;
  synth::Generator gen(cfg);
  std::fprintf(stderr, "data bench: writing %lld %dx%d JPEGs to %s\n", (long long)gen.size(), a.image_size,
               a.image_size, a.dir.c_str());
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < gen.size();) {
      synth::Sample s = gen.sample(i);
      data::Image8 im;
      im.width = s.image.width;
      im.height = s.image.height;
      im.channels = 3;
      im.px = std::move(s.image.data);
      char rel[64];
      std::snprintf(rel, sizeof rel, "n%06lld/%04lld_01.jpg", (long long)s.identity, (long long)s.image_in_identity + 1);
      fs::create_directories((fs::path(a.dir) / rel).parent_path());
      data::write_jpeg((fs::path(a.dir) / rel).string(), im, 90);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  FILE* f = std::fopen((fs::path(a.dir) / "bench_ready").c_str(), "w");
  if (f) std::fclose(f);
}

void bench_one(const char* what, data::DatasetPtr ds, std::shared_ptr<const data::Pipeline> p, const BenchArgs& a,
               int workers) {
  data::LoaderOptions o;
  o.batch_size = a.batch;
  o.workers = workers;
  o.prefetch = 2 * std::max(1, workers);
  o.seed = 1;
  data::Loader l(ds, p, o);
  data::Batch b;
  int64_t done = 0, warm = 2;
  auto t0 = std::chrono::steady_clock::now();
  int64_t counted = 0;
  while (done < a.batches + warm) {
    if (!l.next(b)) continue;
    if (++done == warm) {  // skip start-up (thread launch, first file reads)
      t0 = std::chrono::steady_clock::now();
      counted = 0;
    } else if (done > warm) {
      counted += b.size();
    }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = l.stats();
  std::printf("%-34s workers %d: %7.1f images/s  (%6.1f per worker)  consumer waited %4.0f%%\n", what, workers,
              double(counted) / s, double(counted) / s / std::max(1, workers), 100.0 * st.waiting_seconds / st.seconds);
}

void run_bench(BenchArgs a) {
  if (a.dir.empty()) a.dir = (fs::temp_directory_path() / ("facebench_data_bench_" + std::to_string(a.image_size))).string();
  ensure_jpegs(a);
  data::ProblemLog log(data::OnError::Fail);
  auto ds = std::make_shared<data::IdentityFolderDataset>(a.dir, "", log, "bench");
  std::printf("data bench: %lld JPEGs of %dx%d, batch %d, %lld timed batches per run, %u hardware threads\n",
              (long long)ds->size(), a.image_size, a.image_size, a.batch, (long long)a.batches,
              std::thread::hardware_concurrency());
  // One SwAV-style 224 crop (flip, jitter 0.8, grey 0.2, blur 0.5): the supervised rate.
  auto single = std::make_shared<data::Pipeline>(data::swav_multicrop({224}, {1}, {0.14f}, {1.0f}));
  auto multi = std::make_shared<data::Pipeline>(data::swav_multicrop());
  auto plain = std::make_shared<data::Pipeline>(data::resize_pipeline(224));
  std::vector<int> ws = a.workers > 0 ? std::vector<int>{a.workers} : std::vector<int>{1, 2};
  for (int w : ws) {
    bench_one("decode + resize + collate", ds, plain, a, w);
    bench_one("decode + 224 crop augment + collate", ds, single, a, w);
    bench_one("decode + multi-crop 2x224+6x96", ds, multi, a, w);
  }
}
}  // namespace

void register_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Datasets in their native formats: inspect, benchmark");
  data->require_subcommand(1);

  auto ia = std::make_shared<InspectArgs>();
  auto* insp = data->add_subcommand("inspect", "Validate a dataset in place: counts, splits, label ranges, every problem "
                                               "with file and line. Exits non-zero when problems are found.");
  std::string formats;
  for (const auto& f : data::dataset_formats()) formats += (formats.empty() ? "" : ", ") + f;
  insp->add_option("--format", ia->open.format, "Dataset format: " + formats)->required();
  insp->add_option("path", ia->open.path, "Dataset root (see facebench/data/README.md for each layout)")->required();
  insp->add_option("--split", ia->open.split, "Split (300w: train|common|challenging|full|test|all; wflw: train|test; aflw19: train|test|frontal|all; "
                                              "vggface2: train|test; affectnet: train|val; lapa: train|val|test; cofw: train|test; "
                                              "300w-lp: all|noflip|flip|AFW|HELEN|IBUG|LFPW[_Flip])");
  insp->add_option("--images", ia->open.images, "Image folder when not the default (disfa frames, lfw images, ijbb/ijbc crops)");
  insp->add_option("--frame-pattern", ia->open.frame_pattern, "disfa: frame file pattern under --images")
      ->default_val(ia->open.frame_pattern);
  insp->add_option("--classes", ia->open.classes, "affectnet: keep expressions below this id (8 or 7)")->default_val(8);
  insp->add_option("--max-angle", ia->open.max_angle, "aflw2000-3d, 300w-lp: drop |yaw|,|pitch|,|roll| above (0 keeps all)")
      ->default_val(0);
  insp->add_option("--on-error", ia->on_error, "skip: list every problem; fail: stop at the first")
      ->default_val("skip")
      ->check(CLI::IsMember({"skip", "fail"}));
  insp->add_option("--limit", ia->limit, "Decode only the first N images (0: all)")->default_val(0);
  insp->add_option("--threads", ia->threads, "Decoding threads (0: all cores)")->default_val(0);
  insp->add_option("--max-listed", ia->max_listed, "List at most this many problems")->default_val(200);
  insp->callback([ia] { run_inspect(*ia); });

  auto ba = std::make_shared<BenchArgs>();
  auto* bench = data->add_subcommand("bench", "Throughput of decode + augment + collate on synthetic-face JPEGs "
                                              "(written once with stb_image_write)");
  bench->add_option("--dir", ba->dir, "Folder for the benchmark JPEGs (default: a temp folder)");
  bench->add_option("--images", ba->images, "Number of JPEGs to write")->default_val(512);
  bench->add_option("--image-size", ba->image_size, "JPEG side in pixels")->default_val(224);
  bench->add_option("--batch", ba->batch, "Batch size")->default_val(64);
  bench->add_option("--batches", ba->batches, "Timed batches per measurement")->default_val(24);
  bench->add_option("--workers", ba->workers, "Loader threads (0: measure 1 and 2)")->default_val(0);
  bench->callback([ba] { run_bench(*ba); });
}

}  // namespace fb::cli
