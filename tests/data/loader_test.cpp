// The loader: collation, determinism across worker counts, sharding, resume,
// bad samples under both policies.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "facebench/data/loader.h"
#include "facebench/data/synthetic.h"
#include "test_util.h"

using namespace fb::data;

namespace {
// A small in-memory dataset: image i is a pattern seeded by i, label i % 7;
// indices in `bad` throw as a corrupt file would.
class ToyDataset : public Dataset {
 public:
  explicit ToyDataset(int64_t n, std::set<int64_t> bad = {}) : n_(n), bad_(std::move(bad)) {}
  std::string name() const override { return "toy"; }
  int64_t size() const override { return n_; }
  std::string file(int64_t i) const override { return "toy/" + std::to_string(i) + ".jpg"; }
  Sample get(int64_t i) const override {
    if (bad_.count(i)) FB_FAIL("cannot decode image '", file(i), "': corrupt JPEG");
    Sample s;
    s.image = fbt::pattern(40 + int(i % 3), 36, int(i));
    s.label = i % 7;
    s.values = {float(i), float(-i)};
    s.layout = LandmarkLayout::Aflw19;
    for (int k = 0; k < 19; ++k) s.landmarks.insert(s.landmarks.end(), {float(10 + k), float(12 + (k + i) % 9)});
    s.source = file(i);
    return s;
  }

 private:
  int64_t n_;
  std::set<int64_t> bad_;
};

std::vector<float> flat(const Batch& b) {
  std::vector<float> v;
  for (const auto& t : b.views) v.insert(v.end(), t.data<float>(), t.data<float>() + t.numel());
  v.insert(v.end(), b.landmarks.data<float>(), b.landmarks.data<float>() + b.landmarks.numel());
  for (int64_t s : b.samples) v.push_back(float(s));
  return v;
}

std::vector<std::vector<float>> run_epochs(DatasetPtr ds, std::shared_ptr<const Pipeline> p, LoaderOptions o, int epochs) {
  Loader l(ds, p, o);
  std::vector<std::vector<float>> out;
  Batch b;
  for (int e = 0; e < epochs; ++e)
    while (l.next(b)) out.push_back(flat(b));
  return out;
}

std::shared_ptr<const Pipeline> augmenting(int size) {
  CropGroup g;
  g.aug.size = size;
  g.aug.crop = CropMode::RandomResizedCrop;
  g.aug.scale_min = 0.3f;
  g.aug.flip_p = 0.5f;
  g.aug.jitter_p = 0.8f;
  g.aug.jitter = ColorJitter{0.4f, 0.4f, 0.4f, 0.1f};
  g.aug.gray_p = 0.2f;
  g.aug.blur_p = 0.5f;
  CropGroup small = g;
  small.count = 2;
  small.aug.size = size / 2;
  return std::make_shared<Pipeline>(std::vector<CropGroup>{g, small});
}
}  // namespace

TEST_CASE("collated batches: NHWC normalised views labels values landmarks") {
  auto ds = std::make_shared<ToyDataset>(10);
  LoaderOptions o;
  o.batch_size = 4;
  o.workers = 1;
  o.shuffle = false;
  Loader l(ds, std::make_shared<Pipeline>(resize_pipeline(40)), o);
  CHECK(l.batches_per_epoch() == 2);  // 10 / 4, last partial batch dropped
  Batch b;
  REQUIRE(l.next(b));
  REQUIRE(b.views.size() == 1);
  CHECK(b.views[0].shape() == fb::Shape{4, 40, 40, 3});
  CHECK(b.labels.shape() == fb::Shape{4});
  CHECK(b.values.shape() == fb::Shape{4, 2});
  CHECK(b.landmarks.shape() == fb::Shape{4, 19, 2});
  CHECK(b.samples == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(b.labels.data<int64_t>()[3] == 3);
  CHECK(b.values.data<float>()[2 * 2 + 1] == -2.0f);
  // Sample 0 is 40 x 36 resized to 40 x 40 (x unchanged): pixel (0, 0) is the
  // pattern's (0, 0) = 0 in every channel, normalised: (0 - mean) / std.
  CHECK(b.views[0].data<float>()[0] == doctest::Approx((0 - 0.485) / 0.228).epsilon(1e-4));
  CHECK(b.views[0].data<float>()[2] == doctest::Approx((0 - 0.406) / 0.225).epsilon(1e-4));
  // Red of pixel (x = 5, y = 0) in image 0 is 5; resized x is unchanged.
  CHECK(b.views[0].data<float>()[5 * 3] == doctest::Approx((5 / 255.0 - 0.485) / 0.228).epsilon(1e-3));
  REQUIRE(l.next(b));
  CHECK(b.samples == std::vector<int64_t>{4, 5, 6, 7});
  CHECK_FALSE(l.next(b));  // end of epoch 0
  REQUIRE(l.next(b));
  CHECK(b.epoch == 1);
  CHECK(b.index == 0);
  auto st = l.stats();
  CHECK(st.batches == 3);
  // Keeping the incomplete last batch: 10 = 4 + 4 + 2.
  LoaderOptions keep = o;
  keep.drop_last = false;
  Loader k(ds, std::make_shared<Pipeline>(resize_pipeline(8)), keep);
  CHECK(k.batches_per_epoch() == 3);
  Batch last;
  for (int i = 0; i < 3; ++i) REQUIRE(k.next(last));
  CHECK(last.size() == 2);
  CHECK(last.views[0].shape() == fb::Shape{2, 8, 8, 3});
  CHECK_FALSE(k.next(last));
  CHECK(st.samples == 12);
  CHECK(st.images_per_second() > 0);
  CHECK(st.waiting_seconds >= 0);
}

TEST_CASE("same seed same batches for 0 1 2 and 3 workers - another seed differs") {
  auto ds = std::make_shared<ToyDataset>(23);
  auto p = augmenting(32);
  LoaderOptions o;
  o.batch_size = 5;
  o.seed = 42;
  o.prefetch = 2;
  o.workers = 1;
  auto ref = run_epochs(ds, p, o, 2);
  REQUIRE(ref.size() == 8);
  for (int w : {0, 2, 3}) {
    o.workers = w;
    CHECK(run_epochs(ds, p, o, 2) == ref);
  }
  o.seed = 43;
  CHECK(run_epochs(ds, p, o, 2) != ref);
  // Epochs are shuffled differently.
  CHECK(ref[0] != ref[4]);
}

TEST_CASE("epoch order: a permutation - shards are disjoint padded and cover the data") {
  for (int64_t n : {10, 11, 1}) {
    auto full = epoch_order(n, 9, 3, true, 0, 1);
    CHECK(std::set<int64_t>(full.begin(), full.end()).size() == size_t(n));
    std::multiset<int64_t> seen;
    for (int r = 0; r < 3; ++r) {
      auto part = epoch_order(n, 9, 3, true, r, 3);
      CHECK(int64_t(part.size()) == (n + 2) / 3);
      seen.insert(part.begin(), part.end());
    }
    for (int64_t i = 0; i < n; ++i) CHECK(seen.count(i) >= 1);
    CHECK(int64_t(seen.size()) - n < 3);  // at most world_size - 1 repeats
  }
  CHECK(epoch_order(10, 1, 0, true, 0, 1) != epoch_order(10, 1, 1, true, 0, 1));
  CHECK_THROWS_WITH(epoch_order(10, 1, 0, true, 3, 3), doctest::Contains("rank 3"));
}

TEST_CASE("resuming from a saved state gives the same following batches") {
  auto ds = std::make_shared<ToyDataset>(17);
  auto p = augmenting(24);
  LoaderOptions o;
  o.batch_size = 4;
  o.seed = 5;
  o.workers = 2;
  auto ref = run_epochs(ds, p, o, 3);  // 4 batches per epoch
  LoaderState st;
  std::vector<std::vector<float>> got;
  {
    Loader l(ds, p, o);
    Batch b;
    for (int k = 0; k < 6; ++k) {  // epoch 0 (4 batches, then false) and 2 of epoch 1
      if (!l.next(b)) REQUIRE(l.next(b));
      got.push_back(flat(b));
    }
    st = l.state();
  }
  CHECK(st.epoch == 1);
  CHECK(st.batch == 2);
  Loader resumed(ds, p, o, st);
  Batch b;
  while (got.size() < ref.size())
    if (resumed.next(b)) got.push_back(flat(b));
  CHECK(got == ref);
  CHECK_THROWS(Loader(ds, p, o, LoaderState{0, 99}));
}

TEST_CASE("bad samples: fail names the file - skip substitutes counts and stays deterministic") {
  auto ds = std::make_shared<ToyDataset>(12, std::set<int64_t>{3, 7});
  auto p = std::make_shared<Pipeline>(resize_pipeline(16));
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  o.workers = 2;
  o.on_error = OnError::Fail;
  {
    Loader l(ds, p, o);
    Batch b;
    CHECK_THROWS_WITH(l.next(b), doctest::Contains("toy/3.jpg"));
    CHECK_THROWS_WITH(l.next(b), doctest::Contains("toy/3.jpg"));  // stays on the failed batch
  }
  o.on_error = OnError::Skip;
  Loader l(ds, p, o);
  Batch b;
  REQUIRE(l.next(b));
  CHECK(b.samples == std::vector<int64_t>{0, 1, 2, 4});  // 3 replaced by the next good index
  REQUIRE(l.next(b));
  CHECK(b.samples == std::vector<int64_t>{4, 5, 6, 8});
  REQUIRE(l.next(b));
  CHECK(l.stats().skipped == 2);
  CHECK(l.problems().count() == 2);
  CHECK(l.problems().problems()[0].str().find("toy/") != std::string::npos);
  o.workers = 0;
  auto a = run_epochs(ds, p, o, 1);
  o.workers = 3;
  CHECK(run_epochs(ds, p, o, 1) == a);
}

TEST_CASE("a dataset where everything fails stops with a clear error instead of spinning") {
  std::set<int64_t> all;
  for (int i = 0; i < 8; ++i) all.insert(i);
  auto ds = std::make_shared<ToyDataset>(8, all);
  LoaderOptions o;
  o.batch_size = 2;
  o.on_error = OnError::Skip;
  Loader l(ds, std::make_shared<Pipeline>(resize_pipeline(8)), o);
  Batch b;
  CHECK_THROWS_WITH(l.next(b), doctest::Contains("consecutive samples"));
}

TEST_CASE("the synthetic source feeds the loader with faces masks heatmaps and multi-crop") {
  fb::synth::Config cfg;
  cfg.identities = 3;
  cfg.per_identity = 2;
  cfg.size = 64;
  auto ds = std::make_shared<SyntheticDataset>(cfg);
  Sample s = ds->get(2);
  CHECK(s.label == 1);
  CHECK(s.num_points() == 68);
  CHECK(int(s.values.size()) == kSynthValues);
  CHECK(s.mask.width == 64);
  LoaderOptions o;
  o.batch_size = 3;
  o.collate.heatmaps = true;
  Loader l(ds, std::make_shared<Pipeline>(face_pipeline(64, 0.5f, 10, 0.1f)), o);
  Batch b;
  REQUIRE(l.next(b));
  CHECK(b.masks.shape() == fb::Shape{3, 64, 64});
  CHECK(b.heatmaps.shape() == fb::Shape{3, 16, 16, 68});
  CHECK(b.values.shape() == fb::Shape{3, kSynthValues});
  CHECK(b.pose.shape() == fb::Shape{3, 3});
  CHECK(b.depth.shape() == fb::Shape{3, 68});
  Loader m(std::make_shared<SyntheticDataset>(cfg, true), std::make_shared<Pipeline>(swav_multicrop({48, 24}, {2, 3})), o);
  REQUIRE(m.next(b));
  REQUIRE(b.views.size() == 5);
  CHECK(b.views[1].shape() == fb::Shape{3, 48, 48, 3});
  CHECK(b.views[4].shape() == fb::Shape{3, 24, 24, 3});
  CHECK_FALSE(b.labels.defined());
}

TEST_CASE("a custom batch allocator receives every batch tensor") {
  struct Counting : BatchAllocator {
    int calls = 0;
    fb::Tensor empty(const fb::Shape& s, fb::DType t) override {
      ++calls;
      return fb::Tensor::empty(s, t);
    }
  };
  auto alloc = std::make_shared<Counting>();
  LoaderOptions o;
  o.batch_size = 2;
  o.workers = 0;
  o.allocator = alloc;
  Loader l(std::make_shared<ToyDataset>(4), std::make_shared<Pipeline>(resize_pipeline(8)), o);
  Batch b;
  REQUIRE(l.next(b));
  CHECK(alloc->calls == 5);  // view, labels, values, landmarks, visible
}

TEST_CASE("ranks of a data-parallel run read disjoint shards of the same epoch order") {
  auto ds = std::make_shared<ToyDataset>(24);
  auto p = std::make_shared<Pipeline>(resize_pipeline(8));
  std::multiset<int64_t> seen;
  for (int r = 0; r < 3; ++r) {
    LoaderOptions o;
    o.batch_size = 4;
    o.seed = 8;
    o.rank = r;
    o.world_size = 3;
    o.workers = 1;
    Loader l(ds, p, o);
    CHECK(l.batches_per_epoch() == 2);
    Batch b;
    while (l.next(b)) seen.insert(b.samples.begin(), b.samples.end());
  }
  CHECK(seen.size() == 24);
  CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 24);  // each sample exactly once
  LoaderOptions bad;
  bad.rank = 2;
  bad.world_size = 2;
  CHECK_THROWS_WITH(Loader(ds, p, bad), doctest::Contains("rank 2"));
}
