#pragma once
// Runs a function in a forked child process, so that a crash or an endless
// loop inside a library that is not hardened against hostile input (libhdf5)
// ends the child instead of the run that asked for it.
#include <functional>
#include <string>

namespace fb::app {

struct ChildOutcome {
  enum class Kind {
    Exited,      // code = the child's exit status
    Signalled,   // code = the signal that ended it
    TimedOut,    // killed after the time limit
    Unavailable  // no child could be started (code = errno); nothing ran
  };
  Kind kind = Kind::Unavailable;
  int code = 0;
  std::string describe() const;  // "exit status 3", "signal 11 (Segmentation fault)", ...
};

// fn's return value becomes the child's exit status (0..255; an exception
// gives 126). The child ends with _exit, so the parent's destructors, atexit
// handlers and buffered output do not run twice, and fatal signals take their
// default action there, so a crash neither runs the parent's crash handlers
// nor writes its reports. With seconds > 0 the child is killed after that long.
// Only the calling thread exists in the child: fork from a point where no
// other thread holds a lock that fn needs. Where fork is not available (not
// POSIX) the outcome is Unavailable.
ChildOutcome run_in_child(const std::function<int()>& fn, double seconds);

}  // namespace fb::app
