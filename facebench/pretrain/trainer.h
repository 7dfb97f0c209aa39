#pragma once
// The pre-training loop shared by every method: data loader, optimizer with
// linear warm-up + cosine schedule, progress line, JSONL metrics, periodic
// atomic checkpoints, exact resume, NaN/inf guards on the loss and on every
// gradient, and the final backbone export (torchvision names,
// `backbone.safetensors`).
//
// As a library call (config in, backbone checkpoint out):
//
//   fb::pretrain::Config c = fb::pretrain::preset("smoke");
//   c.method = "swav";
//   c.data = "synth:uncurated";
//   fb::pretrain::run_pretraining(c, "runs/swav");   // writes runs/swav/backbone.safetensors
//
// On a GPU: c.device = "cuda" (and c.precision = "bf16" for mixed precision).
//
// Data parallel: RunOptions::comm (e.g. nn::dist::make_communicator("mpi"),
// or "nccl" with c.device = "cuda") under `mpirun -np N`; the run is then the
// one-process run of the same global batch, split over N ranks.
#include <functional>
#include <string>

#include "facebench/pretrain/config.h"
#include "nn/distributed/communicator.h"
#include "nn/module.h"

namespace fb::pretrain {

struct RunSummary {
  std::string method;  // of the config in force (the checkpoint's on resume)
  int64_t steps = 0;
  double first_loss = 0, last_loss = 0;  // mean loss of the first and last epoch run
  double images_per_second = 0;
  double loader_wait_fraction = 0;  // share of the time the step waited for data
};

struct RunOptions {
  bool resume = false;          // continue the run in out_dir from its checkpoint (its saved config wins)
  int64_t max_steps = 0;        // > 0: stop after this many steps in all (applies on resume too)
  // Where and how this run computes, over the config's values (on resume, the
  // checkpoint's) when not empty. Checkpoints are device-agnostic: a run
  // written on a GPU continues on the CPU and the other way round.
  std::string device, precision, cuda_backend;
  bool progress = true;         // progress line on stderr
  // Called after every backward pass, before the gradients are checked and
  // applied, with the step number and the trainable parameters (instrumentation
  // and fault-injection tests).
  std::function<void(int64_t step, const nn::NamedTensors& params)> after_backward;
  // Data parallel (null or world size 1: one process). Each rank reads its
  // cfg.batch / world_size rows of every global batch of cfg.batch; rank 0's
  // parameters and buffers are broadcast at the start; gradients are averaged
  // in buckets of grad_bucket_mb, each started while backward still runs as
  // soon as its gradients are complete (nn/distributed/gradient_reducer.h); batch norm is synchronised
  // when cfg.sync_bn; SwAV's Sinkhorn, MoCo's queue and SimCLR's negatives
  // span the global batch. Only rank 0 writes files and the progress line.
  // A resume needs the world size the checkpoint was written with.
  nn::dist::CommunicatorPtr comm;
  double grad_bucket_mb = 25;
};

// Runs (or, when `o.resume`, continues) the run whose files live in `out_dir`.
RunSummary run_pretraining(Config cfg, const std::string& out_dir, const RunOptions& o);
// The same with the common options spelled out.
RunSummary run_pretraining(Config cfg, const std::string& out_dir, bool resume = false,
                           int64_t max_steps_override = 0);

}  // namespace fb::pretrain
