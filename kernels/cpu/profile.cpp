#include "kernels/cpu/profile.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace fb::kernels::cpu {
namespace {

std::atomic<bool>& flag() {
  static std::atomic<bool> f{[] {
    const char* e = std::getenv("FB_KERNEL_PROFILE");
    return e && std::strcmp(e, "0") != 0;
  }()};
  return f;
}

struct Totals {
  std::mutex mu;
  std::map<std::string, ProfileEntry> by_name;
};
Totals& totals() {
  static Totals t;
  return t;
}

thread_local int depth = 0;

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool profiling_enabled() { return flag().load(std::memory_order_relaxed); }
void set_profiling(bool on) { flag().store(on); }

std::vector<ProfileEntry> profile_snapshot() {
  std::lock_guard<std::mutex> lock(totals().mu);
  std::vector<ProfileEntry> v;
  for (const auto& [name, e] : totals().by_name) v.push_back(e);
  std::sort(v.begin(), v.end(), [](const ProfileEntry& a, const ProfileEntry& b) { return a.seconds > b.seconds; });
  return v;
}

void profile_reset() {
  std::lock_guard<std::mutex> lock(totals().mu);
  totals().by_name.clear();
}

ProfileScope::ProfileScope(const char* name) {
  // Kernels run inside another kernel's parallel region belong to it.
  if (!profiling_enabled() || omp_in_parallel()) return;
  counted_ = true;
  if (depth++ > 0) return;
  name_ = name;
  t0_ = now();
}

ProfileScope::~ProfileScope() {
  if (!counted_) return;
  --depth;
  if (!name_) return;
  const double dt = now() - t0_;
  std::lock_guard<std::mutex> lock(totals().mu);
  ProfileEntry& e = totals().by_name[name_];
  e.name = name_;
  e.seconds += dt;
  e.calls += 1;
}

}  // namespace fb::kernels::cpu
