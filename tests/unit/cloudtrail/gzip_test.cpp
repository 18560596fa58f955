#include "cloudtrail/gzip.h"

#include <gtest/gtest.h>

#include <string>

#include "unit/cloudtrail/test_util.h"

namespace trailwall::cloudtrail {
namespace {

using testing::gzipMember;

constexpr std::size_t kNoLimit = std::size_t{1} << 30;

std::string sample(std::size_t size) {
  std::string text;
  while (text.size() < size) {
    text += R"({"eventName":"StartInstances","n":)" + std::to_string(text.size()) + "},";
  }
  text.resize(size);
  return text;
}

TEST(Gunzip, InflatesOneMember) {
  const std::string data = sample(100000);
  const Inflated inflated = gunzip(gzipMember(data), kNoLimit);
  EXPECT_FALSE(inflated.error);
  EXPECT_EQ(inflated.bytes.view(), data);
}

// The trailer's size hint covers only the last member; the buffer has to grow.
TEST(Gunzip, InflatesConcatenatedMembersWhateverTheirSizes) {
  const std::string big = sample(300000);
  const Inflated inflated = gunzip(gzipMember(big) + gzipMember("x") + gzipMember(""), kNoLimit);
  EXPECT_FALSE(inflated.error);
  EXPECT_EQ(inflated.bytes.view(), big + "x");
}

TEST(Gunzip, ToleratesZeroPaddingAfterTheLastMember) {
  const Inflated inflated = gunzip(gzipMember("abc") + std::string(512, '\0'), kNoLimit);
  EXPECT_FALSE(inflated.error);
  EXPECT_EQ(inflated.bytes.view(), "abc");
}

TEST(Gunzip, ReportsTrailingGarbageButKeepsTheData) {
  const Inflated inflated = gunzip(gzipMember("abc") + "garbage", kNoLimit);
  ASSERT_TRUE(inflated.error);
  EXPECT_NE(inflated.error->message.find("trailing garbage"), std::string::npos);
  EXPECT_EQ(inflated.bytes.view(), "abc");
}

TEST(Gunzip, TruncatedStreamKeepsWhatInflatedBeforeTheCut) {
  const std::string data = sample(200000);
  const std::string gz = gzipMember(data);
  const Inflated inflated = gunzip(gz.substr(0, gz.size() / 2), kNoLimit);
  ASSERT_TRUE(inflated.error);
  EXPECT_NE(inflated.error->message.find("cut short"), std::string::npos)
      << inflated.error->message;
  ASSERT_GT(inflated.bytes.size(), 0u);
  EXPECT_EQ(inflated.bytes.view(), std::string_view(data).substr(0, inflated.bytes.size()));
}

TEST(Gunzip, CorruptDataIsAnError) {
  std::string gz = gzipMember(sample(10000));
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x5a);
  gz[gz.size() / 2 + 1] = static_cast<char>(gz[gz.size() / 2 + 1] ^ 0xa5);
  const Inflated inflated = gunzip(gz, kNoLimit);
  ASSERT_TRUE(inflated.error);
  EXPECT_NE(inflated.error->message.find("gzip:"), std::string::npos);
}

TEST(Gunzip, StopsAtTheSizeLimit) {
  const Inflated inflated = gunzip(gzipMember(sample(100000)), 4096);
  ASSERT_TRUE(inflated.error);
  EXPECT_NE(inflated.error->message.find("limit of 4096 bytes"), std::string::npos);
  EXPECT_LE(inflated.bytes.size(), 4096u);
}

TEST(Gunzip, RecognisesTheMagicBytes) {
  EXPECT_TRUE(isGzip(gzipMember("x")));
  EXPECT_FALSE(isGzip("{\"Records\":[]}"));
  EXPECT_FALSE(isGzip("\x1f"));
}

TEST(PaddedBytes, KeepsContentWhenGrowingAndZeroesThePadding) {
  PaddedBytes bytes(std::string_view("hello"));
  bytes.reserve(1000);
  EXPECT_EQ(bytes.view(), "hello");
  EXPECT_GE(bytes.capacity(), 1000u);
  for (std::size_t i = 0; i < PaddedBytes::kPadding; ++i) {
    EXPECT_EQ(bytes.data()[bytes.size() + i], '\0');
  }
  bytes.resize(3);
  EXPECT_EQ(bytes.view(), "hel");
}

}  // namespace
}  // namespace trailwall::cloudtrail
