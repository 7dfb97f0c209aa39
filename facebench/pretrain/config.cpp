#include "facebench/pretrain/config.h"

#include <cstdint>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "tensor/error.h"

namespace fb::pretrain {

// One list of fields drives both directions of the JSON mapping.
#define FB_PRETRAIN_FIELDS(X)                                                                                \
  X(method) X(data) X(identities) X(per_identity) X(image_size) X(arch) X(width) X(small_input) X(res)        \
  X(small_res) X(n_global) X(n_local) X(global_scale_min) X(local_scale_min) X(local_scale_max) X(color_strength) X(optimizer)  \
  X(epochs) X(batch) X(ref_batch) X(base_lr) X(final_lr_fraction) X(warmup_start_fraction) X(weight_decay) X(momentum)      \
  X(warmup_epochs) X(lars_adapt_all) X(grad_clip) X(proj_hidden) X(proj_out) X(prototypes) X(temperature) X(sinkhorn_eps)      \
  X(sinkhorn_iters) X(freeze_prototypes_iters) X(swav_queue) X(swav_queue_start_epoch) X(queue) X(key_momentum) X(contrastive_temperature)           \
  X(supervised_loss) X(arcface_s) X(arcface_m) X(sync_bn) X(device) X(precision) X(cuda_backend) X(seed) X(workers) X(checkpoint_every) X(max_steps)

nlohmann::json to_json(const Config& c) {
  nlohmann::json j;
#define X(f) j[#f] = c.f;
  FB_PRETRAIN_FIELDS(X)
#undef X
  return j;
}

namespace {
// One field from JSON. Integer fields take only integral JSON numbers within
// the field's range: nlohmann's own conversion casts a float such as 1e300 (or
// -1.5 into the unsigned seed) unchecked, which is undefined behaviour.
template <typename T>
void read_field(const nlohmann::json& v, const char* key, T& out) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    bool fits = false;
    if (v.is_number_unsigned())
      fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    else if (v.is_number_integer())
      fits = v.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             (v.get<int64_t>() < 0 || static_cast<uint64_t>(v.get<int64_t>()) <= static_cast<uint64_t>(std::numeric_limits<T>::max()));
    FB_CHECK(fits, "pretrain config: '", key, "' must be an integer from ", +std::numeric_limits<T>::min(), " to ",
             +std::numeric_limits<T>::max(), ", got ", v.dump());
  }
  v.get_to(out);
}
}  // namespace

Config from_json(const nlohmann::json& j, Config c) {
  FB_CHECK(j.is_object(), "pretrain config: expected a JSON object");
  nlohmann::json known = to_json(c);
  for (auto it = j.begin(); it != j.end(); ++it)
    FB_CHECK(known.contains(it.key()), "pretrain config: unknown key '", it.key(), "'");
  try {
#define X(f) \
  if (j.contains(#f)) read_field(j.at(#f), #f, c.f);
    FB_PRETRAIN_FIELDS(X)
#undef X
  } catch (const nlohmann::json::exception& e) {
    FB_FAIL("pretrain config: ", e.what());
  }
  return c;
}

Config preset(const std::string& name) {
  Config c;
  if (name == "paper") return c;
  FB_CHECK(name == "smoke", "unknown preset '", name, "' (expected paper or smoke)");
  c.identities = 48;
  c.per_identity = 8;
  c.image_size = 96;
  c.arch = "resnet18";
  c.width = 0.25;
  c.res = 64;
  c.small_res = 32;
  c.n_local = 2;
  // MoCo's loss only starts to fall after its queue has filled and the key
  // encoder has moved: 12 epochs (144 steps) show it; 4 did not.
  c.epochs = 12;
  c.batch = 32;
  // LARS's step is lr * trust * ||w|| / ||g||: scaled linearly down to a batch
  // of 32 it would barely move the weights, so the smoke run keeps the
  // paper's per-step rate (4.8) instead.
  c.ref_batch = 32;
  c.warmup_epochs = 1;
  // SimCLR's LARS steps batch-norm parameters and biases at the plain learning
  // rate. Kept at the paper's 4.8 for a batch of 32 that is ~128x the linearly
  // scaled rate, and those parameters shift every embedding alike: MoCo's
  // queries aligned (mean cosine 0.96-0.98) within 20 steps. Adapting every
  // parameter, as SwAV's LARC does, keeps them apart, and SwAV, SimCLR and
  // supervised runs end at an equal or lower loss (facebench/pretrain/README.md).
  c.lars_adapt_all = true;
  c.proj_hidden = 256;
  c.proj_out = 64;
  // Small images and short runs: SimCLR's colour strength for CIFAR-10 (0.5;
  // at the paper's 1.0 every SwAV variant tried collapsed, and the synthetic
  // people differ largely in colour), and SwAV at the temperature and
  // prototype count that keep its loss off ln K at this scale (measured in
  // facebench/pretrain/README.md).
  c.color_strength = 0.5;
  c.temperature = 0.5;
  c.prototypes = 30;
  // Four batches: the queue holds real keys from the fifth step on, and no
  // image's own earlier key (the data is 384 images).
  c.queue = 128;
  c.key_momentum = 0.99;
  c.arcface_s = 16;
  return c;
}

void validate(const Config& c) {
  FB_CHECK(c.method == "supervised" || c.method == "swav" || c.method == "moco" || c.method == "simclr",
           "pretrain: --method must be supervised, swav, moco or simclr, got '", c.method, "'");
  FB_CHECK(c.optimizer == "lars" || c.optimizer == "sgd" || c.optimizer == "adamw",
           "pretrain: --optimizer must be lars, sgd or adamw, got '", c.optimizer, "'");
  FB_CHECK(c.supervised_loss == "softmax" || c.supervised_loss == "arcface",
           "pretrain: supervised_loss must be softmax or arcface");
  FB_CHECK(c.base_lr > 0 && c.warmup_start_fraction >= 0 && c.final_lr_fraction >= 0,
           "pretrain: base_lr must be > 0 and the warm-up start and final learning-rate fractions >= 0");
  FB_CHECK(c.epochs >= 1 && c.batch >= 2 && c.ref_batch >= 1, "pretrain: need epochs >= 1, batch >= 2, ref_batch >= 1");
  FB_CHECK(c.res >= 16 && c.small_res >= 16, "pretrain: crop sizes must be at least 16 px");
  FB_CHECK(c.color_strength >= 0 && c.color_strength <= 1.25, "pretrain: color_strength must lie in [0, 1.25], got ",
           c.color_strength);
  FB_CHECK(c.n_global >= 1 && c.n_local >= 0, "pretrain: need n_global >= 1 and n_local >= 0");
  FB_CHECK(c.method == "supervised" || c.n_global + c.n_local >= 2,
           "pretrain: self-supervised methods need at least two views");
  FB_CHECK(c.method != "moco" || c.queue >= c.batch, "pretrain: the MoCo queue (", c.queue,
           ") must hold at least one batch (", c.batch, ")");
  FB_CHECK(c.swav_queue == 0 || c.swav_queue >= c.batch, "pretrain: the SwAV queue (", c.swav_queue,
           ") must be 0 (off) or hold at least one batch (", c.batch, ")");
  FB_CHECK(c.swav_queue >= 0 && c.swav_queue_start_epoch >= 0, "pretrain: swav_queue and swav_queue_start_epoch must be >= 0");
  FB_CHECK(c.prototypes >= 2 && c.proj_out >= 2 && c.proj_hidden >= 2, "pretrain: head sizes must be >= 2");
  FB_CHECK(c.temperature > 0 && c.contrastive_temperature > 0 && c.sinkhorn_eps > 0, "pretrain: temperatures > 0");
  FB_CHECK(c.key_momentum >= 0 && c.key_momentum < 1, "pretrain: key_momentum must be in [0, 1)");
  FB_CHECK(c.device == "cpu" || c.device == "cuda", "pretrain: --device must be cpu or cuda, got '", c.device, "'");
  FB_CHECK(c.precision == "f32" || c.precision == "bf16", "pretrain: --precision must be f32 or bf16, got '",
           c.precision, "'");
  FB_CHECK(c.cuda_backend == "own" || c.cuda_backend == "vendor", "pretrain: --cuda-backend must be own or vendor, got '",
           c.cuda_backend, "'");
  FB_CHECK(c.data.rfind("synth:", 0) == 0, "pretrain: --data '", c.data,
           "' is not supported (expected synth:curated, synth:uncurated or synth:video)");
}

void check_dist_device(const std::string& device, const std::string& dist) {
  FB_CHECK(dist != "mpi" || device == "cpu", "pretrain: --dist mpi reduces CPU tensors, but --device is ", device,
           "; use --dist nccl for GPUs");
  FB_CHECK(dist != "nccl" || device == "cuda", "pretrain: --dist nccl reduces GPU tensors, but --device is ", device,
           "; use --device cuda with it, or --dist mpi for CPU processes");
}

}  // namespace fb::pretrain
