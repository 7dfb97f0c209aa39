#pragma once
// What to do with bad input, and the record of what was found.
//
// Every reader takes an OnError policy. With `Fail`, the first problem throws
// fb::Error whose message names the file (and line, for annotation text).
// With `Skip`, the offending sample is left out, the problem is counted and
// kept (so `facebench data inspect` can list every one), and a warning line is
// printed for the first few so a log shows that data was dropped.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace fb::data {

enum class OnError { Skip, Fail };
OnError parse_on_error(const std::string& s);  // "skip" | "fail"; throws fb::Error otherwise
const char* on_error_name(OnError e);

struct Problem {
  std::string file;
  int64_t line = 0;  // 1-based; 0 when the problem concerns a whole file
  std::string what;
  std::string str() const;  // "file:line: what" or "file: what"
};

// Thread-safe: loader workers report decode failures here while they run.
class ProblemLog {
 public:
  explicit ProblemLog(OnError policy = OnError::Fail, int max_warnings = 5)
      : policy_(policy), max_warnings_(max_warnings) {}
  OnError policy() const { return policy_; }
  // Under Fail: throws fb::Error(p.str()). Under Skip: records, maybe warns, returns.
  void report(Problem p);
  void report(const std::string& file, int64_t line, const std::string& what) { report(Problem{file, line, what}); }
  int64_t count() const;
  std::vector<Problem> problems() const;
  // Silence warnings (inspect prints the full list itself).
  void set_quiet(bool q) { quiet_ = q; }

 private:
  OnError policy_;
  int max_warnings_;
  bool quiet_ = false;
  mutable std::mutex mu_;
  std::vector<Problem> list_;
};

}  // namespace fb::data
