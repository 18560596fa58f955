#pragma once
// Reading event input for `events` and `handle`: files (.json or .json.gz, decoded by the
// cloudtrail decoder from the bytes), standard input, and CloudTrail log files in S3.

#include <string>
#include <string_view>

#include "cloudtrail/padded_bytes.h"
#include "common/error.h"

namespace trailwall::cli {

class Runtime;

struct EventInput {
  cloudtrail::PaddedBytes bytes;
  std::string source;  // how errors and reports name it: the path, "stdin" or "s3://bucket/key"
};

// The whole of a file ("-" = stdin) into a padded buffer, read once without a further copy.
[[nodiscard]] Result<cloudtrail::PaddedBytes> readPadded(const std::string& path);

// "s3://bucket/key" → {bucket, key}; InvalidInput for anything else.
struct S3Location {
  std::string bucket;
  std::string key;
};
[[nodiscard]] Result<S3Location> parseS3Url(std::string_view url);

// A file, "-", or s3://bucket/key (fetched with the runtime's AWS session).
[[nodiscard]] Result<EventInput> readEventInput(Runtime& runtime, const std::string& input);
// One S3 object (the S3 client follows the bucket's region redirect itself).
[[nodiscard]] Result<EventInput> readS3Object(Runtime& runtime, const std::string& bucket,
                                              const std::string& key);

}  // namespace trailwall::cli
