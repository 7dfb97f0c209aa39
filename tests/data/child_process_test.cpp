// run_in_child: how a child process ended reaches the parent, and a crash or
// hang in the child leaves the parent running (the HDF5 reader relies on it).
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "facebench/common/child_process.h"

using fb::app::ChildOutcome;
using fb::app::run_in_child;

TEST_CASE("run_in_child: exit status, exception, crash signal, time limit") {
  int touched = 0;
  ChildOutcome r = run_in_child([&] {
    touched = 1;  // the child's copy only
    return 42;
  }, 30);
  REQUIRE(r.kind == ChildOutcome::Kind::Exited);
  CHECK(r.code == 42);
  CHECK(touched == 0);
  CHECK(r.describe() == "exit status 42");

  r = run_in_child([]() -> int { throw std::runtime_error("x"); }, 30);
  CHECK(r.kind == ChildOutcome::Kind::Exited);
  CHECK(r.code == 126);

  // The child's handlers are the defaults: in sanitized builds AddressSanitizer's
  // own SEGV handler would otherwise report and exit with a status instead.
  r = run_in_child([] { return std::raise(SIGSEGV), 0; }, 30);
  REQUIRE(r.kind == ChildOutcome::Kind::Signalled);
  CHECK(r.code == SIGSEGV);
  CHECK(r.describe().find("signal 11") == 0);

  r = run_in_child([] { return std::abort(), 0; }, 30);
  REQUIRE(r.kind == ChildOutcome::Kind::Signalled);
  CHECK(r.code == SIGABRT);

  const auto t0 = std::chrono::steady_clock::now();
  r = run_in_child([] {
    std::this_thread::sleep_for(std::chrono::seconds(60));
    return 0;
  }, 0.3);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(r.kind == ChildOutcome::Kind::TimedOut);
  CHECK(waited >= 0.3);
  CHECK(waited < 10);
}
