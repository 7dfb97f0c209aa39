// facebench train: a small end-to-end demonstration of the runtime. It renders
// a labelled synthetic face set in memory and trains a ResNet:
// - --task identity: recognise the people from some images of each; accuracy
//   on their other (held-out) images.
// - --task landmarks: locate the 68 points with the paper's heatmap decoder
//   (deconvolutions on C5, soft-argmax, L1 on the coordinates); NME on images
//   of people never seen in training, against the mean-shape baseline.
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "facebench/common/progress.h"
#include "facebench/data/layouts.h"
#include "facebench/synth/generator.h"
#include "facebench/tasks/heads.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/optim.h"
#include "nn/resnet.h"

namespace fb::cli {

namespace {

struct TrainArgs {
  std::string task = "identity", arch = "resnet18", out, optimizer = "sgd";
  double width = 0.25, lr = 0.05, weight_decay = 5e-4;
  int64_t identities = 24, per_identity = 40, held_out = 8, size = 64, epochs = 20, batch = 32, warmup = 1;
  int64_t val_identities = 32, head_channels = 32;  // landmarks only
  uint64_t seed = 0;
  int threads = 0;
};

// --task landmarks changes the defaults of the options the user did not set:
// many people with few images each (identity does not matter for landmarks,
// variety does), and AdamW, which trains the decoder from scratch reliably.
struct LandmarkDefaults {
  int64_t identities = 1000, per_identity = 8, held_out = 8, size = 64, epochs = 12, batch = 32;
  std::string optimizer = "adamw";
  double lr = 2e-3, weight_decay = 1e-4;
};

// Images normalised with the ImageNet statistics the paper's models use.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.228f, 0.224f, 0.225f};

constexpr int64_t kPoints = 68;

struct Split {
  Tensor images;   // [N, S, S, 3] f32, normalised
  Tensor labels;   // [N] i64 identity
  Tensor targets;  // [N, 68, 2] f32 landmarks (x, y) in pixels, pixel centres at integers
};

Split make_split(int64_t n, int64_t s) {
  return {Tensor::empty({n, s, s, 3}), Tensor::empty({n}, DType::i64), Tensor::empty({n, kPoints, 2})};
}

void store_sample(Split& dst, int64_t row, const synth::Sample& smp, int64_t s) {
  float* px = dst.images.data<float>() + row * s * s * 3;
  for (int64_t p = 0; p < s * s * 3; ++p) px[p] = (smp.image.data[p] / 255.0f - kMean[p % 3]) / kStd[p % 3];
  dst.labels.data<int64_t>()[row] = smp.identity;
  float* t = dst.targets.data<float>() + row * 2 * kPoints;
  for (int64_t k = 0; k < kPoints; ++k) {
    t[2 * k] = smp.landmarks[k].x;
    t[2 * k + 1] = smp.landmarks[k].y;
  }
}

// Renders every sample of `gen` in parallel into the row that row_of(sample) names.
template <typename RowOf>
void render_into(const synth::Generator& gen, const std::string& label, int64_t s, RowOf row_of) {
  app::Progress bar(label, gen.size(), "img");
  int64_t done = 0;
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < gen.size(); ++i) {
    synth::Sample smp = gen.sample(i);
    auto [dst, row] = row_of(smp);
    store_sample(*dst, row, smp, s);
    int64_t now_done;
#pragma omp atomic capture
    now_done = ++done;
    if (omp_get_thread_num() == 0) bar.update(now_done);
  }
  bar.finish();
}

synth::Config curated(const TrainArgs& a, int64_t identities, int64_t per_identity, int64_t first_identity,
                      uint64_t seed) {
  synth::Config cfg;
  cfg.mode = synth::Mode::Curated;
  cfg.identities = identities;
  cfg.per_identity = per_identity;
  cfg.size = static_cast<int>(a.size);
  cfg.seed = seed;
  cfg.first_identity = first_identity;
  return cfg;
}

// Identity task: the last `held_out` images of each identity are the
// validation split. Renders every image once; sample i is a pure function of i.
std::pair<Split, Split> render_identity_splits(const TrainArgs& a) {
  synth::Generator gen(curated(a, a.identities, a.per_identity, 0, a.seed));
  int64_t n_val = a.identities * a.held_out, n_train = gen.size() - n_val, kept = a.per_identity - a.held_out;
  Split train = make_split(n_train, a.size), val = make_split(n_val, a.size);
  render_into(gen, "render", a.size, [&](const synth::Sample& smp) {
    int64_t id = smp.identity, k = smp.image_in_identity;
    return k >= kept ? std::pair<Split*, int64_t>{&val, id * a.held_out + (k - kept)}
                     : std::pair<Split*, int64_t>{&train, id * kept + k};
  });
  return {train, val};
}

// Landmark task: training on `identities` people, validation on
// `val_identities` others (ids after the training ones), so the held-out NME
// measures faces the network has never seen.
std::pair<Split, Split> render_landmark_splits(const TrainArgs& a) {
  synth::Generator train_gen(curated(a, a.identities, a.per_identity, 0, a.seed));
  // A different scene seed too: with the same one, validation image i would
  // share pose, expression, light and background with training image i.
  synth::Generator val_gen(curated(a, a.val_identities, a.held_out, a.identities, a.seed ^ 0x5eedf00dULL));
  Split train = make_split(train_gen.size(), a.size), val = make_split(val_gen.size(), a.size);
  render_into(train_gen, "render train", a.size,
              [&](const synth::Sample& smp) { return std::pair<Split*, int64_t>{&train, smp.index}; });
  render_into(val_gen, "render held-out", a.size,
              [&](const synth::Sample& smp) { return std::pair<Split*, int64_t>{&val, smp.index}; });
  return {train, val};
}

// Mirrors each image left-right with probability 1/2, in place on an
// [N, S, S, 3] batch. A face's identity is unchanged by a mirror; its
// landmarks (when `points` [N, 68, 2] is given) move to x' = S - 1 - x and are
// renumbered, since the left eye's points now mark the right eye.
void random_flip(Tensor& x, Generator& gen, Tensor* points = nullptr) {
  int64_t n = x.size(0), s = x.size(1);
  float* p = x.data<float>();
  const std::vector<int>& perm = data::flip_permutation(data::LandmarkLayout::Ibug68);
  for (int64_t i = 0; i < n; ++i) {
    if (gen.uniform() < 0.5) continue;
    for (int64_t r = 0; r < s; ++r) {
      float* row = p + (i * s + r) * s * 3;
      for (int64_t c = 0; c < s / 2; ++c)
        for (int k = 0; k < 3; ++k) std::swap(row[c * 3 + k], row[(s - 1 - c) * 3 + k]);
    }
    if (!points) continue;
    float* pt = points->data<float>() + i * 2 * kPoints;
    std::vector<float> old(pt, pt + 2 * kPoints);
    for (int64_t k = 0; k < kPoints; ++k) {
      pt[2 * k] = float(s - 1) - old[size_t(2 * perm[size_t(k)])];
      pt[2 * k + 1] = old[size_t(2 * perm[size_t(k)] + 1)];
    }
  }
}

// Backbone + heatmap decoder; state dict names "backbone.*" and "head.*".
class LandmarkModel : public nn::Module {
 public:
  LandmarkModel(const nn::ResNetConfig& cfg, int64_t head_channels) {
    backbone = register_module("backbone", nn::make_resnet(cfg));
    head = register_module("head", std::make_shared<tasks::HeatmapHead>(backbone->feature_dim(), kPoints,
                                                                        head_channels, 3));
  }
  // Images [N, S, S, 3] -> landmarks [N, 68, 2] in input pixels.
  Tensor forward(const Tensor& x) override {
    Tensor maps = head->forward(backbone->forward_maps(x));
    // Exact when S is a multiple of the maps' size; the cell-centre rule of heads.h holds for any stride.
    return tasks::soft_argmax(maps, double(x.size(1)) / double(maps.size(1)));
  }
  std::shared_ptr<nn::ResNet> backbone;
  std::shared_ptr<tasks::HeatmapHead> head;
};

// Mean over images of the mean point-to-point error divided by the outer
// inter-ocular distance (points 36 and 45), in percent: 300W's NME.
double nme_percent(const Tensor& pred, const Tensor& truth) {
  auto p = pred.to_vector<double>(), t = truth.to_vector<double>();
  const int64_t n = truth.size(0);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    // Both are [N, 68, 2] (any scale: the ratio is scale-free).
    const double* pi = p.data() + i * 2 * kPoints;
    const double* ti = t.data() + i * 2 * kPoints;
    double iod = std::hypot(ti[2 * 36] - ti[2 * 45], ti[2 * 36 + 1] - ti[2 * 45 + 1]);
    double err = 0;
    for (int64_t k = 0; k < kPoints; ++k) err += std::hypot(pi[2 * k] - ti[2 * k], pi[2 * k + 1] - ti[2 * k + 1]);
    total += err / kPoints / std::max(iod, 1e-9);
  }
  return 100.0 * total / std::max<int64_t>(n, 1);
}

// Held-out accuracy (identity) or NME % (landmarks).
double heldout_metric(nn::Module& net, const Split& data, const TrainArgs& a) {
  autograd::NoGradGuard ng;
  net.eval();
  int64_t n = data.images.size(0), correct = 0;
  std::vector<Tensor> outputs;
  for (int64_t b = 0; b < n; b += a.batch) {
    int64_t e = std::min(n, b + a.batch);
    Tensor out = net.forward(data.images.slice(0, b, e));
    if (a.task == "landmarks") {
      outputs.push_back(out);
      continue;
    }
    auto p = ops::argmax(out, 1).to_vector<int64_t>();
    auto l = data.labels.slice(0, b, e).to_vector<int64_t>();
    for (size_t i = 0; i < p.size(); ++i) correct += p[i] == l[i];
  }
  net.train();
  if (a.task == "landmarks") return nme_percent(ops::cat(outputs, 0), data.targets);
  return static_cast<double>(correct) / std::max<int64_t>(n, 1);
}

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainArgs& a, nn::Module& net) {
  if (a.optimizer == "sgd") return std::make_unique<nn::SGD>(net.parameters(), a.lr, nn::SGDOptions{0.9, 0, a.weight_decay, true});
  if (a.optimizer == "adamw") return std::make_unique<nn::AdamW>(net.parameters(), a.lr, nn::AdamWOptions{0.9, 0.999, 1e-8, a.weight_decay});
  auto named = net.named_parameters();
  return std::make_unique<nn::LARS>(net.parameters(), nn::lars_exclusions(named), a.lr,
                                    nn::LARSOptions{0.9, a.weight_decay, 1e-3, 1e-8});
}

void run_train(const TrainArgs& a) {
  const bool landmarks = a.task == "landmarks";
  if (landmarks) {
    FB_CHECK(a.per_identity >= 1 && a.held_out >= 1 && a.val_identities >= 1,
             "train: --per-identity, --held-out and --val-identities must be at least 1");
  } else {
    FB_CHECK(a.per_identity > a.held_out && a.held_out >= 1, "train: --per-identity (", a.per_identity,
             ") must exceed --held-out (", a.held_out, ") and --held-out must be at least 1");
  }
  FB_CHECK(a.identities >= 2 && a.size >= 32 && a.epochs >= 1 && a.batch >= 2, "train: need --identities >= 2, --size >= 32, --epochs >= 1, --batch >= 2");
  FB_CHECK(a.head_channels >= 1, "train: --head-channels must be at least 1");
  if (a.threads > 0) omp_set_num_threads(a.threads);
  auto [train, val] = landmarks ? render_landmark_splits(a) : render_identity_splits(a);
  std::fprintf(stderr, "data: %lld train images of %lld identities, %lld held-out images of %lld %s, %lldx%lld\n",
               static_cast<long long>(train.images.size(0)), static_cast<long long>(a.identities),
               static_cast<long long>(val.images.size(0)),
               static_cast<long long>(landmarks ? a.val_identities : a.identities),
               landmarks ? "other identities" : "the same identities", static_cast<long long>(a.size),
               static_cast<long long>(a.size));

  nn::manual_seed(a.seed);
  nn::ResNetConfig cfg;
  cfg.arch = a.arch;
  cfg.width = a.width;
  cfg.num_classes = landmarks ? 0 : a.identities;
  cfg.small_input = a.size < 64;  // keep small images from vanishing in the strided stem
  std::shared_ptr<nn::Module> net;
  if (landmarks) {
    net = std::make_shared<LandmarkModel>(cfg, a.head_channels);
  } else {
    net = nn::make_resnet(cfg);
  }
  auto opt = make_optimizer(a, *net);
  Generator shuffle(a.seed + 1);

  int64_t n = train.images.size(0);
  int64_t steps_per_epoch = n / a.batch;  // drop the last partial batch (batch norm needs > 1)
  FB_CHECK(steps_per_epoch >= 1, "train: ", n, " training images are fewer than one batch of ", a.batch);
  int64_t total = steps_per_epoch * a.epochs, step = 0;
  nlohmann::json log = nlohmann::json::array();
  double baseline_nme = 0;
  if (landmarks) {
    // The baseline: predict the training set's mean shape for every image.
    Tensor mean_shape = ops::mean(train.targets, {0}, true).expand(val.targets.shape()).contiguous();
    baseline_nme = nme_percent(mean_shape, val.targets);
    std::printf("held-out NME of the mean shape: %.2f %%\n", baseline_nme);
    std::printf("epoch  train_loss  heldout_nme%%  img/s\n");
  } else {
    std::printf("epoch  train_loss  train_acc  heldout_acc  img/s   (chance %.3f)\n", 1.0 / a.identities);
  }
  const Tensor all_points = ones({a.batch, kPoints});
  const double inv_size = 1.0 / double(a.size);
  for (int64_t epoch = 0; epoch < a.epochs; ++epoch) {
    Tensor order = randperm(n, shuffle);
    app::Progress bar("epoch " + std::to_string(epoch + 1), steps_per_epoch, "step");
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
      opt->set_lr(nn::cosine_with_warmup(step, total, a.warmup * steps_per_epoch, a.lr, a.lr * 0.1, 0.0));
      Tensor idx = order.slice(0, s * a.batch, (s + 1) * a.batch);
      Tensor x = ops::index_select(train.images, 0, idx);
      Tensor y = ops::index_select(train.labels, 0, idx);
      Tensor loss, logits;
      if (landmarks) {
        Tensor points = ops::index_select(train.targets, 0, idx);
        random_flip(x, shuffle, &points);
        // L1 in units of the image side, so the loss and its scale do not depend on --size.
        loss = tasks::landmark_l1_loss(mul_scalar(net->forward(x), inv_size), ops::mul_scalar(points, inv_size),
                                       all_points);
      } else {
        random_flip(x, shuffle);
        logits = net->forward(x);
        loss = cross_entropy(logits, y);
      }
      FB_CHECK(std::isfinite(loss.item()), "train: loss became ", loss.item(), " at step ", step,
               " (try a smaller --lr)");
      opt->zero_grad();
      autograd::backward(loss);
      opt->step();
      loss_sum += loss.item();
      if (!landmarks) {
        auto p = ops::argmax(logits.detach(), 1).to_vector<int64_t>();
        auto l = y.to_vector<int64_t>();
        for (size_t i = 0; i < p.size(); ++i) correct += p[i] == l[i];
      }
      seen += a.batch;
      char status[64];
      std::snprintf(status, sizeof status, "loss %.3f lr %.4f", loss_sum / (s + 1), opt->lr());
      bar.update(s + 1, status);
    }
    bar.finish();
    double ips = seen / bar.elapsed_seconds();
    double metric = heldout_metric(*net, val, a);
    double train_loss = loss_sum / steps_per_epoch, train_acc = static_cast<double>(correct) / seen;
    if (landmarks) {
      std::printf("%5lld  %10.5f  %12.2f  %5.1f\n", static_cast<long long>(epoch + 1), train_loss, metric, ips);
      log.push_back({{"epoch", epoch + 1}, {"train_loss", train_loss}, {"heldout_nme_percent", metric},
                     {"mean_shape_nme_percent", baseline_nme}, {"images_per_s", ips}});
    } else {
      std::printf("%5lld  %10.4f  %9.3f  %11.3f  %5.1f\n", static_cast<long long>(epoch + 1), train_loss, train_acc,
                  metric, ips);
      log.push_back({{"epoch", epoch + 1}, {"train_loss", train_loss}, {"train_acc", train_acc},
                     {"heldout_acc", metric}, {"images_per_s", ips}});
    }
    std::fflush(stdout);
  }
  if (!a.out.empty()) {
    std::filesystem::create_directories(a.out);
    std::map<std::string, std::string> meta = {{"arch", a.arch}, {"width", std::to_string(a.width)},
                                               {"num_classes", std::to_string(cfg.num_classes)}, {"task", a.task}};
    if (landmarks) meta["head_channels"] = std::to_string(a.head_channels);
    checkpoint::save_safetensors(a.out + "/model.safetensors", net->state_dict(), meta);
    std::ofstream(a.out + "/metrics.json") << log.dump(2) << "\n";
    std::fprintf(stderr, "wrote %s/model.safetensors and %s/metrics.json\n", a.out.c_str(), a.out.c_str());
  }
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Demo: train a ResNet on synthetic faces (identities or landmarks) and report held-out results");
  cmd->add_option("--task", a->task,
                  "identity: classify the people; landmarks: locate the 68 points with a heatmap head (soft-argmax), "
                  "evaluated on other people; its defaults differ where marked [landmarks: ...]")
      ->check(CLI::IsMember({"identity", "landmarks"}))
      ->capture_default_str();
  const LandmarkDefaults ld;
  auto lm = [](auto v) { return " [landmarks: " + std::to_string(v) + "]"; };
  cmd->add_option("--arch", a->arch, "Architecture")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--width", a->width, "Channel width multiplier")->capture_default_str();
  cmd->add_option("--identities", a->identities, "Number of synthetic people (classes)" + lm(ld.identities))
      ->capture_default_str();
  cmd->add_option("--per-identity", a->per_identity, "Images rendered per person" + lm(ld.per_identity))
      ->capture_default_str();
  cmd->add_option("--held-out", a->held_out,
                  "Images per person kept for evaluation (landmarks: images per held-out person)" + lm(ld.held_out))
      ->capture_default_str();
  cmd->add_option("--val-identities", a->val_identities,
                  "landmarks: people, other than the training ones, whose images measure the held-out NME")
      ->capture_default_str();
  cmd->add_option("--head-channels", a->head_channels, "landmarks: channels of the heatmap head's deconvolutions")
      ->capture_default_str();
  cmd->add_option("--size", a->size, "Image side in pixels" + lm(ld.size))->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Training epochs" + lm(ld.epochs))->capture_default_str();
  cmd->add_option("--batch", a->batch, "Batch size" + lm(ld.batch))->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "Optimizer [landmarks: " + ld.optimizer + "]")
      ->check(CLI::IsMember({"sgd", "adamw", "lars"}))
      ->capture_default_str();
  cmd->add_option("--lr", a->lr, "Peak learning rate (linear warm-up, then cosine)" + lm(ld.lr))
      ->capture_default_str();
  cmd->add_option("--weight-decay", a->weight_decay, "Weight decay" + lm(ld.weight_decay))->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Warm-up epochs")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed for data, initialisation and shuffling")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--out", a->out, "Folder for model.safetensors and metrics.json");
  cmd->callback([a, cmd] {
    if (a->task == "landmarks") {
      // Landmark defaults for every option left unset on the command line.
      const LandmarkDefaults d;
      auto unset = [cmd](const char* name) { return cmd->count(name) == 0; };
      if (unset("--identities")) a->identities = d.identities;
      if (unset("--per-identity")) a->per_identity = d.per_identity;
      if (unset("--held-out")) a->held_out = d.held_out;
      if (unset("--size")) a->size = d.size;
      if (unset("--epochs")) a->epochs = d.epochs;
      if (unset("--batch")) a->batch = d.batch;
      if (unset("--optimizer")) a->optimizer = d.optimizer;
      if (unset("--lr")) a->lr = d.lr;
      if (unset("--weight-decay")) a->weight_decay = d.weight_decay;
    }
    run_train(*a);
  });
}

}  // namespace fb::cli
