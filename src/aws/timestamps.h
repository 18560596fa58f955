#pragma once
// The time formats AWS answers with: ISO 8601 (credential expirations, EC2 and STS XML) and
// the HTTP Date header (clock-skew correction).

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::aws {

// "2024-05-01T12:00:00Z", with optional fractional seconds and a Z or ±hh:mm offset.
// Errors: InvalidInput quoting the text.
[[nodiscard]] Result<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);
// "2024-05-01T12:00:00Z" (UTC, whole seconds).
[[nodiscard]] std::string formatIso8601(std::chrono::system_clock::time_point time);
// RFC 7231 IMF-fixdate: "Wed, 01 May 2024 12:00:00 GMT".
[[nodiscard]] Result<std::chrono::system_clock::time_point> parseHttpDate(std::string_view text);

}  // namespace trailwall::aws
