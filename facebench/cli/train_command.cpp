// facebench train: a small end-to-end demonstration of the runtime. It renders
// a labelled synthetic face set in memory and trains a ResNet on some images of
// each person: to recognise the identities (--task identity, accuracy on the
// held-out images) or to regress the 68 landmarks (--task landmarks, NME on the
// held-out images against the mean-shape baseline).
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/cli/commands.h"
#include "facebench/common/progress.h"
#include "facebench/synth/generator.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/optim.h"
#include "nn/resnet.h"

namespace fb::cli {

namespace {

struct TrainArgs {
  std::string task = "identity", arch = "resnet18", out, optimizer = "sgd";
  double width = 0.25, lr = 0.05, weight_decay = 5e-4;
  int64_t identities = 24, per_identity = 40, held_out = 8, size = 64, epochs = 20, batch = 32, warmup = 1;
  uint64_t seed = 0;
  int threads = 0;
};

// Images normalised with the ImageNet statistics the paper's models use.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.228f, 0.224f, 0.225f};

constexpr int64_t kPoints = 68;

struct Split {
  Tensor images;   // [N, S, S, 3] f32, normalised
  Tensor labels;   // [N] i64 identity
  Tensor targets;  // [N, 136] f32 landmarks (x, y) / size - 0.5
};

Split make_split(int64_t n, int64_t s) {
  return {Tensor::empty({n, s, s, 3}), Tensor::empty({n}, DType::i64), Tensor::empty({n, 2 * kPoints})};
}

// Renders every image once, in parallel; sample i is a pure function of i.
std::pair<Split, Split> render_dataset(const TrainArgs& a) {
  synth::Config cfg;
  cfg.mode = synth::Mode::Curated;
  cfg.identities = a.identities;
  cfg.per_identity = a.per_identity;
  cfg.size = static_cast<int>(a.size);
  cfg.seed = a.seed;
  synth::Generator gen(cfg);
  int64_t n = gen.size(), s = a.size;
  int64_t n_val = a.identities * a.held_out, n_train = n - n_val;
  Split train = make_split(n_train, s), val = make_split(n_val, s);
  app::Progress bar("render", n, "img");
  int64_t done = 0;
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < n; ++i) {
    synth::Sample smp = gen.sample(i);
    // The last `held_out` images of each identity are the validation split.
    bool is_val = smp.image_in_identity >= a.per_identity - a.held_out;
    int64_t id = smp.identity, k = smp.image_in_identity;
    int64_t row = is_val ? id * a.held_out + (k - (a.per_identity - a.held_out)) : id * (a.per_identity - a.held_out) + k;
    Split& dst = is_val ? val : train;
    float* px = dst.images.data<float>() + row * s * s * 3;
    for (int64_t p = 0; p < s * s * 3; ++p) px[p] = (smp.image.data[p] / 255.0f - kMean[p % 3]) / kStd[p % 3];
    dst.labels.data<int64_t>()[row] = id;
    float* t = dst.targets.data<float>() + row * 2 * kPoints;
    for (int64_t k = 0; k < kPoints; ++k) {
      t[2 * k] = smp.landmarks[k].x / static_cast<float>(s) - 0.5f;
      t[2 * k + 1] = smp.landmarks[k].y / static_cast<float>(s) - 0.5f;
    }
    int64_t now_done;
#pragma omp atomic capture
    now_done = ++done;
    if (omp_get_thread_num() == 0) bar.update(now_done);
  }
  bar.finish();
  return {train, val};
}

// Mirrors each image left-right with probability 1/2 (a face's identity is
// unchanged by a mirror), in place on an [N, S, S, 3] batch.
void random_flip(Tensor& x, Generator& gen) {
  int64_t n = x.size(0), s = x.size(1);
  float* p = x.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    if (gen.uniform() < 0.5) continue;
    for (int64_t r = 0; r < s; ++r) {
      float* row = p + (i * s + r) * s * 3;
      for (int64_t c = 0; c < s / 2; ++c)
        for (int k = 0; k < 3; ++k) std::swap(row[c * 3 + k], row[(s - 1 - c) * 3 + k]);
    }
  }
}

// Mean over images of the mean point-to-point error divided by the outer
// inter-ocular distance (points 36 and 45), in percent: 300W's NME.
double nme_percent(const Tensor& pred, const Tensor& truth) {
  auto p = pred.to_vector<double>(), t = truth.to_vector<double>();
  const int64_t n = truth.size(0);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
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
double heldout_metric(nn::ResNet& net, const Split& data, const TrainArgs& a) {
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

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainArgs& a, nn::ResNet& net) {
  if (a.optimizer == "sgd") return std::make_unique<nn::SGD>(net.parameters(), a.lr, nn::SGDOptions{0.9, 0, a.weight_decay, true});
  if (a.optimizer == "adamw") return std::make_unique<nn::AdamW>(net.parameters(), a.lr, nn::AdamWOptions{0.9, 0.999, 1e-8, a.weight_decay});
  auto named = net.named_parameters();
  return std::make_unique<nn::LARS>(net.parameters(), nn::lars_exclusions(named), a.lr,
                                    nn::LARSOptions{0.9, a.weight_decay, 1e-3, 1e-8});
}

void run_train(const TrainArgs& a) {
  FB_CHECK(a.per_identity > a.held_out && a.held_out >= 1, "train: --per-identity (", a.per_identity,
           ") must exceed --held-out (", a.held_out, ") and --held-out must be at least 1");
  FB_CHECK(a.identities >= 2 && a.size >= 32 && a.epochs >= 1 && a.batch >= 2, "train: need --identities >= 2, --size >= 32, --epochs >= 1, --batch >= 2");
  if (a.threads > 0) omp_set_num_threads(a.threads);
  auto [train, val] = render_dataset(a);
  std::fprintf(stderr, "data: %lld train / %lld held-out images of %lld identities, %lldx%lld\n",
               static_cast<long long>(train.images.size(0)), static_cast<long long>(val.images.size(0)),
               static_cast<long long>(a.identities), static_cast<long long>(a.size), static_cast<long long>(a.size));

  nn::manual_seed(a.seed);
  nn::ResNetConfig cfg;
  cfg.arch = a.arch;
  cfg.width = a.width;
  cfg.num_classes = a.task == "landmarks" ? 2 * kPoints : a.identities;
  cfg.small_input = a.size < 64;  // keep small images from vanishing in the strided stem
  auto net = nn::make_resnet(cfg);
  auto opt = make_optimizer(a, *net);
  Generator shuffle(a.seed + 1);

  int64_t n = train.images.size(0);
  int64_t steps_per_epoch = n / a.batch;  // drop the last partial batch (batch norm needs > 1)
  int64_t total = steps_per_epoch * a.epochs, step = 0;
  nlohmann::json log = nlohmann::json::array();
  const bool landmarks = a.task == "landmarks";
  if (landmarks) {
    // The baseline: predict the training set's mean shape for every image.
    Tensor mean_shape = ops::mean(train.targets, {0}, true).expand(val.targets.shape()).contiguous();
    std::printf("held-out NME of the mean shape: %.2f %%\n", nme_percent(mean_shape, val.targets));
    std::printf("epoch  train_loss  heldout_nme%%  img/s\n");
  } else {
    std::printf("epoch  train_loss  train_acc  heldout_acc  img/s   (chance %.3f)\n", 1.0 / a.identities);
  }
  for (int64_t epoch = 0; epoch < a.epochs; ++epoch) {
    Tensor order = randperm(n, shuffle);
    app::Progress bar("epoch " + std::to_string(epoch + 1), steps_per_epoch, "step");
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (int64_t s = 0; s < steps_per_epoch; ++s, ++step) {
      opt->set_lr(nn::cosine_with_warmup(step, total, a.warmup * steps_per_epoch, a.lr, a.lr * 0.1, 0.0));
      Tensor idx = order.slice(0, s * a.batch, (s + 1) * a.batch);
      Tensor x = ops::index_select(train.images, 0, idx);
      if (!landmarks) random_flip(x, shuffle);  // a mirror would also need the landmark permutation
      Tensor y = ops::index_select(train.labels, 0, idx);
      Tensor logits = net->forward(x);
      Tensor loss = landmarks ? mse_loss(logits, ops::index_select(train.targets, 0, idx)) : cross_entropy(logits, y);
      FB_CHECK(std::isfinite(loss.item()), "train: loss became ", loss.item(), " at step ", step,
               " (try a smaller --lr)");
      opt->zero_grad();
      autograd::backward(loss);
      opt->step();
      loss_sum += loss.item();
      auto p = ops::argmax(logits.detach(), 1).to_vector<int64_t>();
      auto l = y.to_vector<int64_t>();
      for (size_t i = 0; i < p.size(); ++i) correct += p[i] == l[i];
      seen += static_cast<int64_t>(p.size());
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
                     {"images_per_s", ips}});
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
    checkpoint::save_safetensors(a.out + "/model.safetensors", net->state_dict(),
                                 {{"arch", a.arch}, {"width", std::to_string(a.width)},
                                  {"num_classes", std::to_string(cfg.num_classes)}, {"task", a.task}});
    std::ofstream(a.out + "/metrics.json") << log.dump(2) << "\n";
    std::fprintf(stderr, "wrote %s/model.safetensors and %s/metrics.json\n", a.out.c_str(), a.out.c_str());
  }
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Demo: train a ResNet on synthetic faces (identities or landmarks) and report held-out results");
  cmd->add_option("--task", a->task, "identity: classify the people; landmarks: regress the 68 points")
      ->check(CLI::IsMember({"identity", "landmarks"}))
      ->capture_default_str();
  cmd->add_option("--arch", a->arch, "Architecture")
      ->check(CLI::IsMember({"resnet18", "resnet34", "resnet50"}))
      ->capture_default_str();
  cmd->add_option("--width", a->width, "Channel width multiplier")->capture_default_str();
  cmd->add_option("--identities", a->identities, "Number of synthetic people (classes)")->capture_default_str();
  cmd->add_option("--per-identity", a->per_identity, "Images rendered per person")->capture_default_str();
  cmd->add_option("--held-out", a->held_out, "Images per person kept for evaluation")->capture_default_str();
  cmd->add_option("--size", a->size, "Image side in pixels")->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Training epochs")->capture_default_str();
  cmd->add_option("--batch", a->batch, "Batch size")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "Optimizer")
      ->check(CLI::IsMember({"sgd", "adamw", "lars"}))
      ->capture_default_str();
  cmd->add_option("--lr", a->lr, "Peak learning rate (linear warm-up, then cosine)")->capture_default_str();
  cmd->add_option("--weight-decay", a->weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Warm-up epochs")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed for data, initialisation and shuffling")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--out", a->out, "Folder for model.safetensors and metrics.json");
  cmd->callback([a] { run_train(*a); });
}

}  // namespace fb::cli
