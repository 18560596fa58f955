#include "runner/s3_log_reader.h"

#include <fmt/format.h>

namespace trailwall::runner {

Result<cloudtrail::PaddedBytes> S3LogReader::read(const cloudtrail::LogObject& object) {
  const std::string name = fmt::format("s3://{}/{}", object.bucket, object.key);
  auto s3 = s3_();
  if (!s3) return std::unexpected(s3.error().withContext(name));
  auto got = (*s3)->getObject(object.bucket, object.key);
  if (!got) return std::unexpected(got.error());  // already names the object
  return cloudtrail::PaddedBytes(got->body);
}

}  // namespace trailwall::runner
