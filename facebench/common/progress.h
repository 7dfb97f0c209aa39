#pragma once
// A progress line on stderr for long work: count, percentage, rate, ETA and a
// caller-supplied status ("loss 0.512"). On a terminal it redraws in place; in
// a log (not a tty) it prints a line every 10 % so logs stay short.
#include <chrono>
#include <cstdint>
#include <string>

namespace fb::app {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "it");
  // Sets the number of completed items and the status text.
  void update(int64_t done, const std::string& status = "");
  // Prints the final line (with the total time).
  void finish(const std::string& status = "");
  double elapsed_seconds() const;

 private:
  void draw(bool final_line);
  std::string label_, unit_, status_;
  int64_t total_, done_ = 0;
  int last_decile_ = -1;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace fb::app
