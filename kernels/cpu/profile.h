#pragma once
// A light profiler for the CPU kernels: when enabled (environment variable
// FB_KERNEL_PROFILE=1, or set_profiling(true)), each kernel entry point adds
// its wall time to a per-name total. Only the outermost scope counts, and
// nothing inside a parallel region, so a convolution's inner GEMMs are not
// counted twice. Disabled, a
// scope costs one relaxed atomic load.
#include <string>
#include <vector>

namespace fb::kernels::cpu {

bool profiling_enabled();
void set_profiling(bool on);

struct ProfileEntry {
  std::string name;
  double seconds = 0;
  long calls = 0;
};
// Totals since the last reset, largest first.
std::vector<ProfileEntry> profile_snapshot();
void profile_reset();

class ProfileScope {
 public:
  explicit ProfileScope(const char* name);
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  const char* name_ = nullptr;  // null: not recording (nested or disabled)
  bool counted_ = false;        // this scope incremented the nesting depth
  double t0_ = 0;
};

}  // namespace fb::kernels::cpu
