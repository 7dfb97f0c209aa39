#include "facebench/common/child_process.h"

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#define FB_HAVE_FORK 1
#endif

// In sanitized builds a fatal report in the child would otherwise run the
// parent's death callback (libFuzzer's writes the current input as a crash).
extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace fb::app {

std::string ChildOutcome::describe() const {
  switch (kind) {
    case Kind::Exited:
      return "exit status " + std::to_string(code);
    case Kind::Signalled:
      return "signal " + std::to_string(code) + " (" + strsignal(code) + ")";
    case Kind::TimedOut:
      return "no end within its time limit";
    case Kind::Unavailable:
      return std::string("no child process (") + std::strerror(code) + ")";
  }
  return "?";
}

#ifdef FB_HAVE_FORK

ChildOutcome run_in_child(const std::function<int()>& fn, double seconds) {
  const pid_t pid = fork();
  if (pid < 0) return {ChildOutcome::Kind::Unavailable, errno};
  if (pid == 0) {
    for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) signal(s, SIG_DFL);
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
    int rc = 126;
    try {
      rc = fn();
    } catch (...) {
    }
    _exit(rc & 255);
  }
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(seconds);
  auto pause = std::chrono::microseconds(100);  // most children end within milliseconds
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, seconds > 0 ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return {ChildOutcome::Kind::Unavailable, errno};
    if (seconds > 0 && clock::now() > deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return {ChildOutcome::Kind::TimedOut, 0};
    }
    if (r == 0) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
  }
  if (WIFSIGNALED(status)) return {ChildOutcome::Kind::Signalled, WTERMSIG(status)};
  return {ChildOutcome::Kind::Exited, WEXITSTATUS(status)};
}

#else

ChildOutcome run_in_child(const std::function<int()>&, double) { return {ChildOutcome::Kind::Unavailable, ENOSYS}; }

#endif

}  // namespace fb::app
