#pragma once
// Time and sleeping behind an interface, so retries, job polling, SigV4 dates and batching
// windows are exact in tests (FakeClock advances instantly).

#include <chrono>

namespace trailwall {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
  virtual void sleepFor(std::chrono::milliseconds duration) = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steadyNow() const override;
  void sleepFor(std::chrono::milliseconds duration) override;
};

// A clock that only moves when told to (or when someone sleeps on it).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start = {}) : now_(start) {}
  [[nodiscard]] std::chrono::system_clock::time_point now() const override { return now_; }
  [[nodiscard]] std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(now_.time_since_epoch()));
  }
  void sleepFor(std::chrono::milliseconds duration) override {
    now_ += duration;
    slept_ += duration;
  }
  void advance(std::chrono::milliseconds duration) { now_ += duration; }
  [[nodiscard]] std::chrono::milliseconds totalSlept() const { return slept_; }

 private:
  std::chrono::system_clock::time_point now_;
  std::chrono::milliseconds slept_{0};
};

}  // namespace trailwall
