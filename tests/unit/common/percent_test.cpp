#include "common/percent.h"

#include <gtest/gtest.h>

namespace trailwall {
namespace {

TEST(PercentDecode, DecodesEscapesAndPlusAsAsked) {
  EXPECT_EQ(percentDecode("a%20b%2Fc+d", PlusIs::Plus), "a b/c+d");
  EXPECT_EQ(percentDecode("a%20b%2fc+d", PlusIs::Space), "a b/c d");
}

TEST(PercentDecode, KeepsMalformedEscapesAsWritten) {
  EXPECT_EQ(percentDecode("100%", PlusIs::Plus), "100%");
  EXPECT_EQ(percentDecode("%4", PlusIs::Plus), "%4");
  EXPECT_EQ(percentDecode("%zz%41", PlusIs::Plus), "%zzA");
}

TEST(PercentDecodeStrict, NamesTheOffsetOfAMalformedEscape) {
  EXPECT_EQ(percentDecodeStrict("AWSLogs/%41", PlusIs::Space).value(), "AWSLogs/A");
  const auto bad = percentDecodeStrict("key%2", PlusIs::Space);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(bad.error().message.find("offset 3"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace trailwall
