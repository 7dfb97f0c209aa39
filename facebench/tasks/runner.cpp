#include "facebench/tasks/runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/common/progress.h"
#include "facebench/tasks/fewshot.h"
#include "nn/functional.h"
#include "nn/optim.h"
#include "tensor/ops.h"

namespace fb::tasks {

Features derive_features(const Features& pyr, FeatureKind kind) {
  Features f;
  switch (kind) {
    case FeatureKind::Pyramid: return pyr;
    case FeatureKind::C5: f.pyramid = {pyr.pyramid.back()}; return f;
    case FeatureKind::Pooled: f.pooled = mean(pyr.pyramid.back(), {1, 2}); return f;
  }
  return f;
}

const Features& FeatureCache::get(const TaskArrays& a, FeatureKind kind) {
  auto key = std::make_pair(&a, static_cast<int>(kind));
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  auto full_key = std::make_pair(&a, static_cast<int>(FeatureKind::Pyramid));
  if (!cache_.count(full_key)) {
    net_.eval();
    cache_[full_key] = backbone_features_batched(net_, a.images, FeatureKind::Pyramid, batch_);
  }
  autograd::NoGradGuard ng;
  return cache_[key] = derive_features(cache_[full_key], kind);
}

BackboneShape backbone_shape(const nn::ResNet& net) {
  BackboneShape b;
  b.pyramid_channels = net.pyramid_channels();
  b.feature_dim = net.feature_dim();
  return b;
}

namespace {
// Batches of a subset, epoch after epoch, each epoch in a new seeded order.
class BatchOrder {
 public:
  BatchOrder(std::vector<int64_t> rows, int64_t batch, uint64_t seed)
      : rows_(std::move(rows)), batch_(std::min<int64_t>(batch, static_cast<int64_t>(rows_.size()))), seed_(seed) {}
  std::vector<int64_t> next() {
    if (pos_ + batch_ > static_cast<int64_t>(order_.size())) {
      order_ = seeded_permutation(static_cast<int64_t>(rows_.size()), seed_ * 1000003 + epoch_++);
      pos_ = 0;
    }
    std::vector<int64_t> b;
    for (int64_t i = 0; i < batch_; ++i) b.push_back(rows_[static_cast<size_t>(order_[static_cast<size_t>(pos_ + i)])]);
    pos_ += batch_;
    return b;
  }

 private:
  std::vector<int64_t> rows_, order_;
  int64_t batch_, pos_ = 0;
  uint64_t seed_, epoch_ = 0;
};

Features frozen_rows(FeatureCache& cache, const TaskArrays& a, FeatureKind kind, const std::vector<int64_t>& rows) {
  return cache.get(a, kind).select(rows);
}
}  // namespace

CellOutcome run_cell(nn::ResNet& backbone, const CellInput& in, const FitOptions& fit, FeatureCache* cache,
                     int64_t overlay_rows) {
  FB_CHECK(in.task && in.train && in.test, "run_cell: task, train and test are required");
  FB_CHECK(in.mode == "linear" || in.mode == "finetune", "run_cell: mode must be linear or finetune, got '", in.mode, "'");
  FB_CHECK(in.mode == "finetune" || cache, "run_cell: linear mode needs a feature cache");
  FB_CHECK(!in.subset.empty(), "run_cell: empty training subset");
  auto start = std::chrono::steady_clock::now();
  const Task& task = *in.task;
  const FeatureKind kind = task.feature_kind();
  const bool finetune = in.mode == "finetune";
  task.check_data(*in.train);

  nn::manual_seed(in.seed * 7919 + 17);
  std::shared_ptr<TaskHead> head = task.make_head(backbone_shape(backbone), *in.train);
  nn::AdamW head_opt(head->parameters(), fit.lr, nn::AdamWOptions{0.9, 0.999, 1e-8, fit.weight_decay});
  std::unique_ptr<nn::AdamW> backbone_opt;
  backbone.eval();  // frozen batch-norm statistics in both modes
  if (finetune)
    backbone_opt = std::make_unique<nn::AdamW>(backbone.parameters(), fit.backbone_lr,
                                               nn::AdamWOptions{0.9, 0.999, 1e-8, fit.weight_decay});

  BatchOrder order(in.subset, fit.batch, in.seed);
  app::Progress bar(in.label.empty() ? task.name() : in.label, fit.steps, "step");
  double loss_avg = 0;
  for (int64_t step = 0; step < fit.steps; ++step) {
    std::vector<int64_t> rows = order.next();
    head->train();
    Features f = finetune ? backbone_features(backbone, take_rows(in.train->images, rows), kind)
                          : frozen_rows(*cache, *in.train, kind, rows);
    Tensor out = head->forward_features(f);
    Tensor loss = task.loss(*head, out, *in.train, rows);
    double l = loss.item();
    FB_CHECK(std::isfinite(l), task.name(), ": the training loss became ", l, " at step ", step);
    loss_avg = step == 0 ? l : 0.9 * loss_avg + 0.1 * l;
    double scale = nn::cosine_with_warmup(step, fit.steps, 0, 1.0);
    head_opt.set_lr(fit.lr * scale);
    head_opt.zero_grad();
    if (backbone_opt) backbone_opt->set_lr(fit.backbone_lr * scale), backbone_opt->zero_grad();
    autograd::backward(loss);
    head_opt.step();
    if (backbone_opt) backbone_opt->step();
    if (fit.progress && (step % 10 == 0 || step + 1 == fit.steps)) {
      char s[64];
      std::snprintf(s, sizeof s, "loss %.4f", loss_avg);
      bar.update(step + 1, s);
    }
  }
  if (fit.progress) bar.finish();

  head->eval();
  auto outputs = [&](const TaskArrays& a) {
    autograd::NoGradGuard ng;
    std::vector<Tensor> parts;
    for (int64_t b = 0; b < a.rows(); b += fit.eval_batch) {
      int64_t e = std::min(a.rows(), b + fit.eval_batch);
      if (finetune) {
        parts.push_back(head->forward_features(backbone_features(backbone, a.images.slice(0, b, e).contiguous(), kind)));
      } else {
        std::vector<int64_t> rows;
        for (int64_t i = b; i < e; ++i) rows.push_back(i);
        parts.push_back(head->forward_features(frozen_rows(*cache, a, kind, rows)));
      }
    }
    return ops::cat(parts, 0);
  };
  CellOutcome r;
  r.metrics = task.evaluate(EvalContext{*in.test, in.extra, outputs});
  if (overlay_rows > 0) r.sample_outputs = outputs(*in.test).slice(0, 0, std::min(overlay_rows, in.test->rows())).contiguous();
  r.final_loss = loss_avg;
  r.head = head;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace fb::tasks
