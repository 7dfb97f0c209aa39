// The metric library against tests/golden/metrics_golden.json, written by
// tests/golden/make_metrics_golden.py with scikit-learn, scipy and numpy.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "facebench/metrics/classification.h"
#include "facebench/metrics/landmarks.h"
#include "facebench/metrics/regression.h"
#include "facebench/metrics/segmentation.h"
#include "facebench/metrics/summary.h"
#include "facebench/metrics/verification.h"
#include "metrics_test_util.h"

using namespace fb::metrics;
using nlohmann::json;

namespace {

const json& golden() {
  static const json data = [] {
    const std::string path = std::string(FB_TEST_DATA_DIR) + "/golden/metrics_golden.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open ", path);
    return json::parse(in);
  }();
  return data;
}

template <typename T>
std::vector<T> vec(const json& j) {
  return j.get<std::vector<T>>();
}

void check_all_near(const std::vector<double>& got, const json& expected) {
  const auto want = vec<double>(expected);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("index ", i);
    CHECK_NEAR(got[i], want[i]);
  }
}

}  // namespace

TEST_CASE("golden classification matches scikit-learn") {
  const json& g = golden()["classification"];
  const auto pred = vec<int64_t>(g["pred"]), truth = vec<int64_t>(g["truth"]);
  const int64_t classes = g["classes"];
  CHECK_NEAR(accuracy(pred, truth), g["accuracy"]);
  const auto confusion = confusion_matrix(pred, truth, classes);
  CHECK(confusion == vec<int64_t>(g["confusion"]));
  const F1Scores f1 = f1_from_confusion(confusion, classes, vec<int64_t>(g["f1_classes_for_mean"]));
  check_all_near(f1.per_class, g["f1_per_class"]);
  CHECK_NEAR(f1.mean, g["f1_mean"]);
  CHECK_NEAR(f1_from_confusion(confusion, classes, {}).mean, g["f1_mean_all"]);

  const auto scores = vec<float>(g["scores8"]);
  const auto truth8 = vec<int64_t>(g["truth8"]);
  CHECK_NEAR(accuracy(argmax_rows(scores, 8), truth8), g["accuracy8"]);
  CHECK_NEAR(accuracy_excluding_class(scores, 8, truth8, 7), g["accuracy7"]);
}

TEST_CASE("golden regression matches numpy and scipy") {
  for (const char* name : {"continuous", "au_intensity"}) {
    INFO("case ", std::string(name));
    const json& g = golden()["regression"][name];
    const auto p = vec<double>(g["pred"]), t = vec<double>(g["truth"]);
    CHECK_NEAR(mae(p, t), g["mae"]);
    CHECK_NEAR(rmse(p, t), g["rmse"]);
    CHECK_NEAR(pearson(p, t), g["pearson"]);
    CHECK_NEAR(ccc(p, t), g["ccc"]);
    CHECK_NEAR(icc_3_1(p, t), g["icc_3_1"]);
  }
}

TEST_CASE("golden landmark NME matches numpy") {
  const struct {
    const char* key;
    NmeNorm norm;
  } norms[] = {{"inter_ocular", NmeNorm::InterOcular},
               {"inter_pupil", NmeNorm::InterPupil},
               {"box_diagonal", NmeNorm::BoxDiagonal},
               {"box_sqrt_area", NmeNorm::BoxSqrtArea}};
  for (const char* layout : {"w300", "wflw", "cofw", "aflw2000_3d"}) {
    const json& g = golden()["landmarks"][layout];
    const int64_t images = g["images"];
    const int points = g["points"], dims = g["dims"];
    const auto gt = vec<float>(g["gt"]), pred = vec<float>(g["pred"]), boxes = vec<float>(g["boxes"]);
    const auto visible = vec<uint8_t>(g["visible"]);
    const size_t per_image = size_t(points) * size_t(dims);
    for (const auto& n : norms) {
      if (!g.contains(std::string("norm_") + n.key)) continue;
      INFO("layout ", std::string(layout), ", normaliser ", std::string(n.key));
      std::vector<double> normalisers;
      for (int64_t i = 0; i < images; ++i) {
        const std::vector<float> face(gt.begin() + std::ptrdiff_t(size_t(i) * per_image),
                                      gt.begin() + std::ptrdiff_t(size_t(i + 1) * per_image));
        const std::array<float, 4> box = {boxes[size_t(i) * 4], boxes[size_t(i) * 4 + 1], boxes[size_t(i) * 4 + 2],
                                          boxes[size_t(i) * 4 + 3]};
        normalisers.push_back(nme_normaliser(face, points, box, {n.norm}));
      }
      check_all_near(normalisers, g[std::string("norm_") + n.key]);
      check_all_near(nme_per_image(pred, gt, {}, images, points, dims, normalisers), g[std::string("nme_") + n.key]);
      check_all_near(nme_per_image(pred, gt, visible, images, points, dims, normalisers),
                     g[std::string("nme_visible_") + n.key]);
    }
  }
}

TEST_CASE("golden CED yaw bins and pose match numpy") {
  const json& g = golden()["landmarks"];
  const auto nme = vec<double>(g["ced"]["nme"]);
  for (const char* at : {"at_0_08", "at_0_10"}) {
    INFO("threshold ", std::string(at));
    const json& want = g["ced"][at];
    const CedSummary s = ced_summary(nme, want["threshold"]);
    CHECK_NEAR(s.mean_nme, want["mean_nme"]);
    CHECK_NEAR(s.auc, want["auc"]);
    CHECK_NEAR(s.failure_rate, want["failure_rate"]);
  }
  const json& y = g["yaw"];
  const YawBinnedNme binned = yaw_binned_nme(vec<double>(y["nme"]), vec<float>(y["yaw_degrees"]));
  for (int b = 0; b < 3; ++b) {
    CHECK(binned.count[b] == y["count"][size_t(b)].get<int64_t>());
    CHECK_NEAR(binned.bin[b], y["bin"][size_t(b)]);
  }
  CHECK_NEAR(binned.balanced, y["balanced"]);
  const json& p = g["pose"];
  const PoseError e = pose_mae(vec<float>(p["pred"]), vec<float>(p["truth"]));
  CHECK_NEAR(e.yaw, p["yaw"]);
  CHECK_NEAR(e.pitch, p["pitch"]);
  CHECK_NEAR(e.roll, p["roll"]);
  CHECK_NEAR(e.mean, p["mean"]);
}

TEST_CASE("golden verification matches a brute-force numpy search and scikit-learn ROC") {
  const json& g = golden()["verification"];
  const auto scores = vec<double>(g["scores"]);
  const auto same = vec<uint8_t>(g["same"]);
  const auto check_kfold = [](const KFoldAccuracy& r, const json& want) {
    check_all_near(r.folds, want["folds"]);
    check_all_near(r.thresholds, want["thresholds"]);
    CHECK_NEAR(r.mean, want["mean"]);
    CHECK_NEAR(r.std, want["std"]);
    CHECK_NEAR(r.threshold_mean, want["threshold_mean"]);
  };
  check_kfold(verification_kfold(scores, same, 10), g["kfold10"]);
  check_kfold(verification_kfold(scores, same, vec<int>(g["fold_of_pair"])), g["kfold_explicit"]);

  const auto fars = vec<double>(g["far"]), tars = vec<double>(g["tar"]);
  for (size_t i = 0; i < fars.size(); ++i) {
    INFO("far ", fars[i]);
    CHECK_NEAR(tar_at_far(scores, same, fars[i]), tars[i]);
  }
  const auto roc = roc_curve(scores, same);
  std::vector<double> far, tar;
  for (const auto& [f, t] : roc) far.push_back(f), tar.push_back(t);
  check_all_near(far, g["roc_far"]);
  check_all_near(tar, g["roc_tar"]);

  const json& id = g["identification"];
  for (int k : {1, 3, 5}) {
    INFO("rank ", k);
    const double hit = rank_k_identification(vec<float>(id["gallery"]), vec<int64_t>(id["gallery_labels"]),
                                             vec<float>(id["probes"]), vec<int64_t>(id["probe_labels"]), id["dim"], k);
    CHECK_NEAR(hit, id["rank"][std::to_string(k)]);
  }
}

TEST_CASE("golden parsing F1 matches scikit-learn") {
  const json& g = golden()["parsing"];
  ParsingConfusion c(g["classes"], g["ignore"]);
  for (const json& m : g["maps"]) c.add(vec<uint8_t>(m["pred"]), vec<uint8_t>(m["truth"]));
  CHECK(c.counted_pixels() == g["counted"].get<int64_t>());
  CHECK(c.matrix() == vec<int64_t>(g["confusion"]));
  std::vector<int64_t> foreground;
  for (int64_t k = 1; k < c.classes(); ++k) foreground.push_back(k);
  const F1Scores f = c.f1(foreground);
  check_all_near(f.per_class, g["f1_per_class"]);
  CHECK_NEAR(f.mean, g["f1_foreground_mean"]);
}

TEST_CASE("golden mean and std match numpy") {
  const json& g = golden()["summary"];
  const MeanStd m = mean_std(vec<double>(g["values"]));
  CHECK_NEAR(m.mean, g["mean"]);
  CHECK_NEAR(m.std, g["std"]);
}
