#pragma once
// /healthz: healthy while the last run succeeded, or while failures have lasted less than the
// bound (a transient failure does not page anyone); also unhealthy when the queue has not been
// readable for the bound, when a run has been in flight longer than it, and while stopping.

#include <chrono>
#include <string>

#include "serve/monitor.h"

namespace trailwall::serve {

struct Health {
  bool ok = false;
  std::string reason;  // one line for people: why it is (un)healthy
};

[[nodiscard]] Health health(const Snapshot& snapshot, std::chrono::seconds unhealthy_after);

// "2024-05-01T12:00:00Z"
[[nodiscard]] std::string isoTime(SystemTime time);

}  // namespace trailwall::serve
