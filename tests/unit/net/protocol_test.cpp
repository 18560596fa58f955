#include "net/protocol.h"

#include <gtest/gtest.h>

namespace trailwall::net {
namespace {

TEST(Protocol, NamesAndNumbersAreTheSameProtocol) {
  EXPECT_EQ(*Protocol::parse("tcp"), *Protocol::parse("6"));
  EXPECT_EQ(*Protocol::parse("UDP"), Protocol::udp());
  EXPECT_EQ(*Protocol::parse("1"), Protocol::icmp());
  EXPECT_EQ(*Protocol::parse("58"), Protocol::icmpV6());
  EXPECT_EQ(Protocol::parse("6")->name(), "tcp");
}

TEST(Protocol, MinusOneIsAllTraffic) {
  const auto all = Protocol::parse("-1");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->isAll());
  EXPECT_EQ(all->name(), "all");
  EXPECT_EQ(all->awsName(), "-1");
  EXPECT_FALSE(all->hasPorts());
  EXPECT_NE(*all, Protocol::number(0));
}

TEST(Protocol, OtherNumbers) {
  const auto gre = Protocol::parse("47");
  ASSERT_TRUE(gre);
  EXPECT_EQ(gre->name(), "47");
  EXPECT_EQ(gre->value(), 47);
  EXPECT_FALSE(gre->hasPorts());
  EXPECT_TRUE(Protocol::tcp().hasPorts());
  EXPECT_TRUE(Protocol::udp().hasPorts());
  EXPECT_FALSE(Protocol::icmp().hasPorts());
}

TEST(Protocol, RejectsUnknownText) {
  EXPECT_NE(Protocol::parse("256").error().message.find("out of range"), std::string::npos);
  EXPECT_FALSE(Protocol::parse("-2"));
  EXPECT_FALSE(Protocol::parse("sctpx"));
  EXPECT_FALSE(Protocol::parse(""));
  EXPECT_FALSE(Protocol::parse("06"));
}

}  // namespace
}  // namespace trailwall::net
