#include "facebench/pretrain/methods.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "facebench/pretrain/health.h"
#include "facebench/pretrain/losses.h"
#include "kernels/contrastive.h"
#include "nn/distributed/functional.h"
#include "tensor/ops.h"

namespace fb::pretrain {

std::vector<Tensor> Method::features(const std::vector<Tensor>& views, nn::ResNet& net) {
  std::vector<Tensor> out;
  size_t i = 0;
  while (i < views.size()) {
    size_t j = i;
    while (j < views.size() && views[j].shape() == views[i].shape()) ++j;
    std::vector<Tensor> group(views.begin() + static_cast<int64_t>(i), views.begin() + static_cast<int64_t>(j));
    Tensor f = net.forward(group.size() == 1 ? group[0] : cat(group, 0));
    const int64_t b = views[i].size(0);
    for (size_t k = 0; k < group.size(); ++k)
      out.push_back(slice(f, 0, static_cast<int64_t>(k) * b, static_cast<int64_t>(k + 1) * b));
    i = j;
  }
  return out;
}

namespace {

// Writes the rows of `rows` [n, D] into the ring buffer `ring` [length, D]
// from row `at` on, wrapping around to row 0: one copy per contiguous run of
// rows (two at most), not one per row, which on a GPU would be n launches.
void ring_write(const Tensor& ring, int64_t at, const Tensor& rows) {
  const int64_t n = rows.size(0), len = ring.size(0);
  FB_CHECK(n <= len, "queue of ", len, " rows cannot take ", n, " at once");
  const int64_t first = std::min(n, len - at);  // rows before the wrap
  copy_into(ring.slice(0, at, at + first), rows.slice(0, 0, first));
  if (first < n) copy_into(ring.slice(0, 0, n - first), rows.slice(0, first, n));
}

class Supervised : public Method {
 public:
  using Method::Method;
  Tensor loss(const data::Batch& b, int64_t) override {
    FB_CHECK(b.labels.defined(), "supervised pre-training: the data has no identity labels (use synth:curated)");
    Tensor f = model_.backbone->forward(b.views.at(0));
    Tensor logits = cfg_.supervised_loss == "arcface"
                        ? arcface_logits(f, model_.classifier->weight, b.labels, cfg_.arcface_s, cfg_.arcface_m)
                        : model_.classifier->forward(f);
    auto pred = ops::argmax(logits.detach(), 1).to_vector<int64_t>();
    auto lab = b.labels.to_vector<int64_t>();
    int64_t correct = 0;
    for (size_t i = 0; i < pred.size(); ++i) correct += pred[i] == lab[i];
    stats_["train_acc"] = static_cast<double>(correct) / static_cast<double>(pred.size());
    return cross_entropy(logits, b.labels);
  }
};

class Swav : public Method {
 public:
  Swav(const Config& c, PretrainModel& m, int64_t freeze_iters) : Method(c, m), freeze_iters_(freeze_iters) {
    if (c.swav_queue > 0)
      queue_ = zeros({std::min<int64_t>(c.n_global, 2), c.swav_queue, c.proj_out}, DType::f32, m.device());
  }

  Tensor loss(const data::Batch& b, int64_t) override {
    normalize_prototypes();
    // The head sees the features of all views as one batch, as in SwAV's
    // code: its batch norm then normalises over every crop together.
    const std::vector<Tensor> feats = features(b.views, *model_.backbone);
    const Tensor z_all = l2_normalize(model_.head->forward(cat(feats, 0)));
    const Tensor s_all = model_.prototypes->forward(z_all);
    std::vector<Tensor> scores, embeddings;
    for (int64_t v = 0, rows = b.views[0].size(0); v < static_cast<int64_t>(feats.size()); ++v) {
      embeddings.push_back(slice(z_all, 0, v * rows, (v + 1) * rows));
      scores.push_back(slice(s_all, 0, v * rows, (v + 1) * rows));
    }
    SwavLossOptions o;
    o.temperature = cfg_.temperature;
    o.sinkhorn_eps = cfg_.sinkhorn_eps;
    o.sinkhorn_iters = cfg_.sinkhorn_iters;
    o.assign_views.clear();
    for (int v = 0; v < std::min<int64_t>(cfg_.n_global, 2); ++v) o.assign_views.push_back(v);
    std::vector<Tensor> codes;
    {
      autograd::NoGradGuard ng;
      const bool queue_on = queue_.defined() && b.epoch >= cfg_.swav_queue_start_epoch;
      const bool queue_used = queue_on && queue_filled_ == queue_.size(1);
      for (int a : o.assign_views) codes.push_back(codes_of(scores[a].detach(), a, queue_used, o));
      if (queue_on) enqueue(embeddings, o.assign_views);
      stats_["queue_used"] = queue_used ? 1.0 : 0.0;
    }
    // Collapse monitors. Sinkhorn spreads the codes evenly over the prototypes
    // whatever the embeddings are, so the codes' own entropy cannot show a
    // collapse; the network's predictions can: with collapsed embeddings every
    // sample picks the same prototype (assignment entropy 0), the embeddings
    // of different images align (similarity 1) and the codes turn uniform
    // (code_max 1/K).
    stats_["assign_entropy"] = hard_assignment_entropy(scores[0]);
    stats_["assign_entropy_max"] = std::log(static_cast<double>(std::min(b.size(), cfg_.prototypes)));
    stats_["embedding_similarity"] = mean_pairwise_cosine(embeddings[0].detach());
    stats_["code_max"] = ops::mean(ops::amax(codes[0], 1)).item();
    return swapped_prediction(scores, codes, o);
  }

  // SwAV keeps the prototypes fixed for the first iterations so that the
  // codes settle before the prototypes chase them.
  void before_step(int64_t step) override {
    if (step < freeze_iters_) model_.prototypes->weight.impl().grad.reset();
  }

  nn::NamedTensors extra_state() const override {
    if (!queue_.defined()) return {};
    return {{"swav.queue", queue_},
            {"swav.queue_ptr", scalar(static_cast<double>(queue_ptr_), DType::i64)},
            {"swav.queue_filled", scalar(static_cast<double>(queue_filled_), DType::i64)}};
  }
  void load_extra_state(const nn::NamedTensors& s) override {
    for (auto& [n, t] : s) {
      if (n == "swav.queue") {
        FB_CHECK(queue_.defined() && t.shape() == queue_.shape(), "swav: checkpoint queue has shape ",
                 shape_str(t.shape()), ", config gives ", queue_.defined() ? shape_str(queue_.shape()) : "no queue");
        copy_into(queue_, t);
      } else if (n == "swav.queue_ptr") {
        queue_ptr_ = static_cast<int64_t>(t.item());
      } else if (n == "swav.queue_filled") {
        queue_filled_ = static_cast<int64_t>(t.item());
      }
    }
  }

 private:
  // Sinkhorn's equipartition is over the global batch (and the queue, when it
  // is in use): across ranks, the scores of all ranks are gathered (in rank
  // order, i.e. global batch order), balanced as one with the queue's scores
  // in front, and this rank keeps its own rows.
  Tensor codes_of(const Tensor& scores, int view, bool with_queue, const SwavLossOptions& o) {
    if (!distributed() && !with_queue) return kernels::sinkhorn(scores, o.sinkhorn_eps, o.sinkhorn_iters);
    const int64_t rows = scores.size(0), r = distributed() ? comm_->rank() : 0;
    Tensor all = distributed() ? comm_->all_gather(scores) : scores;
    int64_t offset = 0;
    if (with_queue) {
      Tensor queued = matmul(queue_.select(0, view), transpose(model_.prototypes->weight.detach(), 0, 1));
      all = ops::cat({queued, all}, 0);
      offset = queued.size(0);
    }
    Tensor q = kernels::sinkhorn(all, o.sinkhorn_eps, o.sinkhorn_iters);
    return q.slice(0, offset + r * rows, offset + (r + 1) * rows).contiguous();
  }
  // The newest embeddings of the assignment views replace the oldest: the
  // whole global batch's, in its order, so every rank holds the same queue.
  void enqueue(const std::vector<Tensor>& embeddings, const std::vector<int>& views) {
    const int64_t len = queue_.size(1);
    int64_t n = 0;
    for (int v : views) {
      Tensor z = embeddings[static_cast<size_t>(v)].detach();
      if (distributed()) z = comm_->all_gather(z);
      n = z.size(0);
      ring_write(queue_.select(0, v), queue_ptr_, z);
    }
    queue_ptr_ = (queue_ptr_ + n) % len;
    queue_filled_ = std::min(queue_filled_ + n, len);
  }
  void normalize_prototypes() {
    autograd::NoGradGuard ng;
    Tensor& w = model_.prototypes->weight;
    copy_into(w, l2_normalize(w.detach()));
  }
  int64_t freeze_iters_;
  Tensor queue_;  // [assignment views, length, proj_out]
  int64_t queue_ptr_ = 0, queue_filled_ = 0;
};

class Moco : public Method {
 public:
  Moco(const Config& c, PretrainModel& m) : Method(c, m) {
    Generator gen(c.seed + 17);
    // Random unit keys until real ones arrive, drawn on the CPU so that every
    // device starts from the same queue.
    queue_ = l2_normalize(randn({c.queue, c.proj_out}, gen)).to(m.device());
  }

  Tensor loss(const data::Batch& b, int64_t) override {
    FB_CHECK(b.views.size() >= 2, "moco: needs two views per image");
    Tensor q = l2_normalize(model_.head->forward(model_.backbone->forward(b.views[0])));
    Tensor k;
    {
      autograd::NoGradGuard ng;
      k = l2_normalize(model_.key_head->forward(model_.key_backbone->forward(b.views[1])));
    }
    Tensor loss = info_nce(q, k, queue_, cfg_.contrastive_temperature);
    last_keys_ = k;
    {
      // Instance discrimination accuracy: the key of the same image beats every queued key.
      autograd::NoGradGuard ng;
      Tensor qd = q.detach();
      auto pos = ops::sum(ops::mul(qd, k), {1}).to(DType::f64).to_vector<double>();
      auto hardest = ops::amax(matmul(qd, transpose(queue_, 0, 1)), 1).to(DType::f64).to_vector<double>();
      int64_t hits = 0;
      for (size_t i = 0; i < pos.size(); ++i) hits += pos[i] > hardest[i];
      stats_["pos_top1"] = static_cast<double>(hits) / static_cast<double>(pos.size());
      stats_["embedding_similarity"] = mean_pairwise_cosine(qd);
    }
    return loss;
  }

  void after_step(int64_t) override {
    autograd::NoGradGuard ng;
    // Momentum update of the key encoder: theta_k = m theta_k + (1 - m) theta_q.
    auto update = [this](nn::Module& key, nn::Module& query) {
      auto kp = key.named_parameters(), qp = query.named_parameters();
      for (size_t i = 0; i < kp.size(); ++i) {
        mul_(kp[i].second, cfg_.key_momentum);
        add_(kp[i].second, qp[i].second.detach(), 1 - cfg_.key_momentum);
      }
    };
    update(*model_.key_backbone, *model_.backbone);
    update(*model_.key_head, *model_.head);
    // Enqueue the newest keys over the oldest: the whole global batch's, in
    // its order, so that every rank holds the queue one process would.
    Tensor keys = distributed() ? comm_->all_gather(last_keys_) : last_keys_;
    ring_write(queue_, ptr_, keys);
    ptr_ = (ptr_ + keys.size(0)) % queue_.size(0);
  }

  nn::NamedTensors extra_state() const override {
    return {{"moco.queue", queue_}, {"moco.queue_ptr", scalar(static_cast<double>(ptr_), DType::i64)}};
  }
  void load_extra_state(const nn::NamedTensors& s) override {
    for (auto& [n, t] : s) {
      if (n == "moco.queue") {
        FB_CHECK(t.shape() == queue_.shape(), "moco: checkpoint queue has shape ", shape_str(t.shape()),
                 ", config gives ", shape_str(queue_.shape()));
        copy_into(queue_, t);
      } else if (n == "moco.queue_ptr") {
        ptr_ = static_cast<int64_t>(t.item());
      }
    }
  }

 private:
  Tensor queue_, last_keys_;
  int64_t ptr_ = 0;
};

class SimClr : public Method {
 public:
  using Method::Method;
  Tensor loss(const data::Batch& b, int64_t) override {
    FB_CHECK(b.views.size() >= 2, "simclr: needs two views per image");
    auto f = features({b.views[0], b.views[1]}, *model_.backbone);
    Tensor z1 = l2_normalize(model_.head->forward(f[0])), z2 = l2_normalize(model_.head->forward(f[1]));
    // Across ranks every rank scores the whole global batch (its negatives),
    // and the gather's backward routes each rank its rows' gradient.
    if (distributed()) {
      z1 = nn::dist::all_gather(z1, *comm_);
      z2 = nn::dist::all_gather(z2, *comm_);
    }
    {
      // Instance discrimination accuracy: each view's nearest other view is its partner.
      autograd::NoGradGuard ng;
      Tensor z = ops::cat({z1.detach(), z2.detach()}, 0);
      const int64_t n2 = z.size(0);
      auto sim = matmul(z, transpose(z, 0, 1)).to(DType::f64).to_vector<double>();
      int64_t hits = 0;
      for (int64_t i = 0; i < n2; ++i) {
        int64_t best = -1;
        for (int64_t j = 0; j < n2; ++j)
          if (j != i && (best < 0 || sim[i * n2 + j] > sim[i * n2 + best])) best = j;
        hits += best == (i + n2 / 2) % n2;
      }
      stats_["pos_top1"] = static_cast<double>(hits) / static_cast<double>(n2);
      stats_["embedding_similarity"] = mean_pairwise_cosine(z1);
    }
    return nt_xent(z1, z2, cfg_.contrastive_temperature);
  }
};

}  // namespace

std::unique_ptr<Method> make_method(const Config& c, PretrainModel& m) {
  if (c.method == "supervised") return std::make_unique<Supervised>(c, m);
  if (c.method == "moco") return std::make_unique<Moco>(c, m);
  if (c.method == "simclr") return std::make_unique<SimClr>(c, m);
  return std::make_unique<Swav>(c, m, c.freeze_prototypes_iters);
}

data::Pipeline make_pipeline(const Config& c) {
  if (c.method == "supervised") return data::face_pipeline(static_cast<int>(c.res), 0.5f, 10.0f, 0.1f);
  if (c.method == "swav") {
    std::vector<int> sizes{static_cast<int>(c.res)}, counts{static_cast<int>(c.n_global)};
    std::vector<float> lo{static_cast<float>(c.global_scale_min)}, hi{1.0f};
    if (c.n_local > 0) {
      sizes.push_back(static_cast<int>(c.small_res));
      counts.push_back(static_cast<int>(c.n_local));
      lo.push_back(static_cast<float>(c.local_scale_min));
      hi.push_back(static_cast<float>(c.local_scale_max));
    }
    return data::swav_multicrop(sizes, counts, lo, hi, static_cast<float>(c.color_strength));
  }
  // MoCo v2 and SimCLR: two global views with the same distortions.
  return data::swav_multicrop({static_cast<int>(c.res)}, {2}, {static_cast<float>(c.global_scale_min)}, {1.0f},
                              static_cast<float>(c.color_strength));
}

}  // namespace fb::pretrain
