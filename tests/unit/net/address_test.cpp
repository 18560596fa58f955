#include "net/address.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace trailwall::net {
namespace {

IpAddress ip(std::string_view text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text << ": " << (a ? "" : a.error().message);
  return a.value_or(IpAddress{});
}

Cidr cidr(std::string_view text) {
  auto c = Cidr::parse(text);
  EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error().message);
  return c.value_or(Cidr{});
}

std::string errorOf(const Result<IpAddress>& r) {
  return r ? "" : r.error().message;
}
std::string errorOf(const Result<Cidr>& r) {
  return r ? "" : r.error().message;
}

TEST(IpAddress, ParsesAndPrintsIpv4) {
  EXPECT_EQ(ip("10.0.1.25").toString(), "10.0.1.25");
  EXPECT_EQ(ip("0.0.0.0").toString(), "0.0.0.0");
  EXPECT_EQ(ip("255.255.255.255").v4Value(), 0xFFFFFFFFU);
  EXPECT_TRUE(ip("1.2.3.4").isV4());
}

TEST(IpAddress, RejectsBadIpv4WithReasons) {
  const auto leading = IpAddress::parse("10.01.0.1");
  ASSERT_FALSE(leading);
  EXPECT_EQ(leading.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(errorOf(leading).find("leading zero"), std::string::npos) << errorOf(leading);
  EXPECT_NE(errorOf(IpAddress::parse("1.2.3.256")).find("out of range"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("1.2.3")).find("3 octets"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("1.2.3.4.5")).find("more than 4"), std::string::npos);
  EXPECT_FALSE(IpAddress::parse("1.2..4"));
  EXPECT_FALSE(IpAddress::parse("1.2.3.4 "));
  EXPECT_FALSE(IpAddress::parse("+1.2.3.4"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("a.b.c.d"));
  EXPECT_NE(errorOf(IpAddress::parse("1.2.3.999")).find("'1.2.3.999'"), std::string::npos);
}

TEST(IpAddress, Ipv6IsPrintedCanonically) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first of two equal runs
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // a single zero group stays
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"fe80::0:0:1", "fe80::1"},
      {"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"},
      {"::ffff:10.0.0.1", "::ffff:10.0.0.1"},
      {"::ffff:0a00:0001", "::ffff:10.0.0.1"},
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      {"2600:1f18:abcd:ef00:1:2:3:4", "2600:1f18:abcd:ef00:1:2:3:4"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(ip(in).toString(), out) << in;
}

TEST(IpAddress, RejectsBadIpv6WithReasons) {
  EXPECT_NE(errorOf(IpAddress::parse("1::2::3")).find("more than one"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("1:2:3:4:5:6:7")).find("7 groups"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("1:2:3:4:5:6:7:8:9")).find("more than 8"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("12345::")).find("4 hex"), std::string::npos);
  EXPECT_NE(errorOf(IpAddress::parse("fe80::1%eth0")).find("zone"), std::string::npos);
  EXPECT_FALSE(IpAddress::parse("1:2:3:4:5:6:7::8"));  // "::" standing for nothing
  EXPECT_FALSE(IpAddress::parse(":1:2:3:4:5:6:7"));
  EXPECT_FALSE(IpAddress::parse("g::1"));
  EXPECT_FALSE(IpAddress::parse("::1.2.3.04"));
  EXPECT_FALSE(IpAddress::parse("1.2.3.4::"));
}

TEST(IpAddress, FamiliesNeverCompareEqual) {
  EXPECT_NE(ip("0.0.0.1"), ip("::1"));
  EXPECT_LT(ip("10.0.0.1"), ip("10.0.0.2"));
  EXPECT_EQ(ip("2001:db8::1"), ip("2001:DB8:0::1"));
}

TEST(IpAddress, BytesRoundTrip) {
  const IpAddress a = ip("2001:db8:1:2:3:4:5:6");
  EXPECT_EQ(IpAddress::v6(a.v6Bytes()), a);
  EXPECT_EQ(a.v6Bytes()[0], 0x20);
  EXPECT_EQ(a.v6Bytes()[15], 0x06);
}

TEST(Cidr, ParsesPrintsAndRejectsHostBits) {
  EXPECT_EQ(cidr("10.0.0.0/8").toString(), "10.0.0.0/8");
  EXPECT_EQ(cidr("2001:DB8::/32").toString(), "2001:db8::/32");
  EXPECT_EQ(cidr("203.0.113.5/32").toString(), "203.0.113.5/32");
  const auto host_bits = Cidr::parse("10.0.0.1/24");
  ASSERT_FALSE(host_bits);
  EXPECT_NE(errorOf(host_bits).find("host bits"), std::string::npos);
  EXPECT_NE(errorOf(host_bits).find("10.0.0.0/24"), std::string::npos) << errorOf(host_bits);
  EXPECT_NE(errorOf(Cidr::parse("10.0.0.0/33")).find("out of range"), std::string::npos);
  EXPECT_NE(errorOf(Cidr::parse("::/129")).find("out of range"), std::string::npos);
  EXPECT_NE(errorOf(Cidr::parse("10.0.0.0/08")).find("leading zero"), std::string::npos);
  EXPECT_NE(errorOf(Cidr::parse("10.0.0.0")).find("missing"), std::string::npos);
  EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/-1"));
  EXPECT_FALSE(Cidr::parse("2001:db8::1/64"));
  EXPECT_FALSE(Cidr::parse("10.0.0.256/32"));
}

TEST(Cidr, LenientOptionsForFirewallMembers) {
  const auto bare = Cidr::parse("10.0.0.5", {.allow_bare_address = true});
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->toString(), "10.0.0.5/32");
  EXPECT_TRUE(bare->isHost());
  const auto masked = Cidr::parse("10.1.1.5/24", {.allow_host_bits = true});
  ASSERT_TRUE(masked);
  EXPECT_EQ(masked->toString(), "10.1.1.0/24");
  const auto v6 = Cidr::parse("2001:db8::5", {.allow_bare_address = true});
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->toString(), "2001:db8::5/128");
}

TEST(Cidr, Containment) {
  const Cidr vpc = cidr("10.0.0.0/16");
  EXPECT_TRUE(vpc.contains(ip("10.0.255.255")));
  EXPECT_FALSE(vpc.contains(ip("10.1.0.0")));
  EXPECT_TRUE(vpc.contains(cidr("10.0.4.0/24")));
  EXPECT_TRUE(vpc.contains(vpc));
  EXPECT_FALSE(cidr("10.0.4.0/24").contains(vpc));
  EXPECT_FALSE(vpc.contains(ip("::ffff:10.0.0.1")));  // another family
  EXPECT_TRUE(Cidr::anyV4().contains(ip("203.0.113.9")));
  EXPECT_FALSE(Cidr::anyV4().contains(ip("2001:db8::1")));
  EXPECT_TRUE(Cidr::anyV6().contains(cidr("2001:db8::/32")));
  EXPECT_TRUE(cidr("2001:db8::/32").contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(cidr("2001:db8::/32").contains(ip("2001:db9::")));
  EXPECT_TRUE(cidr("2001:db8:0:0:8000::/65").contains(ip("2001:db8::ffff:0:0:1")));
  EXPECT_FALSE(cidr("2001:db8:0:0:8000::/65").contains(ip("2001:db8::7fff:0:0:1")));
  EXPECT_TRUE(cidr("203.0.113.7/32").contains(ip("203.0.113.7")));
  EXPECT_FALSE(cidr("203.0.113.7/32").contains(ip("203.0.113.8")));
}

TEST(Cidr, Overlap) {
  EXPECT_TRUE(cidr("10.0.0.0/8").overlaps(cidr("10.20.0.0/16")));
  EXPECT_TRUE(cidr("10.20.0.0/16").overlaps(cidr("10.0.0.0/8")));
  EXPECT_FALSE(cidr("10.0.0.0/16").overlaps(cidr("10.1.0.0/16")));
  EXPECT_FALSE(cidr("0.0.0.0/0").overlaps(cidr("::/0")));
}

TEST(Cidr, FirstAndLast) {
  EXPECT_EQ(cidr("10.0.0.0/8").last().toString(), "10.255.255.255");
  EXPECT_EQ(cidr("0.0.0.0/0").last().toString(), "255.255.255.255");
  EXPECT_EQ(cidr("2001:db8::/64").last().toString(), "2001:db8::ffff:ffff:ffff:ffff");
  EXPECT_EQ(cidr("::/0").last().toString(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(Cidr::containing(ip("192.168.7.9"), 20).toString(), "192.168.0.0/20");
}

TEST(Cidr, HashableAndOrdered) {
  std::unordered_set<Cidr> set{cidr("10.0.0.0/8"), cidr("10.0.0.0/8"), cidr("10.0.0.0/16")};
  EXPECT_EQ(set.size(), 2U);
  EXPECT_LT(cidr("10.0.0.0/8"), cidr("10.0.0.0/16"));
}

TEST(IpRange, ParseContainAndOverlap) {
  const auto r = IpRange::parse("10.0.0.10-10.0.0.20");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(ip("10.0.0.10")));
  EXPECT_TRUE(r->contains(ip("10.0.0.20")));
  EXPECT_FALSE(r->contains(ip("10.0.0.21")));
  EXPECT_EQ(r->toString(), "10.0.0.10-10.0.0.20");
  EXPECT_TRUE(r->overlaps(IpRange::of(cidr("10.0.0.16/30"))));
  EXPECT_FALSE(r->overlaps(IpRange::of(cidr("10.0.0.24/30"))));
  EXPECT_TRUE(IpRange::of(cidr("10.0.0.0/24")).contains(*r));
  EXPECT_FALSE(IpRange::parse("10.0.0.20-10.0.0.10"));
  EXPECT_FALSE(IpRange::parse("10.0.0.1-::1"));
  EXPECT_FALSE(IpRange::parse("10.0.0.1"));
}

TEST(AddressSpec, ReadsEveryFirewallSpelling) {
  const auto host = parseAddressSpec("10.0.0.5");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains(ip("10.0.0.5")));
  EXPECT_FALSE(host->contains(ip("10.0.0.6")));
  const auto net = parseAddressSpec("10.1.1.5/24");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(ip("10.1.1.200")));
  const auto range = parseAddressSpec("2001:db8::1-2001:db8::ff");
  ASSERT_TRUE(range);
  EXPECT_TRUE(range->contains(ip("2001:db8::80")));
  EXPECT_FALSE(parseAddressSpec("any"));
  EXPECT_FALSE(parseAddressSpec("web-servers"));
}

}  // namespace
}  // namespace trailwall::net
