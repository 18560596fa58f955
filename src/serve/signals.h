#pragma once
// SIGTERM and SIGINT → a stop request (STYLE: signals only set a flag or write to a pipe). The
// handler writes the signal number to a pipe, which is async-signal-safe; a watcher thread reads
// the pipe, logs the signal and requests the stop. One instance per process.

#include <memory>
#include <stop_token>
#include <thread>

#include "common/error.h"

namespace trailwall::serve {

class SignalStop {
 public:
  // Installs the handlers. Io when the pipe or a handler cannot be set up.
  [[nodiscard]] static Result<std::unique_ptr<SignalStop>> install(std::stop_source stop);
  // Puts the previous handlers back and ends the watcher.
  ~SignalStop();
  SignalStop(const SignalStop&) = delete;
  SignalStop& operator=(const SignalStop&) = delete;

 private:
  SignalStop() = default;
  void watch(std::stop_source stop) const;

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::jthread watcher_;
};

}  // namespace trailwall::serve
