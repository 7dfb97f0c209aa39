#include "facebench/common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace fb::app {

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(isatty(STDERR_FILENO)) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, const std::string& status) {
  done_ = done;
  status_ = status;
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_draw_ = now;
    draw(false);
  } else {
    int decile = total_ > 0 ? static_cast<int>(10 * done_ / total_) : 10;
    if (decile == last_decile_ || done_ >= total_) return;  // the last line is finish()'s
    last_decile_ = decile;
    draw(false);
  }
}

void Progress::finish(const std::string& status) {
  if (!status.empty()) status_ = status;
  done_ = total_;
  draw(true);
}

void Progress::draw(bool final_line) {
  double t = elapsed_seconds();
  double rate = t > 0 ? done_ / t : 0.0;
  double pct = total_ > 0 ? 100.0 * done_ / total_ : 100.0;
  char bar[21];
  int filled = static_cast<int>(pct / 5);
  for (int i = 0; i < 20; ++i) bar[i] = i < filled ? '#' : '.';
  bar[20] = 0;
  char eta[32] = "";
  if (!final_line && rate > 0 && done_ < total_) std::snprintf(eta, sizeof eta, " eta %.0fs", (total_ - done_) / rate);
  std::fprintf(stderr, "%s%s [%s] %3.0f%% %lld/%lld %.1f %s/s %.1fs%s%s%s", tty_ ? "\r\033[K" : "", label_.c_str(), bar,
               pct, static_cast<long long>(done_), static_cast<long long>(total_), rate, unit_.c_str(), t, eta,
               status_.empty() ? "" : "  ", status_.c_str());
  if (final_line || !tty_) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace fb::app
