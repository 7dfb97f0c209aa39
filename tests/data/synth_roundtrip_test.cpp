// The files `facebench synth` writes are read back by the real-format readers
// with the labels the generator drew.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "facebench/data/affectnet.h"
#include "facebench/data/aflw2000.h"
#include "facebench/data/disfa.h"
#include "facebench/data/identity_folders.h"
#include "facebench/data/parsing.h"
#include "facebench/data/w300.h"
#include "facebench/synth/dataset_writer.h"
#include "test_util.h"

using namespace fb::data;
namespace fs = std::filesystem;

TEST_CASE("synthetic dataset on disk: every reader recovers the generator's labels") {
  fb::synth::Config cfg;
  cfg.identities = 3;
  cfg.per_identity = 2;
  cfg.size = 48;
  cfg.seed = 4;
  fb::synth::Generator gen(cfg);
  auto root = fbt::scratch("synth_roundtrip");
  fs::remove_all(root);
  fb::synth::WriteOptions wo;
  wo.out_dir = root.string();
  fb::synth::write_dataset(gen, wo);
  ProblemLog log(OnError::Fail);

  IdentityFolderDataset ids((root / "images").string(), (root / "train_list.txt").string(), log);
  REQUIRE(ids.size() == 6);
  CHECK(ids.num_identities() == 3);
  for (int64_t i = 0; i < 6; ++i) CHECK(ids.label(i) == gen.slot(i).identity);

  W300Dataset w((root / "images").string(), "all", log);
  REQUIRE(w.size() == 6);
  for (int64_t i = 0; i < 6; ++i) {
    auto truth = gen.sample(i);
    Sample s = w.get(i);
    CHECK(s.image.width == 48);
    // .pts are 1-based on disk; the reader returns the generator's 0-based pixels.
    for (int k = 0; k < 68; k += 13) {
      CHECK(s.landmarks[size_t(2 * k)] == doctest::Approx(truth.landmarks[size_t(k)].x).epsilon(1e-3));
      CHECK(s.landmarks[size_t(2 * k + 1)] == doctest::Approx(truth.landmarks[size_t(k)].y).epsilon(1e-3));
    }
  }

  AffectNetDataset aff((root / "affectnet.csv").string(), (root / "images").string(), 8, log);
  REQUIRE(aff.size() == 6);
  for (int64_t i = 0; i < 6; ++i) {
    auto truth = gen.sample(i);
    Sample s = aff.get(i);
    CHECK(s.label == truth.emotion);
    CHECK(s.values[0] == doctest::Approx(truth.valence).epsilon(1e-3));
    CHECK(s.num_points() == 68);
  }

  DisfaDataset dis((root / "disfa").string(), (root / "images").string(), "n{sn0:6}/{frame:4}_01.jpg", log);
  REQUIRE(dis.size() == 6);
  for (int64_t i = 0; i < 6; ++i) {
    auto truth = gen.sample(i);
    Sample s = dis.get(i);
    for (int a = 0; a < 12; ++a) CHECK(s.values[size_t(a)] == float(truth.au[size_t(a)]));
    // The frame the label points at is the generator's image.
    CHECK(s.image.px == decode_image_file(ids.file(i)).px);
  }

  ParsingDataset par((root / "images").string(), (root / "parsing").string(), MaskLayout::Synth, "synth-parsing", log);
  REQUIRE(par.size() == 6);
  CHECK(par.get(2).mask.px == gen.sample(2).parsing);

  Aflw2000Dataset a3((root / "aflw3d").string(), (root / "images").string(), 0, log);
  REQUIRE(a3.size() == 6);
  for (int64_t i = 0; i < 6; ++i) {
    auto truth = gen.sample(i);
    Sample s = a3.get(i);
    CHECK(s.pose[0] == doctest::Approx(truth.yaw).epsilon(1e-4));
    CHECK(s.pose[2] == doctest::Approx(truth.roll).epsilon(1e-4));
    CHECK(s.depth[30] == doctest::Approx(truth.landmarks_3d[30].z).epsilon(1e-4));
    CHECK(s.landmarks[60] == doctest::Approx(truth.landmarks_3d[30].x).epsilon(1e-4));
  }
}
