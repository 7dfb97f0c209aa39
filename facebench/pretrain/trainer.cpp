#include "facebench/pretrain/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "facebench/common/progress.h"
#include "facebench/data/loader.h"
#include "facebench/data/synthetic.h"
#include "facebench/pretrain/checkpoint.h"
#include "facebench/pretrain/health.h"
#include "facebench/pretrain/methods.h"
#include "kernels/cuda/backend.h"
#include "nn/autocast.h"
#include "nn/checkpoint/safetensors.h"
#include "nn/distributed/functional.h"
#include "nn/distributed/gradient_reducer.h"
#include "nn/optim.h"
#include "tensor/cuda/runtime.h"

namespace fb::pretrain {

namespace {

data::DatasetPtr make_dataset(const Config& c) {
  synth::Config s;
  s.mode = synth::parse_mode(c.data.substr(6));
  s.identities = c.identities;
  s.per_identity = c.per_identity;
  s.size = static_cast<int>(c.image_size);
  s.seed = c.seed;
  // Self-supervised methods read pictures only, as they would uncurated data.
  return std::make_shared<data::SyntheticDataset>(s, c.method != "supervised");
}

std::unique_ptr<nn::Optimizer> make_optimizer(const Config& c, const PretrainModel& m, double lr) {
  auto named = m.trainable();
  std::vector<Tensor> params;
  for (auto& [n, t] : named) params.push_back(t);
  if (c.optimizer == "sgd") return std::make_unique<nn::SGD>(params, lr, nn::SGDOptions{c.momentum, 0, c.weight_decay, false});
  if (c.optimizer == "adamw") return std::make_unique<nn::AdamW>(params, lr, nn::AdamWOptions{0.9, 0.999, 1e-8, c.weight_decay});
  std::vector<bool> excluded = c.lars_adapt_all ? std::vector<bool>(params.size(), false) : nn::lars_exclusions(named);
  return std::make_unique<nn::LARS>(params, excluded, lr,
                                    nn::LARSOptions{c.momentum, c.weight_decay, 1e-3, 1e-8});
}

// Scales all gradients so that their global L2 norm (`norm`) is at most max_norm.
void clip_gradients(const nn::NamedTensors& params, double norm, double max_norm) {
  if (norm <= max_norm) return;
  for (const auto& [n, p] : params)
    if (p.grad().defined()) mul_(p.grad(), max_norm / (norm + 1e-12));
}

// The device the run computes on: the config's, checked against this build,
// this machine and the communicator (NCCL ranks use their own GPU).
Device run_device(const Config& c, const nn::dist::Communicator& comm) {
  check_dist_device(c.device, comm.backend());
  if (c.device == "cpu") return Device::cpu();
  FB_CHECK(cuda::compiled_with_cuda(),
           "pretrain: --device cuda needs a build with the CUDA backend (configure with -DFB_CUDA=ON)");
  FB_CHECK(cuda::device_count() > 0, "pretrain: --device cuda: no usable CUDA device (", cuda::unavailable_reason(),
           ")");
  return comm.device().is_cuda() ? comm.device() : Device::cuda();
}

// The loader yields CPU tensors; the methods read the views and the labels.
void move_batch(data::Batch& b, Device d) {
  for (Tensor& v : b.views) v = v.to(d);
  if (b.labels.defined()) b.labels = b.labels.to(d);
}

// What an error can offer to resume from.
std::string last_good_checkpoint(const std::string& out) {
  std::string path = checkpoint_path(out);
  return std::filesystem::exists(path) ? path : "(none: the run stopped before its first checkpoint)";
}

}  // namespace

RunSummary run_pretraining(Config cfg, const std::string& out, bool resume, int64_t max_steps_override) {
  RunOptions o;
  o.resume = resume;
  o.max_steps = max_steps_override;
  return run_pretraining(std::move(cfg), out, o);
}

RunSummary run_pretraining(Config cfg, const std::string& out, const RunOptions& o) {
  namespace fs = std::filesystem;
  const bool resume = o.resume;
  const int64_t max_steps_override = o.max_steps;
  const nn::dist::CommunicatorPtr comm = o.comm ? o.comm : nn::dist::make_communicator("none");
  const int rank = comm->rank(), world = comm->world_size();
  const bool lead = rank == 0;  // the rank that writes files and prints
  TrainingState state;
  if (resume) {
    state = load_checkpoint(out);
    cfg = from_json(nlohmann::json::parse(state.config_json));
    FB_CHECK(state.world_size == world, "pretrain --resume: the checkpoint in ", out, " was written by ",
             state.world_size, " rank(s) and this run has ", world,
             "; resume with the same world size (mpirun -np ", state.world_size, ")");
  }
  if (max_steps_override > 0) cfg.max_steps = max_steps_override;
  if (!o.device.empty()) cfg.device = o.device;
  if (!o.precision.empty()) cfg.precision = o.precision;
  if (!o.cuda_backend.empty()) cfg.cuda_backend = o.cuda_backend;
  validate(cfg);
  FB_CHECK(cfg.batch % world == 0, "pretrain: the global batch (", cfg.batch, ") must split evenly over ", world,
           " ranks");
  const Device device = run_device(cfg, *comm);
  // Mixed precision applies to the forward pass and the loss (see below); the
  // products of f32 tensors on a GPU use the chosen kernels in exact f32
  // unless the caller asked for TF32 (kernels/cuda/backend.h, per thread).
  const DType compute = cfg.precision == "bf16" ? DType::bf16 : DType::f32;
  kernels::CudaBackendGuard cuda_kernels(cfg.cuda_backend == "vendor" ? kernels::CudaBackend::Vendor
                                                                       : kernels::CudaBackend::Own);
  if (lead) {
    fs::create_directories(out);
    if (!resume) std::ofstream(out + "/config.json") << to_json(cfg).dump(2) << "\n";
  }

  auto dataset = make_dataset(cfg);
  auto pipeline = std::make_shared<const data::Pipeline>(make_pipeline(cfg));
  data::LoaderOptions lo;
  lo.batch_size = cfg.batch;
  lo.workers = cfg.workers;
  lo.seed = cfg.seed;
  lo.on_error = data::OnError::Skip;
  lo.rank = rank;
  lo.world_size = world;
  lo.shard_batches = true;  // this rank's rows of the one-process batches
  data::Loader loader(dataset, pipeline, lo, data::LoaderState{state.epoch, state.batch});
  const int64_t per_epoch = loader.batches_per_epoch();
  FB_CHECK(per_epoch > 0, "pretrain: the data set (", dataset->size(), " images) is smaller than one batch (",
           cfg.batch, ")");
  if (cfg.freeze_prototypes_iters < 0) cfg.freeze_prototypes_iters = per_epoch;

  nn::manual_seed(cfg.seed);
  PretrainModel model(cfg, cfg.identities);
  model.train();
  if (world > 1 && cfg.sync_bn) nn::dist::convert_sync_batchnorm(model, comm);
  // Built (and seeded) on the CPU, so that every device starts from the same
  // weights; the method's queues and the optimizer's state follow the model.
  model.to(device);
  auto method = make_method(cfg, model);
  method->set_communicator(comm);
  const double scale = static_cast<double>(cfg.batch) / cfg.ref_batch;  // linear scaling rule
  auto opt = make_optimizer(cfg, model, cfg.base_lr * scale);
  const nn::NamedTensors params = model.trainable();  // checked, clipped and logged each step
  if (resume) {
    model.load_state_dict(state.model, true);
    opt->load_state(state.optim);
    method->load_extra_state(state.extra);
    if (lead)
      std::fprintf(stderr, "resuming %s at step %lld (epoch %lld, batch %lld)\n", out.c_str(),
                   static_cast<long long>(state.step), static_cast<long long>(state.epoch),
                   static_cast<long long>(state.batch));
  }
  if (world > 1) {
    // Every rank starts from rank 0's weights and statistics (a resumed run
    // read the same checkpoint on every rank, so this changes nothing there).
    std::vector<Tensor> all;
    for (auto& [n, t] : model.state_dict()) all.push_back(t);
    nn::dist::broadcast_tensors(*comm, all, 0);
  }
  std::vector<Tensor> param_list;
  for (auto& [n, t] : params) param_list.push_back(t);
  const size_t bucket_bytes = static_cast<size_t>(std::max(o.grad_bucket_mb, 0.0) * (1 << 20));
  std::unique_ptr<nn::dist::GradientReducer> reducer;
  if (world > 1) reducer = std::make_unique<nn::dist::GradientReducer>(*comm, param_list, bucket_bytes);

  const int64_t total = cfg.epochs * per_epoch;
  const int64_t stop = cfg.max_steps > 0 ? std::min(total, cfg.max_steps) : total;
  std::ofstream log;
  if (lead) log.open(out + "/log.jsonl", resume ? std::ios::app : std::ios::trunc);
  auto save = [&](int64_t step) {
    if (!lead) return;
    TrainingState s;
    s.world_size = world;
    s.step = step;
    auto pos = loader.state();
    s.epoch = pos.epoch;
    s.batch = pos.batch;
    s.model = model.state_dict();
    s.optim = opt->state();
    s.extra = method->extra_state();
    s.config_json = to_json(cfg).dump();
    save_checkpoint(out, s);
  };

  RunSummary summary;
  summary.method = cfg.method;
  int64_t step = state.step;
  std::optional<app::Progress> bar;
  if (o.progress && lead) {
    bar.emplace(cfg.method + " " + cfg.arch, stop, "step");
    bar->update(step);
  }
  const auto started = std::chrono::steady_clock::now();
  double epoch_loss = 0;
  int64_t epoch_steps = 0, images = 0;
  bool first_epoch = true;
  data::Batch batch;
  while (step < stop) {
    if (!loader.next(batch)) {  // end of an epoch
      if (epoch_steps > 0) {
        if (first_epoch) summary.first_loss = epoch_loss / epoch_steps;
        summary.last_loss = epoch_loss / epoch_steps;
        first_epoch = false;
      }
      epoch_loss = 0;
      epoch_steps = 0;
      if (cfg.checkpoint_every == 0) save(step);
      continue;
    }
    const double peak = cfg.base_lr * scale;
    double lr = nn::cosine_with_warmup(step, total, cfg.warmup_epochs * per_epoch, peak,
                                       cfg.warmup_start_fraction * peak, cfg.final_lr_fraction * peak);
    opt->set_lr(lr);
    move_batch(batch, device);
    Tensor loss;
    {
      // Autocast records bf16 casts in the graph, so backward needs no guard.
      AutocastGuard autocast(compute);
      loss = method->loss(batch, step);
    }
    // The global batch's loss: the mean of the ranks' (equal-sized) shares.
    double value = world > 1 ? comm->all_reduce_scalar(loss.item(), nn::dist::ReduceOp::Average) : loss.item();
    if (!std::isfinite(value))
      FB_FAIL("pretrain: the loss became ", value, " at step ", step + 1, " (epoch ", batch.epoch + 1,
              "); the last good checkpoint is ", last_good_checkpoint(out), " - lower the learning rate and --resume");
    opt->zero_grad();
    {
      // Data parallel: the gradient of the global batch's loss on every rank,
      // each bucket's all-reduce started as soon as backward completes it.
      std::unique_ptr<autograd::GradReadyObserver> watch;
      if (reducer) watch = reducer->observe();
      autograd::backward(loss);
    }
    if (reducer) reducer->finish();
    if (o.after_backward) o.after_backward(step, params);
    method->before_step(step);
    // A NaN/inf gradient with a finite loss (an overflow inside backward)
    // would silently poison every weight it reaches: stop before the step.
    const double grad_norm = gradient_norm(params);
    // Steps are reported 1-based, as log.jsonl numbers them.
    if (!std::isfinite(grad_norm)) check_finite_gradients(params, step + 1, last_good_checkpoint(out));
    if (cfg.grad_clip > 0) clip_gradients(params, grad_norm, cfg.grad_clip);
    opt->step();
    method->after_step(step);
    ++step;
    epoch_loss += value;
    ++epoch_steps;
    images += batch.size() * world;

    nlohmann::json rec{{"step", step}, {"epoch", batch.epoch}, {"loss", value}, {"lr", lr}, {"grad_norm", grad_norm}};
    for (auto& [k, v] : method->stats()) rec[k] = v;
    if (reducer) {  // how much of the gradient all-reduce overlapped backward
      rec["grad_buckets"] = reducer->bucket_count();
      rec["grad_buckets_started_in_backward"] = reducer->started_during_backward();
    }
    if (lead) log << rec.dump() << "\n";
    char status[96];
    std::snprintf(status, sizeof status, "epoch %lld loss %.4f lr %.4g", static_cast<long long>(batch.epoch + 1),
                  value, lr);
    if (bar) bar->update(step, status);
    if (cfg.checkpoint_every > 0 && step % cfg.checkpoint_every == 0) save(step);
  }
  if (epoch_steps > 0) {
    if (first_epoch) summary.first_loss = epoch_loss / epoch_steps;
    summary.last_loss = epoch_loss / epoch_steps;
  }
  if (lead) log.flush();
  save(step);
  if (bar) bar->finish();
  if (lead)
    checkpoint::save_safetensors(out + "/backbone.safetensors", model.backbone->state_dict(),
                               {{"arch", cfg.arch}, {"width", std::to_string(cfg.width)},
                                {"small_input", cfg.small_input ? "1" : "0"}, {"method", cfg.method}});
  auto stats = loader.stats();
  summary.steps = step;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.images_per_second = images / std::max(seconds, 1e-9);
  summary.loader_wait_fraction = stats.waiting_seconds / std::max(stats.seconds, 1e-9);
  return summary;
}

}  // namespace fb::pretrain
