#pragma once
// Retry timing for AWS calls: exponential backoff with full jitter ("Exponential Backoff And
// Jitter", AWS Architecture Blog): attempt n waits uniform(0, min(cap, base * 2^n)).
// Randomness is injected so tests know every delay.

#include <chrono>
#include <mutex>
#include <random>

namespace trailwall::aws {

// A source of uniform numbers in [0, 1).
class Random {
 public:
  virtual ~Random() = default;
  [[nodiscard]] virtual double unit() = 0;
};

class SystemRandom final : public Random {
 public:
  SystemRandom() : engine_(std::random_device{}()) {}
  [[nodiscard]] double unit() override {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

// Always the same number (1.0 - epsilon by default: the longest wait), for exact tests.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(double value = 0.999999) : value_(value) {}
  [[nodiscard]] double unit() override { return value_; }
  void set(double value) { value_ = value; }

 private:
  double value_;
};

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{20000};
};

// The wait before retry number `retry` (0 = the first retry), given a uniform `unit` in [0, 1).
[[nodiscard]] inline std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int retry,
                                                            double unit) {
  const auto shift = retry < 30 ? retry : 30;
  const long long ceiling =
      std::min<long long>(policy.cap.count(), policy.base.count() * (1LL << shift));
  return std::chrono::milliseconds(static_cast<long long>(unit * static_cast<double>(ceiling)));
}

}  // namespace trailwall::aws
