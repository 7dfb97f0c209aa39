#pragma once
// Hand-made result cells and scratch folders for the report tests.
#include <filesystem>
#include <string>
#include <vector>

#include "facebench/report/results.h"

namespace rpt {
namespace fs = std::filesystem;

inline fb::report::CellResult cell(const std::string& task, const std::string& backbone, double fraction,
                                   int64_t seed, std::map<std::string, double> metrics,
                                   const std::string& dataset = "synth", const std::string& mode = "linear") {
  fb::report::CellResult c;
  c.task = task;
  c.dataset = dataset;
  c.backbone = backbone;
  c.mode = mode;
  c.fraction = fraction;
  c.seed = seed;
  c.train_size = int64_t(1000 * fraction);
  c.metrics = std::move(metrics);
  c.seconds = 1.5;
  return c;
}

// Cells of one (task, dataset, mode) where `values[b][j]` is the headline metric of
// backbone b at fractions[j], repeated for seeds 0..seeds-1 with +-spread.
inline void add_grid(std::vector<fb::report::CellResult>& out, const std::string& task, const std::string& key,
                     const std::vector<std::string>& backbones, const std::vector<double>& fractions,
                     const std::vector<std::vector<double>>& values, int seeds = 2, double spread = 0.1) {
  for (size_t b = 0; b < backbones.size(); ++b)
    for (size_t j = 0; j < fractions.size(); ++j)
      for (int s = 0; s < seeds; ++s) {
        const double offset = seeds == 1 ? 0.0 : spread * (2.0 * s / (seeds - 1) - 1.0);
        out.push_back(cell(task, backbones[b], fractions[j], s, {{key, values[b][j] + offset}}));
      }
}

inline fs::path scratch(const std::string& name) {
  fs::path p = fs::path(FB_BINARY_DIR) / "report_test_out" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace rpt
