#include "serve/health.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace trailwall::serve {
namespace {

long long secondsBetween(SystemTime from, SystemTime to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

}  // namespace

std::string isoTime(SystemTime time) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                     std::chrono::time_point_cast<std::chrono::seconds>(time));
}

Health health(const Snapshot& s, std::chrono::seconds unhealthy_after) {
  const auto bound = unhealthy_after.count();
  if (s.stopping) return {false, "shutting down"};
  if (s.running && secondsBetween(s.running->second, s.now) > bound) {
    return {false,
            fmt::format("a {} run has been in flight for {} s (since {}), longer than {} s",
                        to_string(s.running->first), secondsBetween(s.running->second, s.now),
                        isoTime(s.running->second), bound)};
  }
  if (s.receive_failing_since && secondsBetween(*s.receive_failing_since, s.now) > bound) {
    return {false, fmt::format("the queue has not been readable for {} s (since {}): {}",
                               secondsBetween(*s.receive_failing_since, s.now),
                               isoTime(*s.receive_failing_since), s.receive_error)};
  }
  if (s.last_run && !s.last_run_ok) {
    const std::string error = s.runs.empty() ? "" : s.runs.front().summary.error;
    const SystemTime since = s.last_success.value_or(s.started);
    const auto age = secondsBetween(since, s.now);
    const std::string success =
        s.last_success ? fmt::format("the last successful run was at {}", isoTime(since))
                       : fmt::format("no run has succeeded since the start at {}", isoTime(since));
    if (age > bound) {
      return {false, fmt::format("the last run failed ({}); {} ({} s ago, more than {} s)", error,
                                 success, age, bound)};
    }
    return {true, fmt::format("ok: the last run failed ({}), but {} ({} s ago, within {} s)", error,
                              success, age, bound)};
  }
  if (s.last_success) {
    return {true, fmt::format("ok: the last run succeeded at {}", isoTime(*s.last_success))};
  }
  return {true, fmt::format("ok: no run yet since the start at {}", isoTime(s.started))};
}

}  // namespace trailwall::serve
