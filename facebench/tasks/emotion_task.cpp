// Emotion (AffectNet-style): GAP -> BN -> FC to the class logits plus
// valence and arousal; cross-entropy + MSE. Accuracy over 8 classes and over
// 7 (contempt, class 7, dropped from both samples and predictions), CCC and
// RMSE of valence and arousal when the data carries them.
//
// The class is the value named "emotion" when there is one (synthetic faces
// carry identity as their label), else the sample's label (AffectNet).
#include "facebench/metrics/classification.h"
#include "facebench/metrics/regression.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"

namespace fb::tasks {

namespace {
constexpr int64_t kClasses = 8, kContempt = 7;

std::vector<int64_t> classes_of(const TaskArrays& a) {
  int64_t col = a.value_index("emotion");
  std::vector<int64_t> y;
  for (int64_t r = 0; r < a.rows(); ++r)
    y.push_back(col >= 0 ? static_cast<int64_t>(a.values[static_cast<size_t>(r * a.num_values() + col)])
                         : a.label[static_cast<size_t>(r)]);
  return y;
}

bool has_va(const TaskArrays& a) { return a.value_index("valence") >= 0 && a.value_index("arousal") >= 0; }

class EmotionTask : public Task {
 public:
  std::string name() const override { return "emotion"; }
  FeatureKind feature_kind() const override { return FeatureKind::Pooled; }
  void check_data(const TaskArrays& a) const override {
    for (int64_t y : classes_of(a))
      FB_CHECK(y >= 0 && y < kClasses, "emotion task: ", a.dataset, " has a class ", y, " outside 0..7");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<PooledLinearHead>(b.feature_dim, kClasses + (has_va(a) ? 2 : 0));
  }
  Tensor loss(TaskHead&, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    std::vector<int64_t> all = classes_of(a), y;
    for (int64_t r : rows) y.push_back(all[static_cast<size_t>(r)]);
    Tensor logits = slice(out, 1, 0, kClasses);  // the free function: Tensor::slice records no gradient
    Tensor l = cross_entropy(logits, from_vector<int64_t>(y, {static_cast<int64_t>(y.size())}));
    if (!has_va(a)) return l;
    std::vector<float> va;
    int64_t cv = a.value_index("valence"), ca = a.value_index("arousal");
    for (int64_t r : rows) {
      va.push_back(a.values[static_cast<size_t>(r * a.num_values() + cv)]);
      va.push_back(a.values[static_cast<size_t>(r * a.num_values() + ca)]);
    }
    Tensor target = from_vector<float>(va, {static_cast<int64_t>(rows.size()), 2});
    return add(l, mse_loss(slice(out, 1, kClasses, kClasses + 2), target));
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    const TaskArrays& t = ctx.test;
    Tensor out = ctx.outputs(t).contiguous();
    const int64_t width = out.size(1), n = t.rows();
    std::vector<float> o = out.to_vector<float>(), scores;
    std::vector<int64_t> pred, truth = classes_of(t);
    for (int64_t r = 0; r < n; ++r) {
      const float* row = o.data() + r * width;
      scores.insert(scores.end(), row, row + kClasses);
      pred.push_back(std::max_element(row, row + kClasses) - row);
    }
    Metrics m;
    m["acc8"] = 100 * metrics::accuracy(pred, truth);
    m["acc7"] = 100 * metrics::accuracy_excluding_class(scores, kClasses, truth, kContempt);
    if (width == kClasses + 2 && has_va(t)) {
      const char* names[2] = {"valence", "arousal"};
      for (int d = 0; d < 2; ++d) {
        std::vector<double> p, y;
        int64_t col = t.value_index(names[d]);
        for (int64_t r = 0; r < n; ++r) {
          p.push_back(o[static_cast<size_t>(r * width + kClasses + d)]);
          y.push_back(t.values[static_cast<size_t>(r * t.num_values() + col)]);
        }
        m[std::string("ccc_") + names[d]] = metrics::ccc(p, y);
        m[std::string("rmse_") + names[d]] = metrics::rmse(p, y);
      }
    }
    return m;
  }
};
}  // namespace

std::unique_ptr<Task> make_emotion_task(const TaskSettings&) { return std::make_unique<EmotionTask>(); }

}  // namespace fb::tasks
