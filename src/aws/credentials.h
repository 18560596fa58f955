#pragma once
// AWS credentials and where they come from. The secret and the token never go into a log
// line or an error message: `describe()` names the source and the key id only.

#include <chrono>
#include <optional>
#include <string>

#include "common/error.h"

namespace trailwall::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                                        // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;  // unset: never expires
  std::string source;  // where they came from, e.g. "environment", "profile 'prod'"

  // "AKID… from environment"; safe to log.
  [[nodiscard]] std::string describe() const;
};

}  // namespace trailwall::aws
