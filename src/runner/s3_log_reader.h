#pragma once
// The production LogReader: S3 GetObject through the AWS session's S3 client, created on first
// use (a batch without log files never builds one).

#include <functional>

#include "aws/s3_client.h"
#include "runner/runner.h"

namespace trailwall::runner {

class S3LogReader final : public LogReader {
 public:
  explicit S3LogReader(std::function<Result<aws::S3Client*>()> s3) : s3_(std::move(s3)) {}

  // Errors name the object (s3://bucket/key); NotFound when it or its bucket is gone.
  [[nodiscard]] Result<cloudtrail::PaddedBytes> read(const cloudtrail::LogObject& object) override;

 private:
  std::function<Result<aws::S3Client*>()> s3_;
};

}  // namespace trailwall::runner
