#include "facebench/data/problems.h"

#include <cstdio>

#include "tensor/error.h"

namespace fb::data {

OnError parse_on_error(const std::string& s) {
  if (s == "skip") return OnError::Skip;
  if (s == "fail") return OnError::Fail;
  FB_FAIL("--on-error must be 'skip' or 'fail', got '", s, "'");
}

const char* on_error_name(OnError e) { return e == OnError::Skip ? "skip" : "fail"; }

std::string Problem::str() const {
  if (file.empty()) return what;
  return line > 0 ? file + ":" + std::to_string(line) + ": " + what : file + ": " + what;
}

void ProblemLog::report(Problem p) {
  if (policy_ == OnError::Fail) throw fb::Error(p.str());
  std::lock_guard<std::mutex> lk(mu_);
  list_.push_back(p);
  if (quiet_) return;
  if (int64_t(list_.size()) <= max_warnings_)
    std::fprintf(stderr, "warning: skipped: %s\n", p.str().c_str());
  if (int64_t(list_.size()) == max_warnings_ + 1)
    std::fprintf(stderr, "warning: more problems; further ones are counted silently\n");
}

int64_t ProblemLog::count() const {
  std::lock_guard<std::mutex> lk(mu_);
  return int64_t(list_.size());
}

std::vector<Problem> ProblemLog::problems() const {
  std::lock_guard<std::mutex> lk(mu_);
  return list_;
}

}  // namespace fb::data
