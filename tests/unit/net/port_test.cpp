#include "net/port.h"

#include <gtest/gtest.h>

namespace trailwall::net {
namespace {

TEST(PortRange, ParsesSinglePortsAndRanges) {
  const auto one = PortRange::parse("443");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->isSingle());
  EXPECT_EQ(one->toString(), "443");
  const auto range = PortRange::parse("1024-2048");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first(), 1024);
  EXPECT_EQ(range->last(), 2048);
  EXPECT_EQ(range->toString(), "1024-2048");
  EXPECT_TRUE(range->contains(2048));
  EXPECT_FALSE(range->contains(2049));
  EXPECT_TRUE(PortRange::parse("0-65535")->isAll());
}

TEST(PortRange, RejectsBadRangesWithReasons) {
  const auto reversed = PortRange::parse("90-80");
  ASSERT_FALSE(reversed);
  EXPECT_NE(reversed.error().message.find("ends before"), std::string::npos);
  EXPECT_NE(PortRange::parse("65536").error().message.find("out of range"), std::string::npos);
  EXPECT_NE(PortRange::parse("080").error().message.find("leading zero"), std::string::npos);
  EXPECT_FALSE(PortRange::parse(""));
  EXPECT_FALSE(PortRange::parse("80-"));
  EXPECT_FALSE(PortRange::parse("http"));
  EXPECT_FALSE(PortRange::make(-1, 80));
  EXPECT_FALSE(PortRange::make(0, 70000));
}

TEST(PortRange, ContainmentAndOverlap) {
  const auto wide = *PortRange::parse("1000-2000");
  EXPECT_TRUE(wide.contains(*PortRange::parse("1500-1600")));
  EXPECT_FALSE(wide.contains(*PortRange::parse("1500-2600")));
  EXPECT_TRUE(wide.overlaps(*PortRange::parse("1500-2600")));
  EXPECT_FALSE(wide.overlaps(*PortRange::parse("2001-2600")));
}

TEST(PortList, ParsesPanOsLists) {
  const auto list = parsePortList("80,443,8000-8080");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3U);
  EXPECT_TRUE(portListContains(*list, 8042));
  EXPECT_FALSE(portListContains(*list, 22));
  EXPECT_EQ(formatPortList(*list), "80,443,8000-8080");
  EXPECT_FALSE(parsePortList("80,,443"));
  EXPECT_FALSE(parsePortList(""));
  EXPECT_NE(parsePortList("80,x").error().message.find("'80,x'"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::net
