#include "facebench/report/results.h"

#include <cmath>
#include <cstdio>

#include "tensor/error.h"

namespace fb::report {

const std::vector<MetricInfo>& task_metrics(const std::string& task) {
  static const std::map<std::string, std::vector<MetricInfo>> table = {
      {"recognition",
       {{"verif_acc", "verification accuracy (10-fold, %)", true},
        {"rank1", "rank-1 identification (%)", true},
        {"tar_far1e-3", "TAR @ FAR 1e-3 (%)", true},
        {"orl_rank1_1shot", "ORL rank-1, 1 gallery image (%)", true},
        {"orl_rank1_3shot", "ORL rank-1, 3 gallery images (%)", true},
        {"orl_rank1_5shot", "ORL rank-1, 5 gallery images (%)", true}}},
      {"landmarks",
       {{"nme_io", "NME (inter-ocular, %)", false},
        {"auc8", "AUC @ 8 % (%)", true},
        {"fr8", "failure rate @ 8 % (%)", false}}},
      {"au", {{"icc_mean", "ICC(3,1), mean over AUs", true}, {"mae", "MAE (intensity 0-5)", false}}},
      {"emotion",
       {{"acc8", "accuracy, 8 classes (%)", true},
        {"acc7", "accuracy, 7 classes (%)", true},
        {"ccc_valence", "CCC valence", true},
        {"ccc_arousal", "CCC arousal", true},
        {"rmse_valence", "RMSE valence", false},
        {"rmse_arousal", "RMSE arousal", false}}},
      {"3d",
       {{"nme3d_balanced", "NME (AFLW2000-3D, 68 pts), balanced over yaw bins (%)", false},
        {"nme3d_0_30", "NME, |yaw| 0-30 (%)", false},
        {"nme3d_30_60", "NME, |yaw| 30-60 (%)", false},
        {"nme3d_60_90", "NME, |yaw| 60-90 (%)", false},
        {"pose_mae", "head-pose MAE (degrees)", false},
        {"nme_xyz", "NME over x, y and depth (%)", false}}},
      {"parsing", {{"f1_mean", "mean F1 over foreground classes (%)", true}}},
      {"redundancy", {{"icc_mean", "AU ICC(3,1), mean", true}, {"mae", "AU MAE", false}}},
  };
  auto it = table.find(task);
  FB_CHECK(it != table.end(), "report: unknown task '", task, "'");
  return it->second;
}

nlohmann::json to_json(const CellResult& c) {
  return {{"task", c.task},         {"dataset", c.dataset}, {"backbone", c.backbone},
          {"mode", c.mode},         {"fraction", c.fraction}, {"seed", c.seed},
          {"train_size", c.train_size}, {"metrics", c.metrics}, {"seconds", c.seconds}};
}

CellResult cell_from_json(const nlohmann::json& j) {
  try {
    CellResult c;
    c.task = j.at("task").get<std::string>();
    c.dataset = j.at("dataset").get<std::string>();
    c.backbone = j.at("backbone").get<std::string>();
    c.mode = j.at("mode").get<std::string>();
    c.fraction = j.at("fraction").get<double>();
    c.seed = j.at("seed").get<int64_t>();
    c.train_size = j.value("train_size", int64_t{0});
    // JSON has no NaN: to_json writes a metric that could not be computed
    // (NaN) as null, so null reads back as NaN.
    FB_CHECK(j.at("metrics").is_object(), "report: malformed result cell: \"metrics\" must be an object");
    for (const auto& [key, value] : j.at("metrics").items())
      c.metrics[key] = value.is_null() ? std::nan("") : value.get<double>();
    c.seconds = j.value("seconds", 0.0);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("report: malformed result cell: ") + e.what());
  }
}

std::string cell_key(const CellResult& c) {
  char frac[32];
  std::snprintf(frac, sizeof frac, "%.6g", c.fraction);
  return c.task + "/" + c.dataset + "/" + c.backbone + "/" + c.mode + "/" + frac + "/" + std::to_string(c.seed);
}

}  // namespace fb::report
