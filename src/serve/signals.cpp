#include "serve/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace trailwall::serve {
namespace {

constexpr int kSignals[] = {SIGTERM, SIGINT};
constexpr unsigned char kQuit = 0;  // written by the destructor: the watcher ends

std::atomic<int> g_write_fd{-1};
struct sigaction g_previous[2];

extern "C" void onSignal(int signal) {
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(signal);
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    [[maybe_unused]] const auto written = ::write(fd, &byte, 1);
  }
  errno = saved;
}

}  // namespace

Result<std::unique_ptr<SignalStop>> SignalStop::install(std::stop_source stop) {
  std::unique_ptr<SignalStop> self(new SignalStop());
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(ErrorCode::Io,
                fmt::format("cannot create the signal pipe: {}", std::strerror(errno)));
  }
  self->read_fd_ = fds[0];
  self->write_fd_ = fds[1];
  // A full pipe must never block the handler.
  ::fcntl(self->write_fd_, F_SETFL, ::fcntl(self->write_fd_, F_GETFL) | O_NONBLOCK);
  g_write_fd.store(self->write_fd_);
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    if (::sigaction(kSignals[i], &action, &g_previous[i]) != 0) {
      return fail(ErrorCode::Io,
                  fmt::format("cannot handle signal {}: {}", kSignals[i], std::strerror(errno)));
    }
  }
  self->watcher_ = std::jthread([raw = self.get(), stop]() mutable { raw->watch(stop); });
  return self;
}

void SignalStop::watch(std::stop_source stop) const {
  while (true) {
    pollfd fd{read_fd_, POLLIN, 0};
    if (::poll(&fd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    unsigned char byte = kQuit;
    const auto n = ::read(read_fd_, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == kQuit) return;
    const char* name = byte == SIGTERM ? "SIGTERM" : byte == SIGINT ? "SIGINT" : "signal";
    if (stop.stop_requested()) {
      spdlog::warn("event=signal signal={} note=\"already stopping\"", name);
    } else {
      spdlog::info(
          "event=signal signal={} note=\"stopping: no new messages, the batch in "
          "flight finishes or writes nothing\"",
          name);
      stop.request_stop();
    }
  }
}

SignalStop::~SignalStop() {
  for (std::size_t i = 0; i < std::size(kSignals); ++i)
    ::sigaction(kSignals[i], &g_previous[i], nullptr);
  g_write_fd.store(-1);
  if (write_fd_ >= 0) {
    const unsigned char quit = kQuit;
    [[maybe_unused]] const auto written = ::write(write_fd_, &quit, 1);
  }
  if (watcher_.joinable()) watcher_.join();
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

}  // namespace trailwall::serve
