// facebench pretrain: supervised, SwAV, MoCo v2 or SimCLR pre-training of a
// ResNet backbone, with checkpoints, exact resume and a backbone export.
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "facebench/cli/commands.h"
#include "facebench/pretrain/trainer.h"
#include "tensor/error.h"

namespace fb::cli {

void register_pretrain_command(CLI::App& app) {
  struct Args {
    std::string preset = "smoke", config_file, out, dist = "none";
    double bucket_mb = 25;
    bool resume = false;
    pretrain::Config c;  // fields set on the command line
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("pretrain", "Pre-train a ResNet backbone (supervised, SwAV, MoCo v2, SimCLR)");
  cmd->add_option("--preset", a->preset, "Starting values: smoke (minutes on a CPU) or paper (the published recipe)")
      ->check(CLI::IsMember({"smoke", "paper"}))
      ->capture_default_str();
  cmd->add_option("--config", a->config_file, "JSON file of hyper-parameters (applied over the preset)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Run folder: config.json, log.jsonl, checkpoints, backbone.safetensors")->required();
  cmd->add_option("--dist", a->dist,
                  "Data parallel over the ranks of mpirun/srun: none (one process), mpi (CPU processes) or nccl (GPUs, "
                  "with --device cuda); "
                  "--batch stays the global batch")
      ->check(CLI::IsMember({"none", "mpi", "nccl"}))
      ->capture_default_str();
  cmd->add_option("--bucket-mb", a->bucket_mb, "Data parallel: gradients are averaged in buckets of this many MB")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--resume", a->resume, "Continue the run in --out from its last checkpoint (uses its saved config)");
  // Command-line values override the preset and the config file; only the
  // options given are applied (CLI11 counts them).
  auto& c = a->c;
  cmd->add_option("--method", c.method, "supervised | swav | moco | simclr");
  cmd->add_option("--data", c.data, "synth:curated | synth:uncurated | synth:video");
  cmd->add_option("--identities", c.identities, "Synthetic identities");
  cmd->add_option("--per-identity", c.per_identity, "Synthetic images per identity");
  cmd->add_option("--arch", c.arch, "resnet18 | resnet34 | resnet50");
  cmd->add_option("--width", c.width, "Channel width multiplier");
  cmd->add_option("--res", c.res, "Global crop size");
  cmd->add_option("--small-res", c.small_res, "Local (small) crop size");
  cmd->add_option("--local-crops", c.n_local, "Number of local crops (SwAV)");
  cmd->add_option("--epochs", c.epochs, "Epochs");
  cmd->add_option("--batch", c.batch, "Batch size");
  cmd->add_option("--optimizer", c.optimizer, "lars | sgd | adamw");
  cmd->add_option("--base-lr", c.base_lr, "Learning rate for batch ref_batch (scaled linearly)");
  cmd->add_option("--prototypes", c.prototypes, "SwAV prototypes");
  cmd->add_option("--swav-queue", c.swav_queue,
                  "SwAV: earlier embeddings balanced with each batch by Sinkhorn (0 = off; 3840 in SwAV's small-batch recipe)");
  cmd->add_option("--swav-queue-start-epoch", c.swav_queue_start_epoch, "SwAV: the epoch (0-based) the queue starts filling");
  cmd->add_option("--workers", c.workers, "Data loading threads");
  cmd->add_option("--seed", c.seed, "Seed of data, augmentation and initialisation");
  cmd->add_option("--checkpoint-every", c.checkpoint_every, "Steps between checkpoints (0: every epoch)");
  cmd->add_option("--max-steps", c.max_steps, "Stop after this many steps");
  cmd->add_option("--sync-bn", c.sync_bn, "Data parallel: batch-norm statistics over the global batch (true|false)");
  // Where the run computes; on --resume these three override the checkpoint's.
  cmd->add_option("--device", c.device,
                  "cpu | cuda (a GPU; with --dist nccl, one per rank). Default cpu; on --resume, default as the checkpoint")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--precision", c.precision,
                  "f32 | bf16 (forward and loss under bf16 autocast, f32 master weights). Default f32; on --resume, "
                  "default as the checkpoint")
      ->check(CLI::IsMember({"f32", "bf16"}));
  cmd->add_option("--cuda-backend", c.cuda_backend,
                  "own | vendor: GEMM and convolution on a GPU by our kernels or by cuBLAS/cuDNN (ignored on the CPU). "
                  "Default own; on --resume, default as the checkpoint")
      ->check(CLI::IsMember({"own", "vendor"}));
  cmd->callback([a, cmd] {
    pretrain::Config cfg = pretrain::preset(a->preset);
    if (!a->config_file.empty()) {
      std::ifstream f(a->config_file);
      nlohmann::json j;
      try {
        f >> j;
      } catch (const std::exception& e) {
        FB_FAIL(a->config_file, ": not valid JSON (", e.what(), ")");
      }
      cfg = pretrain::from_json(j, cfg);
    }
    nlohmann::json given = pretrain::to_json(a->c), merged = pretrain::to_json(cfg);
    const std::pair<const char*, const char*> flags[] = {
        {"--method", "method"}, {"--data", "data"}, {"--identities", "identities"},
        {"--per-identity", "per_identity"}, {"--arch", "arch"}, {"--width", "width"}, {"--res", "res"},
        {"--small-res", "small_res"}, {"--local-crops", "n_local"}, {"--epochs", "epochs"}, {"--batch", "batch"},
        {"--optimizer", "optimizer"}, {"--base-lr", "base_lr"}, {"--prototypes", "prototypes"}, {"--swav-queue", "swav_queue"},
        {"--swav-queue-start-epoch", "swav_queue_start_epoch"},
        {"--workers", "workers"}, {"--seed", "seed"}, {"--checkpoint-every", "checkpoint_every"},
        {"--max-steps", "max_steps"}, {"--sync-bn", "sync_bn"}, {"--device", "device"}, {"--precision", "precision"},
        {"--cuda-backend", "cuda_backend"}};
    for (auto [flag, key] : flags)
      if (cmd->count(flag)) merged[key] = given[key];
    cfg = pretrain::from_json(merged);
    if (cfg.method == "supervised" && !cmd->count("--data")) cfg.data = "synth:curated";
    pretrain::RunOptions ro;
    ro.resume = a->resume;
    ro.max_steps = a->resume ? a->c.max_steps : 0;
    if (a->resume) {  // the checkpoint's config wins, except where the run computes
      if (cmd->count("--device")) ro.device = a->c.device;
      if (cmd->count("--precision")) ro.precision = a->c.precision;
      if (cmd->count("--cuda-backend")) ro.cuda_backend = a->c.cuda_backend;
    }
    // A backend that cannot reduce this device's tensors fails here, before
    // it is started (a resume without --device is checked by the trainer).
    if (!a->resume || cmd->count("--device")) pretrain::check_dist_device(cfg.device, a->dist);
    ro.comm = nn::dist::make_communicator(a->dist);
    ro.grad_bucket_mb = a->bucket_mb;
    const bool lead = ro.comm->rank() == 0;
    if (lead && ro.comm->world_size() > 1)
      std::fprintf(stderr, "data parallel: %d ranks (%s), %lld images per rank of each global batch of %lld\n",
                   ro.comm->world_size(), a->dist.c_str(), static_cast<long long>(cfg.batch / ro.comm->world_size()),
                   static_cast<long long>(cfg.batch));
    auto r = pretrain::run_pretraining(cfg, a->out, ro);
    ro.comm.reset();
    nn::dist::finalize();
    if (!lead) return;
    std::printf("pretrain %s: %lld steps, loss %.4f (first epoch) -> %.4f (last epoch), %.1f img/s, waited for data "
                "%.1f%% of the time\nwrote %s/backbone.safetensors\n",
                r.method.c_str(), static_cast<long long>(r.steps), r.first_loss, r.last_loss, r.images_per_second,
                100 * r.loader_wait_fraction, a->out.c_str());
  });
}

}  // namespace fb::cli
