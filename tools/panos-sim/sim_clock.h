#pragma once
// The simulator's clock: another clock plus an offset that only grows. The control endpoint's
// POST /sim/clock/advance moves simulated time forward (registration timeouts, commit jobs,
// lock activity) without waiting; every listener of one panos-sim process shares one SimClock,
// so an HA pair's or a fleet's devices agree on the time.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace trailwall::panossim {

class SimClock final : public Clock {
 public:
  explicit SimClock(Clock& base) : base_(base) {}

  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return base_.now() + offset();
  }
  [[nodiscard]] std::chrono::steady_clock::time_point steadyNow() const override {
    return base_.steadyNow() + offset();
  }
  void sleepFor(std::chrono::milliseconds duration) override { base_.sleepFor(duration); }

  // Moves this clock `by` forward (negative values are ignored: time never goes back).
  void advance(std::chrono::milliseconds by) {
    if (by.count() > 0) {
      offset_ms_.fetch_add(by.count());
    }
  }
  [[nodiscard]] std::chrono::milliseconds offset() const {
    return std::chrono::milliseconds(offset_ms_.load());
  }

 private:
  Clock& base_;
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace trailwall::panossim
