#pragma once
// S3 object keys of CloudTrail log files (CloudTrail UG "Finding your CloudTrail log files"):
// [prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::cloudtrail {

// Decodes a key as S3 event notifications carry it: form-encoded, '+' for space, %XX escapes.
[[nodiscard]] Result<std::string> decodeS3EventKey(std::string_view encoded);

struct LogKey {
  std::string_view account;
  std::string_view region;
};

// The account and region a CloudTrail log file key names; nullopt when the key is not one of a
// CloudTrail log file (digests, insights and other objects share the bucket).
[[nodiscard]] std::optional<LogKey> parseLogKey(std::string_view key);

}  // namespace trailwall::cloudtrail
