// 2D landmarks: the paper's heatmap decoder (3 deconvolutions on C5) decoded
// by a differentiable soft-argmax ("integral regression"), trained with an L1
// loss on the coordinates (divided by the crop size, visible points only).
//
// NME follows each layout's convention (../PROTOCOL.md): 68 points (300W) and
// 98 (WFLW) use the outer eye corners, 29 (COFW) points 8/9, 19 (AFLW-19) the
// landmarks' box diagonal. AUC and failure rate are read at 8 % (10 % for
// WFLW's 98 points).
#include "facebench/metrics/landmarks.h"
#include "facebench/tasks/heads.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"

namespace fb::tasks {

namespace {
metrics::NmeSpec nme_spec_for(int points) {
  metrics::NmeSpec s;
  switch (points) {
    case 68: s.left = 36, s.right = 45; break;
    case 98: s.left = 60, s.right = 72; break;
    case 29: s.left = 8, s.right = 9; break;
    default: s.norm = metrics::NmeNorm::BoxDiagonal; break;
  }
  return s;
}

// The decoder, with the decode inside so that its output is coordinates.
class LandmarkHead : public TaskHead {
 public:
  LandmarkHead(int64_t c5_channels, int64_t points, int64_t channels, int64_t image_size, double beta)
      : image_size_(image_size), beta_(beta) {
    decoder = register_module("decoder", std::make_shared<HeatmapHead>(c5_channels, points, channels));
  }
  // -> [N, K, 2] crop pixels.
  Tensor forward_features(const Features& f) override {
    Tensor maps = decoder->forward(f.pyramid.back());
    return soft_argmax(maps, static_cast<double>(image_size_) / static_cast<double>(maps.size(1)), beta_);
  }
  std::shared_ptr<HeatmapHead> decoder;

 private:
  int64_t image_size_;
  double beta_;
};

class LandmarksTask : public Task {
 public:
  explicit LandmarksTask(const TaskSettings& s) : s_(s) {}
  std::string name() const override { return "landmarks"; }
  FeatureKind feature_kind() const override { return FeatureKind::C5; }
  void check_data(const TaskArrays& a) const override {
    FB_CHECK(a.points > 0, "landmarks task: ", a.dataset, " carries no landmarks");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<LandmarkHead>(b.pyramid_channels.back(), a.points, s_.head_channels, a.size,
                                          s_.softargmax_beta);
  }
  Tensor loss(TaskHead&, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    const int64_t b = static_cast<int64_t>(rows.size()), k = a.points;
    double inv = 1.0 / static_cast<double>(a.size);
    Tensor target = reshape(gather_rows(a.landmarks, 2 * k, rows), {b, k, 2});
    Tensor weight = gather_rows(a.visible, k, rows);
    return landmark_l1_loss(mul_scalar(out, inv), mul_scalar(target, inv), weight);
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    const TaskArrays& t = ctx.test;
    std::vector<float> pred = ctx.outputs(t).contiguous().to_vector<float>();
    metrics::NmeSpec spec = nme_spec_for(t.points);
    std::vector<double> norms;
    for (int64_t r = 0; r < t.rows(); ++r) {
      std::vector<float> gt(t.landmarks.begin() + r * t.points * 2, t.landmarks.begin() + (r + 1) * t.points * 2);
      norms.push_back(metrics::nme_normaliser(gt, t.points, t.landmark_box(r), spec));
    }
    std::vector<double> nme = metrics::nme_per_image(pred, t.landmarks, t.visible, t.rows(), t.points, 2, norms);
    double threshold = t.points == 98 ? 0.10 : 0.08;
    metrics::CedSummary ced = metrics::ced_summary(nme, threshold);
    return {{"nme_io", 100 * ced.mean_nme}, {"auc8", 100 * ced.auc}, {"fr8", 100 * ced.failure_rate}};
  }
  std::vector<float> landmarks_from_outputs(const Tensor& out) const override {
    return out.contiguous().to_vector<float>();
  }

 private:
  TaskSettings s_;
};
}  // namespace

std::unique_ptr<Task> make_landmarks_task(const TaskSettings& s) { return std::make_unique<LandmarksTask>(s); }

}  // namespace fb::tasks
