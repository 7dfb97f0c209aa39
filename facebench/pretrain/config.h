#pragma once
// Every hyper-parameter of a pre-training run, with the paper's recipe as the
// defaults (../PROTOCOL.md: SwAV on faces, from the official code) and a
// "smoke" preset small enough for a laptop CPU. A run records its full config
// as JSON next to its checkpoints; `--config FILE` reads one back.
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace fb::pretrain {

struct Config {
  std::string method = "swav";  // supervised | swav | moco | simclr
  // Data: "synth:curated", "synth:uncurated" or "synth:video" (rendered in memory).
  std::string data = "synth:uncurated";
  int64_t identities = 1000, per_identity = 20;  // synthetic data size
  int64_t image_size = 256;                      // synthetic render size
  // Backbone.
  std::string arch = "resnet50";
  double width = 1.0;
  bool small_input = false;
  // Views: n_global crops of res (scale global_min..1), n_local of small_res.
  int64_t res = 224, small_res = 96, n_global = 2, n_local = 6;
  double global_scale_min = 0.14, local_scale_min = 0.05, local_scale_max = 0.14;
  // Colour jitter strength (brightness/contrast/saturation 0.8 s, hue 0.2 s).
  double color_strength = 1.0;
  // Optimisation (SGD momentum in LARS; lr = base_lr * batch / ref_batch).
  // The warm-up starts at, and the cosine ends at, fractions of that peak
  // (the paper's 0.3 and 0.0048 for 4.8), so that they follow --base-lr and
  // any optimizer's scale.
  std::string optimizer = "lars";  // lars | sgd | adamw
  int64_t epochs = 400, batch = 256, ref_batch = 4096;
  double base_lr = 4.8, final_lr_fraction = 0.001, warmup_start_fraction = 0.0625, weight_decay = 1e-6, momentum = 0.9;
  int64_t warmup_epochs = 10;
  // LARS leaves batch-norm parameters and biases out of its trust-ratio
  // adaptation and weight decay (SimCLR's LARS) unless this is set, when every
  // parameter is adapted (SwAV's LARC wraps the whole optimizer so).
  bool lars_adapt_all = false;
  double grad_clip = 0.0;  // max global L2 norm; 0 = off
  // Heads.
  int64_t proj_hidden = 2048, proj_out = 128;
  // SwAV.
  int64_t prototypes = 3000;
  double temperature = 0.1, sinkhorn_eps = 0.05;
  int sinkhorn_iters = 3;
  int64_t freeze_prototypes_iters = -1;  // -1: the first epoch's iterations
  // Embeddings of earlier batches that Sinkhorn balances together with the
  // current one (0 = none; SwAV's code uses 3840 for batches of 256 and less),
  // filled from epoch swav_queue_start_epoch (0-based) on, used once full.
  int64_t swav_queue = 0, swav_queue_start_epoch = 15;
  // MoCo v2 / SimCLR.
  int64_t queue = 65536;
  double key_momentum = 0.999, contrastive_temperature = 0.2;
  // Supervised.
  std::string supervised_loss = "softmax";  // softmax | arcface
  double arcface_s = 64.0, arcface_m = 0.5;
  // Data parallel (--dist mpi|nccl): batch norm statistics over the global
  // batch, as the paper's code trained (ignored in a single process).
  bool sync_bn = true;
  // Where the run computes (README.md, "On a GPU"). A checkpoint does not
  // depend on them: a run may continue on another device or precision.
  std::string device = "cpu";        // cpu | cuda
  std::string precision = "f32";     // f32 | bf16: autocast of forward and loss, f32 master weights
  std::string cuda_backend = "own";  // own kernels | vendor (cuBLAS/cuDNN) for the products; CUDA only
  // Run.
  uint64_t seed = 0;
  int workers = 2;
  int64_t checkpoint_every = 0;  // steps; 0 = at the end of every epoch
  int64_t max_steps = 0;         // stop after this many steps (0 = all epochs)
};

// Named presets: "paper" (the defaults) and "smoke" (minutes on a CPU).
Config preset(const std::string& name);
nlohmann::json to_json(const Config& c);
// Fields absent from `j` keep their value in `base`; unknown keys are errors.
Config from_json(const nlohmann::json& j, Config base = {});
// Checks ranges and combinations; throws fb::Error naming the field.
void validate(const Config& c);
// Checks that the data-parallel backend `dist` ("none", "mpi" or "nccl")
// reduces tensors where `device` ("cpu" or "cuda") keeps them: MPI on the CPU,
// NCCL on GPUs. Throws fb::Error naming both otherwise.
void check_dist_device(const std::string& device, const std::string& dist);

}  // namespace fb::pretrain
