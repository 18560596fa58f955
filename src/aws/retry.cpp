#include "aws/retry.h"

#include <algorithm>
#include <charconv>

#include "aws/environment.h"
#include "aws/shared_config.h"
#include "http/text.h"

namespace trailwall::aws {

namespace {

constexpr int kMaxAttemptsLimit = 100;
constexpr int kLegacyMaxAttempts = 5;

// A setting and where it came from, for error messages.
struct Setting {
  std::string value;
  std::string where;  // "AWS_MAX_ATTEMPTS" or "max_attempts in profile 'p' (file)"
};

std::optional<Setting> lookup(const Environment& env, const std::optional<IniSection>& profile,
                              const std::string& profile_where, std::string_view variable,
                              std::string_view key) {
  if (auto v = env.get(variable)) return Setting{*v, std::string(variable)};
  if (profile) {
    if (auto v = profile->get(key)) {
      return Setting{*v, std::string(key) + " in " + profile_where};
    }
  }
  return std::nullopt;
}

}  // namespace

int RetryQuota::acquire(bool timeout) {
  const int cost = timeout ? kTimeoutRetryCost : kRetryCost;
  std::lock_guard lock(mutex_);
  if (cost > available_) return 0;
  available_ -= cost;
  return cost;
}

void RetryQuota::release(int last_retry_cost) {
  std::lock_guard lock(mutex_);
  available_ =
      std::min(capacity_, available_ + (last_retry_cost > 0 ? last_retry_cost : kNoRetryIncrement));
}

int RetryQuota::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

std::string_view to_string(RetryMode mode) {
  switch (mode) {
    case RetryMode::Standard: return "standard";
    case RetryMode::Adaptive: return "adaptive";
    case RetryMode::Legacy: return "legacy";
  }
  return "standard";
}

Result<RetrySettings> resolveRetrySettings(const Environment& env, const SharedConfig& config) {
  const std::string profile_name = profileName(env);
  const auto profile = config.profile(profile_name);
  const std::string profile_where =
      "profile '" + profile_name + "'" +
      (config.configPath().empty() ? std::string() : " (" + config.configPath() + ")");
  RetrySettings out;
  if (auto mode = lookup(env, profile, profile_where, "AWS_RETRY_MODE", "retry_mode")) {
    const std::string value = http::toLower(http::trim(mode->value));
    if (value == "standard") {
      out.policy.mode = RetryMode::Standard;
    } else if (value == "adaptive") {
      out.policy.mode = RetryMode::Adaptive;
      out.note = mode->where +
                 " is adaptive: trailwall retries as in standard mode (adaptive mode's "
                 "client-side rate limiting is not implemented)";
    } else if (value == "legacy") {
      out.policy.mode = RetryMode::Legacy;
      out.policy.max_attempts = kLegacyMaxAttempts;
    } else {
      return fail(ErrorCode::Config,
                  mode->where + " is '" + mode->value + "': expected standard, adaptive or legacy");
    }
  }
  if (auto attempts = lookup(env, profile, profile_where, "AWS_MAX_ATTEMPTS", "max_attempts")) {
    const std::string_view text = http::trim(attempts->value);
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxAttemptsLimit) {
      return fail(ErrorCode::Config, attempts->where + " is '" + attempts->value +
                                         "': expected a whole number of attempts from 1 to " +
                                         std::to_string(kMaxAttemptsLimit));
    }
    out.policy.max_attempts = n;
  }
  if (out.policy.mode != RetryMode::Legacy) out.policy.quota = std::make_shared<RetryQuota>();
  return out;
}

}  // namespace trailwall::aws
