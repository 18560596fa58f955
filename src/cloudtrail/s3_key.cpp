#include "cloudtrail/s3_key.h"

#include <fmt/format.h>

#include "common/percent.h"

namespace trailwall::cloudtrail {
namespace {

// The next '/'-separated segment of `rest`, which is advanced past it.
std::string_view nextSegment(std::string_view& rest) {
  const std::size_t slash = rest.find('/');
  const std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  return segment;
}

}  // namespace

Result<std::string> decodeS3EventKey(std::string_view encoded) {
  auto key = percentDecodeStrict(encoded, PlusIs::Space);  // S3 encodes a space as '+'
  if (!key) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("{} of S3 key \"{}\"", key.error().message, encoded));
  }
  return key;
}

std::optional<LogKey> parseLogKey(std::string_view key) {
  if (key.find("/CloudTrail/") == std::string_view::npos || !key.ends_with(".json.gz")) {
    return std::nullopt;
  }
  LogKey parsed;
  // The first AWSLogs segment: a trail's prefix may itself contain slashes.
  std::size_t at = key.starts_with("AWSLogs/") ? 0 : key.find("/AWSLogs/");
  if (at == std::string_view::npos) {
    return parsed;  // a CloudTrail file in an unusual layout: account and region unknown
  }
  std::string_view rest = key.substr(at == 0 ? 8 : at + 9);
  std::string_view account = nextSegment(rest);
  if (account.starts_with("o-")) {
    account = nextSegment(rest);  // organization trails insert the organization id
  }
  if (nextSegment(rest) != "CloudTrail") {
    return parsed;
  }
  parsed.account = account;
  parsed.region = nextSegment(rest);
  return parsed;
}

}  // namespace trailwall::cloudtrail
