// The loader's sharding by batch (data parallel with global-batch semantics):
// the ranks' rows of every batch are exactly the one-process batch, pixels
// included.
#include <doctest/doctest.h>

#include <cmath>

#include "facebench/data/loader.h"
#include "facebench/data/synthetic.h"

using namespace fb;

namespace {
double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to(DType::f64).to_vector<double>(), y = b.to(DType::f64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}
}  // namespace

TEST_CASE("loader: sharding by batch gives each rank its consecutive rows of the one-process batch") {
  synth::Config s;
  s.identities = 5;
  s.per_identity = 4;
  s.size = 32;
  auto ds = std::make_shared<data::SyntheticDataset>(s, true);
  auto pipe = std::make_shared<const data::Pipeline>(data::face_pipeline(16, 0.5f, 10.0f, 0.1f));
  data::LoaderOptions o;
  o.batch_size = 6;
  o.workers = 0;
  o.seed = 11;
  auto batches = [&](int rank, int world) {
    data::LoaderOptions lo = o;
    lo.rank = rank;
    lo.world_size = world;
    lo.shard_batches = world > 1;
    data::Loader l(ds, pipe, lo);
    std::vector<data::Batch> out;
    data::Batch b;
    for (int e = 0; e < 2; ++e)
      while (l.next(b)) out.push_back(b);
    return out;
  };
  auto one = batches(0, 1);
  REQUIRE(one.size() == 6);  // 20 images, batch 6, drop_last: 3 per epoch
  for (int world : {2, 3}) {
    std::vector<std::vector<data::Batch>> ranks;
    for (int r = 0; r < world; ++r) ranks.push_back(batches(r, world));
    for (size_t k = 0; k < one.size(); ++k) {
      const int64_t local = 6 / world;
      for (int r = 0; r < world; ++r) {
        const auto& b = ranks[size_t(r)][k];
        REQUIRE(b.size() == local);
        for (int64_t i = 0; i < local; ++i) CHECK(b.samples[size_t(i)] == one[k].samples[size_t(r * local + i)]);
        // Same augmentation: the pixels are the one-process batch's rows.
        Tensor mine = b.views[0], whole = one[k].views[0].slice(0, r * local, (r + 1) * local);
        CHECK(max_abs_diff(mine, whole) == 0.0);
      }
    }
  }
  data::LoaderOptions bad = o;
  bad.world_size = 4;
  bad.rank = 1;
  bad.shard_batches = true;
  CHECK_THROWS_WITH_AS(data::Loader(ds, pipe, bad), doctest::Contains("does not split evenly"), fb::Error);
}
