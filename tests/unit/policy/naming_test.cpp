#include "policy/naming.h"

#include <gtest/gtest.h>

namespace trailwall::policy {
namespace {

inventory::Permission perm(std::string_view proto, int from, int to) {
  inventory::Permission p;
  p.protocol = *net::Protocol::parse(proto);
  p.from_port = from;
  p.to_port = to;
  return p;
}

TEST(Naming, SuffixSaysProtocolAndPorts) {
  EXPECT_EQ(permissionSuffix(perm("tcp", 443, 443)), "tcp-443");
  EXPECT_EQ(permissionSuffix(perm("udp", 8000, 8099)), "udp-8000-8099");
  EXPECT_EQ(permissionSuffix(perm("-1", -1, -1)), "all");
  EXPECT_EQ(permissionSuffix(perm("icmp", -1, -1)), "icmp");
  EXPECT_EQ(permissionSuffix(perm("icmp", 8, -1)), "icmp-8");
  EXPECT_EQ(permissionSuffix(perm("icmp", 3, 4)), "icmp-3-4");
  EXPECT_EQ(permissionSuffix(perm("icmpv6", 128, -1)), "icmpv6-128");
  EXPECT_EQ(permissionSuffix(perm("47", -1, -1)), "proto47");
}

TEST(Naming, RuleNamesAreDeterministicAndFit) {
  EXPECT_EQ(ruleName("sg-0a1b2c3d4e5f60718", "tcp-443"), "sg-0a1b2c3d4e5f60718-tcp-443");
  const std::string longest = ruleName("sg-0a1b2c3d4e5f60718", "tcp-65535-65535-d15");
  EXPECT_LE(longest.size(), kMaxNameLength);
  const std::string owner(60, 'a');
  const std::string a = ruleName("i-" + owner, "tcp-1000-2000");
  const std::string b = ruleName("i-" + owner, "tcp-1000-2001");
  EXPECT_EQ(a.size(), kMaxNameLength);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, ruleName("i-" + owner, "tcp-1000-2000"));
  EXPECT_TRUE(validateName(a, "rule"));
}

TEST(Naming, ManagedPatternNamesTheOwner) {
  EXPECT_EQ(managedRuleOwner("sg-0a1b2c3d4e5f60718-tcp-443"), "sg-0a1b2c3d4e5f60718");
  EXPECT_EQ(managedRuleOwner("i-0123456789abcdef0-icmp-8-d1"), "i-0123456789abcdef0");
  EXPECT_FALSE(managedRuleOwner("sg-0a1b2c3d4e5f60718"));
  EXPECT_FALSE(managedRuleOwner("sg-0a1b2c3d4e5f60718-"));
  EXPECT_FALSE(managedRuleOwner("sg-XYZ-tcp-443"));
  EXPECT_FALSE(managedRuleOwner("allow-web"));
  EXPECT_FALSE(managedRuleOwner("i-0123-Tcp-443"));
  EXPECT_FALSE(managedRuleOwner("sg-01-tcp 443"));
}

TEST(Naming, ManagedNeedsPatternAndTag) {
  SecurityRule r;
  r.name = "sg-0a1b2c3d4e5f60718-tcp-443";
  EXPECT_FALSE(isManagedRule(r, "trailwall"));
  r.tag = {"ops", "trailwall"};
  EXPECT_TRUE(isManagedRule(r, "trailwall"));
  r.name = "web-443";
  EXPECT_FALSE(isManagedRule(r, "trailwall"));
}

TEST(Naming, ServiceObjects) {
  EXPECT_EQ(serviceObjectName("tcp", *net::PortRange::parse("8000-8099")), "tw-tcp-8000-8099");
  ServiceObject s;
  s.name = "tw-udp-500";
  s.tag = {"trailwall"};
  EXPECT_TRUE(isManagedService(s, "trailwall"));
  s.name = "tw-udp-500-";
  EXPECT_FALSE(isManagedService(s, "trailwall"));
  s.name = "tw-icmp-5";
  EXPECT_FALSE(isManagedService(s, "trailwall"));
  s.name = "tw-tcp-1-2";
  s.tag = {};
  EXPECT_FALSE(isManagedService(s, "trailwall"));
}

}  // namespace
}  // namespace trailwall::policy
