// Face parsing (an extra task): the FPN-style decoder over C2..C5, its logits
// bilinearly upsampled to the crop and trained with per-pixel cross-entropy
// (pixels labelled 255 ignored). Metric: F1 per class over all test pixels
// and its mean over the foreground classes (every class but 0, background).
#include <algorithm>

#include "facebench/metrics/segmentation.h"
#include "facebench/tasks/heads.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"

namespace fb::tasks {

namespace {
constexpr int kIgnore = 255;

class ParsingTaskHead : public TaskHead {
 public:
  ParsingTaskHead(const std::vector<int64_t>& channels, int64_t classes, int64_t width, int64_t image_size)
      : image_size_(image_size) {
    decoder = register_module("decoder", std::make_shared<ParsingHead>(channels, classes, width));
  }
  // -> logits [N, S, S, classes].
  Tensor forward_features(const Features& f) override {
    return upsample_logits(decoder->forward(f.pyramid), image_size_, image_size_);
  }
  std::shared_ptr<ParsingHead> decoder;

 private:
  int64_t image_size_;
};

class ParsingTask : public Task {
 public:
  explicit ParsingTask(const TaskSettings& s) : s_(s) {}
  std::string name() const override { return "parsing"; }
  FeatureKind feature_kind() const override { return FeatureKind::Pyramid; }
  void check_data(const TaskArrays& a) const override {
    FB_CHECK(!a.masks.empty(), "parsing task: ", a.dataset, " carries no parsing masks");
    FB_CHECK(parsing_classes(a) >= 2, "parsing task: ", a.dataset, "'s masks hold a single class");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<ParsingTaskHead>(b.pyramid_channels, parsing_classes(a), s_.head_channels, a.size);
  }
  Tensor loss(TaskHead&, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    const int64_t pixels = a.size * a.size, classes = out.size(3);
    std::vector<int64_t> labels;
    labels.reserve(rows.size() * static_cast<size_t>(pixels));
    for (int64_t r : rows)
      for (int64_t p = 0; p < pixels; ++p) {
        uint8_t v = a.masks[static_cast<size_t>(r * pixels + p)];
        labels.push_back(v == kIgnore || v >= classes ? -100 : v);
      }
    Tensor flat = reshape(out, {static_cast<int64_t>(rows.size()) * pixels, classes});
    return cross_entropy(flat, from_vector<int64_t>(labels, {static_cast<int64_t>(labels.size())}));
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    const TaskArrays& t = ctx.test;
    Tensor out = ctx.outputs(t).contiguous();
    const int64_t classes = out.size(3), pixels = t.size * t.size;
    std::vector<float> o = out.to_vector<float>();
    metrics::ParsingConfusion conf(std::max<int64_t>(classes, parsing_classes(t)), kIgnore);
    std::vector<uint8_t> pred(static_cast<size_t>(pixels));
    for (int64_t r = 0; r < t.rows(); ++r) {
      for (int64_t p = 0; p < pixels; ++p) {
        const float* row = o.data() + (r * pixels + p) * classes;
        pred[static_cast<size_t>(p)] = static_cast<uint8_t>(std::max_element(row, row + classes) - row);
      }
      conf.add(pred.data(), t.masks.data() + r * pixels, pixels);
    }
    std::vector<int64_t> fg;
    for (int64_t c = 1; c < classes; ++c) fg.push_back(c);
    metrics::F1Scores f1 = conf.f1(fg);
    Metrics m = {{"f1_mean", 100 * f1.mean}};
    for (int64_t c : fg) m["f1_class" + std::to_string(c)] = 100 * f1.per_class[static_cast<size_t>(c)];
    return m;
  }

 private:
  TaskSettings s_;
};
}  // namespace

std::unique_ptr<Task> make_parsing_task(const TaskSettings& s) { return std::make_unique<ParsingTask>(s); }

}  // namespace fb::tasks
