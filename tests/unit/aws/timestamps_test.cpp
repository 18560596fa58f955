#include "aws/timestamps.h"

#include <gtest/gtest.h>

namespace trailwall::aws {
namespace {

using namespace std::chrono;

TEST(Timestamps, Iso8601WithFractionsAndOffsets) {
  const auto base = sys_days(year(2024) / 5 / 1) + 12h;
  EXPECT_EQ(*parseIso8601("2024-05-01T12:00:00Z"), base);
  EXPECT_EQ(*parseIso8601("2024-05-01T12:00:00.250Z"), base + 250ms);
  EXPECT_EQ(*parseIso8601("2024-05-01T14:00:00+02:00"), base);
  EXPECT_EQ(formatIso8601(base), "2024-05-01T12:00:00Z");
  EXPECT_FALSE(parseIso8601("2024-13-01T12:00:00Z"));
  EXPECT_FALSE(parseIso8601("2024-05-01 12:00"));
  EXPECT_FALSE(parseIso8601("2024-05-01T12:00:00Q"));
}

TEST(Timestamps, HttpDate) {
  EXPECT_EQ(*parseHttpDate("Wed, 01 May 2024 12:00:00 GMT"), sys_days(year(2024) / 5 / 1) + 12h);
  EXPECT_FALSE(parseHttpDate("Wed, 01 Foo 2024 12:00:00 GMT"));
  EXPECT_FALSE(parseHttpDate("yesterday"));
}

}  // namespace
}  // namespace trailwall::aws
