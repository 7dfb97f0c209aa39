// facebench bench allreduce: time the all-reduce of 1-100 MB float32 buffers
// over the ranks of mpirun/srun (--dist mpi, or nccl on GPUs), checking the
// sums, and report the median time with the algorithm bandwidth (bytes /
// time) and the bus bandwidth (algorithm bandwidth x 2(N-1)/N: the bytes a
// ring all-reduce moves through each rank's link, comparable with the link's
// rate whatever N is).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "facebench/cli/commands.h"
#include "nn/distributed/communicator.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace fb::cli {

namespace {

struct AllreduceArgs {
  std::string dist = "mpi", sizes = "1,4,16,64,100", json;
  int iters = 10, warmup = 2;
};

void run_allreduce(const AllreduceArgs& a) {
  std::vector<double> sizes_mb;
  std::stringstream ss(a.sizes);
  for (std::string item; std::getline(ss, item, ',');) {
    double v = 0;
    try {
      v = std::stod(item);
    } catch (const std::exception&) {
      FB_FAIL("bench allreduce: --sizes '", a.sizes, "' is not a comma list of MB");
    }
    FB_CHECK(v > 0 && v <= 4096, "bench allreduce: sizes must be in (0, 4096] MB, got ", v);
    sizes_mb.push_back(v);
  }
  FB_CHECK(a.iters >= 1 && a.warmup >= 0, "bench allreduce: --iters must be >= 1 and --warmup >= 0");
  auto comm = nn::dist::make_communicator(a.dist);
  const int n = comm->world_size();
  const bool lead = comm->rank() == 0;
  const double ring = n > 1 ? 2.0 * (n - 1) / n : 0.0;
  if (lead)
    std::printf("all-reduce (sum, f32) over %d rank(s), backend %s, median of %d\n%10s %12s %14s %14s\n", n,
                comm->backend().c_str(), a.iters, "MB", "time ms", "algbw GB/s", "busbw GB/s");
  nlohmann::json rows = nlohmann::json::array();
  for (double mb : sizes_mb) {
    const int64_t count = std::max<int64_t>(1, static_cast<int64_t>(mb * 1e6 / 4));
    Tensor buf = Tensor::empty({count}, DType::f32, comm->device());
    // Correctness: rank r contributes r + 1, so every element is n(n+1)/2.
    fill_(buf, comm->rank() + 1.0);
    comm->all_reduce(buf);
    Tensor host = buf.to(Device::cpu());
    const double expect = n * (n + 1) / 2.0;
    const float* p = host.data<float>();
    FB_CHECK(p[0] == expect && p[count / 2] == expect && p[count - 1] == expect,
             "bench allreduce: wrong sum (", p[0], " where ", expect, " was expected)");
    std::vector<double> times;
    for (int it = 0; it < a.warmup + a.iters; ++it) {
      fill_(buf, 1.0);
      comm->barrier();
      const auto t0 = std::chrono::steady_clock::now();
      comm->all_reduce(buf);
      comm->barrier();  // NCCL: waits for the stream as well
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (it >= a.warmup) times.push_back(s);
    }
    std::sort(times.begin(), times.end());
    const double t = times[times.size() / 2], bytes = 4.0 * static_cast<double>(count);
    const double alg = bytes / t / 1e9, bus = alg * ring;
    if (lead) std::printf("%10.1f %12.3f %14.3f %14.3f\n", bytes / 1e6, t * 1e3, alg, bus);
    rows.push_back({{"bytes", bytes}, {"seconds_median", t}, {"algbw_gb_s", alg}, {"busbw_gb_s", bus}});
  }
  if (lead && !a.json.empty()) {
    std::ofstream f(a.json);
    f << nlohmann::json{{"backend", comm->backend()}, {"world_size", n}, {"results", rows}}.dump(2) << "\n";
  }
  comm.reset();
  nn::dist::finalize();
}

}  // namespace

void register_bench_allreduce(CLI::App& bench) {
  auto a = std::make_shared<AllreduceArgs>();
  CLI::App* c = bench.add_subcommand(
      "allreduce", "All-reduce bandwidth over the ranks of mpirun/srun (e.g. mpirun -np 2 facebench bench allreduce)");
  c->add_option("--dist", a->dist, "none | mpi | nccl")
      ->check(CLI::IsMember({"none", "mpi", "nccl"}))
      ->capture_default_str();
  c->add_option("--sizes", a->sizes, "Buffer sizes in MB, comma separated")->capture_default_str();
  c->add_option("--iters", a->iters, "Timed repetitions per size (median reported)")->capture_default_str();
  c->add_option("--warmup", a->warmup, "Untimed repetitions per size")->capture_default_str();
  c->add_option("--json", a->json, "Write the results as JSON (rank 0)");
  c->callback([a] { run_allreduce(*a); });
}

}  // namespace fb::cli
