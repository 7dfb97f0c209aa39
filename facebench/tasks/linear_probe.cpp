#include "facebench/tasks/linear_probe.h"

#include <algorithm>
#include <cmath>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/data/batch.h"
#include "facebench/data/pipeline.h"
#include "nn/layers.h"
#include "nn/optim.h"

namespace fb::tasks {

namespace {
struct Features {
  Tensor x;  // [N, F]
  Tensor y;  // [N] i64
};

Features extract(nn::ResNet& net, const data::Dataset& ds, const std::vector<int64_t>& rows, const ProbeOptions& o) {
  autograd::NoGradGuard ng;
  data::Pipeline resize = data::resize_pipeline(static_cast<int>(o.image_size));
  auto alloc = data::default_batch_allocator();
  std::vector<Tensor> feats;
  std::vector<int64_t> labels;
  Generator unused(0);  // the resize pipeline draws nothing
  for (size_t b = 0; b < rows.size(); b += static_cast<size_t>(o.batch)) {
    std::vector<data::Sample> samples;
    std::vector<std::vector<data::View>> views;
    for (size_t i = b; i < std::min(rows.size(), b + static_cast<size_t>(o.batch)); ++i) {
      samples.push_back(ds.get(rows[i]));
      FB_CHECK(samples.back().label >= 0, "linear probe: sample ", rows[i], " of ", ds.name(), " has no label");
      labels.push_back(samples.back().label);
      views.push_back(resize(samples.back(), unused));
    }
    data::Batch batch = data::collate(samples, views, data::CollateOptions{}, *alloc);
    feats.push_back(net.forward(batch.views[0]));
  }
  return {ops::cat(feats, 0), from_vector<int64_t>(labels, {static_cast<int64_t>(labels.size())})};
}

double accuracy(const Tensor& logits, const Tensor& y) {
  auto p = ops::argmax(logits, 1).to_vector<int64_t>();
  auto l = y.to_vector<int64_t>();
  int64_t c = 0;
  for (size_t i = 0; i < p.size(); ++i) c += p[i] == l[i];
  return p.empty() ? 0.0 : static_cast<double>(c) / static_cast<double>(p.size());
}
}  // namespace

ProbeResult linear_probe(nn::ResNet& backbone, const data::Dataset& ds, const std::function<bool(int64_t)>& is_test,
                         const ProbeOptions& o) {
  std::vector<int64_t> train_rows, test_rows;
  for (int64_t i = 0; i < ds.size(); ++i) (is_test(i) ? test_rows : train_rows).push_back(i);
  FB_CHECK(!train_rows.empty() && !test_rows.empty(), "linear probe: ", ds.name(),
           " needs both train and test samples (got ", train_rows.size(), " and ", test_rows.size(), ")");
  backbone.eval();
  Features tr = extract(backbone, ds, train_rows, o), te = extract(backbone, ds, test_rows, o);
  // Standardise with the training statistics so one learning rate fits any backbone.
  Tensor mu = ops::mean(tr.x, {0}, true);
  Tensor sd = ops::add_scalar(ops::sqrt(ops::mean(ops::mul(ops::sub(tr.x, mu), ops::sub(tr.x, mu)), {0}, true)), 1e-6);
  Tensor xtr = ops::div(ops::sub(tr.x, mu), sd), xte = ops::div(ops::sub(te.x, mu), sd);
  int64_t classes = 1 + std::max(ops::amax(tr.y, 0).item(), ops::amax(te.y, 0).item());
  nn::manual_seed(0);
  nn::Linear head(xtr.size(1), classes);
  nn::AdamW opt(head.parameters(), o.lr, nn::AdamWOptions{0.9, 0.999, 1e-8, o.weight_decay});
  for (int64_t e = 0; e < o.epochs; ++e) {
    Tensor loss = cross_entropy(head.forward(xtr), tr.y);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
  }
  autograd::NoGradGuard ng;
  ProbeResult r;
  r.train_accuracy = accuracy(head.forward(xtr), tr.y);
  r.test_accuracy = accuracy(head.forward(xte), te.y);
  r.train_images = xtr.size(0);
  r.test_images = xte.size(0);
  r.classes = classes;
  return r;
}

}  // namespace fb::tasks
