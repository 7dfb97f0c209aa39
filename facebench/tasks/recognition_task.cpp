// Face recognition: GAP -> BN -> linear embedding trained with ArcFace on the
// training identities; evaluated on identities never seen in training:
//   - verification: every same-person pair of the test set and as many
//     different-person pairs (seeded), cosine score, LFW's 10-fold accuracy;
//   - TAR at FAR 1e-3 over all pairs of the test set (IJB-style);
//   - rank-1 identification: the first image of each person is the gallery;
//   - with ORL as an extra set: rank-1 with 1, 3 and 5 gallery images per
//     person (the first ones), the others as probes.
#include <algorithm>
#include <cmath>
#include <map>

#include "facebench/metrics/verification.h"
#include "facebench/pretrain/losses.h"
#include "facebench/tasks/fewshot.h"
#include "facebench/tasks/task_registry.h"
#include "facebench/tasks/task_util.h"
#include "nn/functional.h"
#include "nn/init.h"

namespace fb::tasks {

namespace {
class RecognitionHead : public TaskHead {
 public:
  RecognitionHead(int64_t features, int64_t embedding, const std::vector<int64_t>& train_labels) {
    for (int64_t l : train_labels)
      if (!class_of.count(l)) class_of.emplace(l, static_cast<int64_t>(class_of.size()));
    bn = register_module("bn", std::make_shared<nn::BatchNorm>(features));
    fc = register_module("fc", std::make_shared<nn::Linear>(features, embedding));
    arc_weight = register_parameter("arc_weight", nn::init::uniform({static_cast<int64_t>(class_of.size()), embedding},
                                                                     1.0 / std::sqrt(double(embedding)),
                                                                     nn::default_generator()));
  }
  Tensor forward_features(const Features& f) override { return fc->forward(bn->forward(f.pooled)); }
  std::shared_ptr<nn::BatchNorm> bn;
  std::shared_ptr<nn::Linear> fc;
  Tensor arc_weight;
  std::map<int64_t, int64_t> class_of;  // dataset label -> ArcFace class
};

// Row-normalised copy of [n, d] embeddings.
std::vector<float> normalised(const Tensor& e) {
  std::vector<float> v = e.contiguous().to_vector<float>();
  const int64_t d = e.size(1);
  for (int64_t r = 0; r < e.size(0); ++r) {
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += double(v[r * d + j]) * v[r * d + j];
    float inv = static_cast<float>(1.0 / std::sqrt(std::max(s, 1e-24)));
    for (int64_t j = 0; j < d; ++j) v[r * d + j] *= inv;
  }
  return v;
}

double cosine(const std::vector<float>& e, int64_t d, int64_t a, int64_t b) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += double(e[a * d + j]) * e[b * d + j];
  return s;
}

// Rank-1 with the first `shots` images of each person as the gallery.
double rank1_with_gallery(const std::vector<float>& e, int64_t d, const std::vector<int64_t>& label, int64_t shots) {
  std::map<int64_t, int64_t> seen;
  std::vector<float> gallery, probes;
  std::vector<int64_t> gl, pl;
  for (size_t r = 0; r < label.size(); ++r) {
    bool in_gallery = seen[label[r]]++ < shots;
    auto& dst = in_gallery ? gallery : probes;
    dst.insert(dst.end(), e.begin() + static_cast<int64_t>(r) * d, e.begin() + static_cast<int64_t>(r + 1) * d);
    (in_gallery ? gl : pl).push_back(label[r]);
  }
  FB_CHECK(!pl.empty(), "recognition: no probe images left with ", shots, " gallery images per person");
  return metrics::rank_k_identification(gallery, gl, probes, pl, d, 1);
}

class RecognitionTask : public Task {
 public:
  explicit RecognitionTask(const TaskSettings& s) : s_(s) {}
  std::string name() const override { return "recognition"; }
  FeatureKind feature_kind() const override { return FeatureKind::Pooled; }
  void check_data(const TaskArrays& a) const override {
    for (int64_t l : a.label) FB_CHECK(l >= 0, "recognition task: ", a.dataset, " has images without an identity");
  }
  std::shared_ptr<TaskHead> make_head(const BackboneShape& b, const TaskArrays& a) const override {
    return std::make_shared<RecognitionHead>(b.feature_dim, s_.embedding, a.label);
  }
  Tensor loss(TaskHead& head, const Tensor& out, const TaskArrays& a, const std::vector<int64_t>& rows) const override {
    auto& h = dynamic_cast<RecognitionHead&>(head);
    std::vector<int64_t> y;
    for (int64_t r : rows) y.push_back(h.class_of.at(a.label[static_cast<size_t>(r)]));
    Tensor labels = from_vector<int64_t>(y, {static_cast<int64_t>(y.size())});
    return cross_entropy(pretrain::arcface_logits(out, h.arc_weight, labels, s_.arcface_s, s_.arcface_m), labels);
  }
  Metrics evaluate(const EvalContext& ctx) const override {
    const TaskArrays& t = ctx.test;
    Tensor out = ctx.outputs(t);
    const int64_t d = out.size(1), n = t.rows();
    std::vector<float> e = normalised(out);
    // All pairs: TAR@FAR; same-person pairs + as many seeded different-person pairs: 10-fold accuracy.
    std::vector<double> all_scores, scores;
    std::vector<uint8_t> all_same, same;
    std::vector<std::pair<int64_t, int64_t>> negatives;
    for (int64_t a = 0; a < n; ++a)
      for (int64_t b = a + 1; b < n; ++b) {
        double s = cosine(e, d, a, b);
        bool sp = t.label[static_cast<size_t>(a)] == t.label[static_cast<size_t>(b)];
        all_scores.push_back(s);
        all_same.push_back(sp);
        if (sp) scores.push_back(s), same.push_back(1);
        else negatives.emplace_back(a, b);
      }
    FB_CHECK(!scores.empty() && !negatives.empty(), "recognition: the test set needs at least two images of a person and two people");
    std::vector<int64_t> pick = seeded_permutation(static_cast<int64_t>(negatives.size()), 7);
    const size_t positives = scores.size();
    for (size_t i = 0; i < std::min(pick.size(), positives); ++i) {
      auto [a, b] = negatives[static_cast<size_t>(pick[i])];
      scores.push_back(cosine(e, d, a, b));
      same.push_back(0);
    }
    // Interleave the folds: pair i belongs to fold i % 10 after a seeded shuffle.
    std::vector<int64_t> order = seeded_permutation(static_cast<int64_t>(scores.size()), 11);
    std::vector<double> sc;
    std::vector<uint8_t> sm;
    for (int64_t i : order) sc.push_back(scores[static_cast<size_t>(i)]), sm.push_back(same[static_cast<size_t>(i)]);
    Metrics m;
    m["verif_acc"] = 100 * metrics::verification_kfold(sc, sm, 10).mean;
    m["tar_far1e-3"] = 100 * metrics::tar_at_far(all_scores, all_same, 1e-3);
    m["rank1"] = 100 * rank1_with_gallery(e, d, t.label, 1);
    for (const TaskArrays* extra : ctx.extra) {
      Tensor xo = ctx.outputs(*extra);
      std::vector<float> xe = normalised(xo);
      for (int64_t shots : {1, 3, 5})
        m["orl_rank1_" + std::to_string(shots) + "shot"] = 100 * rank1_with_gallery(xe, xo.size(1), extra->label, shots);
    }
    return m;
  }

 private:
  TaskSettings s_;
};
}  // namespace

std::unique_ptr<Task> make_recognition_task(const TaskSettings& s) { return std::make_unique<RecognitionTask>(s); }

}  // namespace fb::tasks
