// 3D face (AFLW2000-3D-style): the heatmap decoder with one extra map per
// landmark for depth — x, y by soft-argmax, z as the softmax-weighted read of
// the depth map — plus a linear head-pose regressor on the pooled C5. L1 on
// x, y, z (divided by the crop size) and on the pose (divided by 90°).
//
// Metrics, as the AFLW2000-3D protocol reads them: NME of the 68 landmarks'
// image positions (x, y; the 3D points projected) normalised by sqrt(w·h) of
// the ground-truth landmarks' box, per |yaw| bin [0,30], (30,60], (60,90] and
// balanced over the bins; head-pose MAE (yaw, pitch, roll); and, for the
// depth the head also predicts, the NME over x, y, z (`nme_xyz`).
#include <algorithm>
#include <cmath>

#include "facebench/metrics/landmarks.h"
#include "facebench/tasks/heads.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"

namespace fb::tasks {

namespace {
// Output [N, K * 3 + 3]: x0, y0, z0, x1, ... then yaw, pitch, roll (degrees).
class Face3dHead : public TaskHead {
 public:
  Face3dHead(int64_t c5_channels, int64_t points, int64_t channels, int64_t image_size, double beta)
      : points_(points), image_size_(image_size), beta_(beta) {
    decoder = register_module("decoder", std::make_shared<HeatmapHead>(c5_channels, points, channels, 3, 1));
    pose = register_module("pose", std::make_shared<nn::Linear>(c5_channels, 3));
  }
  Tensor forward_features(const Features& f) override {
    const Tensor& c5 = f.pyramid.back();
    Tensor out = decoder->forward(c5);
    SplitHeatmapOutputs s = split_heatmap_outputs(out, points_);
    Tensor w = spatial_softmax(s.heatmaps, beta_);
    Tensor xy = soft_argmax(s.heatmaps, static_cast<double>(image_size_) / static_cast<double>(out.size(1)), beta_);
    Tensor z = reshape(sample_at(s.extra, w), {c5.size(0), points_, 1});
    Tensor xyz = reshape(cat({xy, mul_scalar(z, static_cast<double>(image_size_))}, 2), {c5.size(0), points_ * 3});
    Tensor angles = mul_scalar(pose->forward(mean(c5, {1, 2})), 90.0);
    return cat({xyz, angles}, 1);
  }
  std::shared_ptr<HeatmapHead> decoder;
  std::shared_ptr<nn::Linear> pose;

 private:
  int64_t points_, image_size_;
  double beta_;
};

std::vector<float> xyz_rows(const TaskArrays& a, const std::vector<int64_t>& rows) {
  std::vector<float> v;
  for (int64_t r : rows)
    for (int k = 0; k < a.points; ++k) {
      size_t i = static_cast<size_t>(r * a.points + k);
      v.insert(v.end(), {a.landmarks[2 * i], a.landmarks[2 * i + 1], a.depth[i]});
    }
  return v;
}

class Face3dTask : public Task {
 public:
  explicit Face3dTask(const TaskSettings& s) : s_(s) {}
  std::string name() const override { return "3d"; }
  FeatureKind feature_kind() const override { return FeatureKind::C5; }
  void check_data(const TaskArrays& a) const override {
    FB_CHECK(a.points > 0 && !a.depth.empty() && !a.pose.empty(), "3d task: ", a.dataset,
             " needs landmarks with depth and a head pose");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<Face3dHead>(b.pyramid_channels.back(), a.points, s_.head_channels, a.size,
                                        s_.softargmax_beta);
  }
  Tensor loss(TaskHead&, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    const int64_t b = static_cast<int64_t>(rows.size()), k = a.points;
    Tensor xyz_target = from_vector<float>(xyz_rows(a, rows), {b, k * 3});
    Tensor pose_target = gather_rows(a.pose, 3, rows);
    Tensor shape_loss = l1_loss(mul_scalar(slice(out, 1, 0, k * 3), 1.0 / static_cast<double>(a.size)),
                                mul_scalar(xyz_target, 1.0 / static_cast<double>(a.size)));
    Tensor pose_loss = l1_loss(mul_scalar(slice(out, 1, k * 3, k * 3 + 3), 1.0 / 90), mul_scalar(pose_target, 1.0 / 90));
    return add(shape_loss, pose_loss);
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    const TaskArrays& t = ctx.test;
    const int64_t k = t.points, width = k * 3 + 3;
    std::vector<float> o = ctx.outputs(t).contiguous().to_vector<float>(), xyz, pose, yaw;
    std::vector<double> norms;
    for (int64_t r = 0; r < t.rows(); ++r) {
      xyz.insert(xyz.end(), o.begin() + r * width, o.begin() + r * width + k * 3);
      pose.insert(pose.end(), o.begin() + r * width + k * 3, o.begin() + (r + 1) * width);
      auto box = t.landmark_box(r);
      norms.push_back(std::sqrt(std::max(1e-6f, box[2] * box[3])));
      yaw.push_back(t.pose[static_cast<size_t>(r * 3)]);
    }
    std::vector<float> xy;
    for (size_t i = 0; i < xyz.size(); i += 3) xy.insert(xy.end(), {xyz[i], xyz[i + 1]});
    std::vector<double> nme = metrics::nme_per_image(xy, t.landmarks, {}, t.rows(), static_cast<int>(k), 2, norms);
    std::vector<double> nme_xyz = metrics::nme_per_image(xyz, xyz_rows(t, all_rows(t)), {}, t.rows(), static_cast<int>(k), 3, norms);
    double xyz_mean = 0;
    for (double v : nme_xyz) xyz_mean += v / static_cast<double>(nme_xyz.size());
    metrics::YawBinnedNme bins = metrics::yaw_binned_nme(nme, yaw);
    metrics::PoseError pe = metrics::pose_mae(pose, t.pose);
    Metrics m = {{"nme3d_balanced", 100 * bins.balanced}, {"nme_xyz", 100 * xyz_mean}, {"pose_mae", pe.mean},
                 {"pose_mae_yaw", pe.yaw}, {"pose_mae_pitch", pe.pitch}, {"pose_mae_roll", pe.roll}};
    const char* keys[3] = {"nme3d_0_30", "nme3d_30_60", "nme3d_60_90"};
    for (int b = 0; b < 3; ++b)
      if (bins.count[b] > 0) m[keys[b]] = 100 * bins.bin[b];
    return m;
  }
  std::vector<float> landmarks_from_outputs(const Tensor& out) const override {
    std::vector<float> o = out.contiguous().to_vector<float>(), xy;
    const int64_t width = out.size(1), k = (width - 3) / 3;
    for (int64_t r = 0; r < out.size(0); ++r)
      for (int64_t p = 0; p < k; ++p) xy.insert(xy.end(), {o[r * width + 3 * p], o[r * width + 3 * p + 1]});
    return xy;
  }

 private:
  TaskSettings s_;
};
}  // namespace

std::unique_ptr<Task> make_face3d_task(const TaskSettings& s) { return std::make_unique<Face3dTask>(s); }

}  // namespace fb::tasks
