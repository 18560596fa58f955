#include "cloudtrail/s3_key.h"

#include <gtest/gtest.h>

namespace trailwall::cloudtrail {
namespace {

TEST(S3EventKey, PlusIsASpaceAndPercentEscapesAreBytes) {
  EXPECT_EQ(decodeS3EventKey("my+trail/AWSLogs/a%2Bb%2fc%3A.json.gz").value(),
            "my trail/AWSLogs/a+b/c:.json.gz");
  EXPECT_EQ(decodeS3EventKey("plain/key").value(), "plain/key");
}

TEST(S3EventKey, BadEscapesAreErrors) {
  EXPECT_FALSE(decodeS3EventKey("a%zz"));
  EXPECT_FALSE(decodeS3EventKey("a%2"));
  EXPECT_FALSE(decodeS3EventKey("a%"));
}

TEST(LogKey, ReadsAccountAndRegion) {
  const auto key = parseLogKey(
      "AWSLogs/123456789012/CloudTrail/us-east-2/2016/08/11/"
      "123456789012_CloudTrail_us-east-2_20160811T2215Z_kpaMYavMQA9Ahp7L.json.gz");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->account, "123456789012");
  EXPECT_EQ(key->region, "us-east-2");
}

TEST(LogKey, SkipsTrailPrefixAndOrganizationId) {
  const auto key = parseLogKey(
      "a/b/AWSLogs/o-2xh1murzat/696965430582/CloudTrail/us-west-2/2020/11/01/"
      "696965430582_CloudTrail_us-west-2_20201101T2250Z_V84r5ej0Vt9EciUg.json.gz");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->account, "696965430582");
  EXPECT_EQ(key->region, "us-west-2");
}

TEST(LogKey, OnlyCloudTrailLogFilesCount) {
  EXPECT_FALSE(parseLogKey("AWSLogs/1/CloudTrail-Digest/us-east-1/2020/01/01/x.json.gz"));
  EXPECT_FALSE(parseLogKey("AWSLogs/1/CloudTrail-Insight/us-east-1/2020/01/01/x.json.gz"));
  EXPECT_FALSE(parseLogKey("AWSLogs/1/CloudTrail/us-east-1/2020/01/01/x.json"));
  EXPECT_FALSE(parseLogKey("HappyFace.jpg"));
}

TEST(LogKey, UnusualLayoutIsAcceptedWithoutAccountOrRegion) {
  const auto key = parseLogKey("exports/CloudTrail/file.json.gz");
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->account.empty());
  EXPECT_TRUE(key->region.empty());
}

}  // namespace
}  // namespace trailwall::cloudtrail
