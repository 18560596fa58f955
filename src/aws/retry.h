#pragma once
// Retrying AWS calls as the AWS SDKs' standard retry mode does ("Retry behavior", AWS SDKs and
// Tools reference guide,
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
//   - at most max_attempts attempts (default 3), from AWS_MAX_ATTEMPTS, else the profile's
//     max_attempts; the mode from AWS_RETRY_MODE, else the profile's retry_mode;
//   - retried: the throttling error codes, the transient ones (RequestTimeout,
//     RequestTimeoutException, PriorRequestNotComplete), HTTP 500, 502, 503 and 504, and
//     connection failures and timeouts (api_error.h: isRetryable);
//   - the wait before retry i (0-based) is uniform in [0, min(20 s, 1 s × 2^i)): exponential
//     backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog);
//   - a retry quota shared by a session's clients: 500 tokens, a retry costs 5 (10 after a
//     timeout), a success gives back the cost of its last retry, or 1 when it needed none; with
//     the bucket empty an error is returned without retrying, so an outage fails fast.
// adaptive behaves as standard (its client-side rate limiting is not implemented; a note says
// so); legacy is botocore's: 5 attempts, no quota. Randomness and time are injected, so tests
// know every delay.

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::aws {

class Environment;
class SharedConfig;

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

// The standard mode's retry quota (a token bucket). Thread-safe.
class RetryQuota {
 public:
  static constexpr int kInitialTokens = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;
  static constexpr int kNoRetryIncrement = 1;

  explicit RetryQuota(int capacity = kInitialTokens) : capacity_(capacity), available_(capacity) {}
  // Pays for one retry (after a timeout when `timeout`); the cost paid, or 0 when the bucket
  // cannot pay and the call must not be retried.
  [[nodiscard]] int acquire(bool timeout);
  // After a success: gives back `last_retry_cost` (the cost of the retry that succeeded), or
  // kNoRetryIncrement when the call needed no retry (0).
  void release(int last_retry_cost);
  [[nodiscard]] int available() const;

 private:
  mutable std::mutex mutex_;
  int capacity_;
  int available_;
};

enum class RetryMode { Standard, Adaptive, Legacy };

[[nodiscard]] std::string_view to_string(RetryMode mode);

struct RetryPolicy {
  int max_attempts = 3;  // including the first
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{20000};
  std::shared_ptr<RetryQuota> quota{};  // shared by a session's clients; null: no quota
  RetryMode mode = RetryMode::Standard;
};

// The wait before retry number `retry` (0 = the first retry), given a uniform `unit` in [0, 1).
[[nodiscard]] inline std::chrono::milliseconds backoffDelay(const RetryPolicy& policy, int retry,
                                                            double unit) {
  const auto shift = retry < 30 ? retry : 30;
  const long long ceiling =
      std::min<long long>(policy.cap.count(), policy.base.count() * (1LL << shift));
  return std::chrono::milliseconds(static_cast<long long>(unit * static_cast<double>(ceiling)));
}

struct RetrySettings {
  RetryPolicy policy;  // with a fresh quota in standard and adaptive mode
  std::string note;    // for the log: what trailwall does differently from the setting; or ""
};

// The retry policy the environment and the profile ask for (see the top of this file). Errors:
// Config naming the variable or the profile's file and key, and the value.
[[nodiscard]] Result<RetrySettings> resolveRetrySettings(const Environment& env,
                                                         const SharedConfig& config);

}  // namespace trailwall::aws
