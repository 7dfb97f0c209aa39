// AU intensity (DISFA-style): GAP -> BN -> FC regression of every value whose
// name starts with "AU", MSE loss; ICC(3,1) per AU and its mean, and MAE, on
// predictions clamped to the intensity range 0..5. An AU that does not vary
// in the test set has no ICC; the mean is over the others (`icc_aus` counts them).
#include <algorithm>
#include <cmath>

#include "facebench/metrics/regression.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"

namespace fb::tasks {

namespace {
std::vector<int64_t> au_columns(const TaskArrays& a) {
  std::vector<int64_t> cols;
  for (int64_t v = 0; v < a.num_values(); ++v)
    if (a.value_names[static_cast<size_t>(v)].rfind("AU", 0) == 0) cols.push_back(v);
  return cols;
}

class AuTask : public Task {
 public:
  std::string name() const override { return "au"; }
  FeatureKind feature_kind() const override { return FeatureKind::Pooled; }
  void check_data(const TaskArrays& a) const override {
    FB_CHECK(!au_columns(a).empty(), "au task: ", a.dataset, " carries no AU intensities (values named AU*)");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<PooledLinearHead>(b.feature_dim, static_cast<int64_t>(au_columns(a).size()));
  }
  Tensor loss(TaskHead&, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    std::vector<int64_t> cols = au_columns(a);
    std::vector<float> t;
    for (int64_t r : rows)
      for (int64_t c : cols) t.push_back(a.values[static_cast<size_t>(r * a.num_values() + c)]);
    return mse_loss(out, from_vector<float>(t, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size())}));
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    std::vector<int64_t> cols = au_columns(ctx.test);
    std::vector<float> out = ctx.outputs(ctx.test).contiguous().to_vector<float>();
    auto truth = value_columns(ctx.test, cols);
    Metrics m;
    // An AU that never varies in the test set has no ICC (0/0); the mean is over the AUs that do.
    double icc_sum = 0, mae_sum = 0;
    int64_t icc_count = 0;
    for (size_t c = 0; c < cols.size(); ++c) {
      std::vector<double> pred;
      for (int64_t r = 0; r < ctx.test.rows(); ++r)
        pred.push_back(std::clamp<double>(out[static_cast<size_t>(r) * cols.size() + c], 0.0, 5.0));
      double icc = metrics::icc_3_1(pred, truth[c]), err = metrics::mae(pred, truth[c]);
      m["icc_" + ctx.test.value_names[static_cast<size_t>(cols[c])]] = icc;
      if (std::isfinite(icc)) icc_sum += icc, ++icc_count;
      mae_sum += err;
    }
    m["icc_mean"] = icc_count > 0 ? icc_sum / static_cast<double>(icc_count) : std::nan("");
    m["icc_aus"] = static_cast<double>(icc_count);
    m["mae"] = mae_sum / static_cast<double>(cols.size());
    return m;
  }
};
}  // namespace

std::unique_ptr<Task> make_au_task(const TaskSettings&) { return std::make_unique<AuTask>(); }

}  // namespace fb::tasks
