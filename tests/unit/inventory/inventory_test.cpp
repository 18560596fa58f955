#include "inventory/inventory.h"

#include <gtest/gtest.h>

namespace trailwall::inventory {
namespace {

Permission perm(std::string_view proto, int from, int to) {
  Permission p;
  p.protocol = *net::Protocol::parse(proto);
  p.from_port = from;
  p.to_port = to;
  return p;
}

TEST(InstanceState, RoundTripsEveryEc2Name) {
  for (auto s : {InstanceState::Pending, InstanceState::Running, InstanceState::ShuttingDown,
                 InstanceState::Terminated, InstanceState::Stopping, InstanceState::Stopped}) {
    EXPECT_EQ(*parseInstanceState(to_string(s)), s);
  }
  EXPECT_FALSE(parseInstanceState("Running"));
}

TEST(Instance, OnlyPendingAndRunningAreUp) {
  Instance i;
  i.state = InstanceState::Pending;
  EXPECT_TRUE(i.isUp());
  i.state = InstanceState::Stopping;
  EXPECT_FALSE(i.isUp());
}

TEST(Permission, PortsAreCheckedAgainstTheProtocol) {
  EXPECT_TRUE(validatePermission(perm("tcp", 443, 443)));
  EXPECT_TRUE(validatePermission(perm("udp", 0, 65535)));
  EXPECT_FALSE(validatePermission(perm("tcp", -1, -1)));
  EXPECT_FALSE(validatePermission(perm("tcp", 90, 80)));
  EXPECT_FALSE(validatePermission(perm("tcp", 80, 65536)));
  EXPECT_TRUE(validatePermission(perm("icmp", 8, -1)));
  EXPECT_TRUE(validatePermission(perm("icmpv6", -1, -1)));
  EXPECT_FALSE(validatePermission(perm("icmp", -1, 4)));
  EXPECT_FALSE(validatePermission(perm("icmp", 256, -1)));
  EXPECT_TRUE(validatePermission(perm("-1", -1, -1)));
  EXPECT_TRUE(validatePermission(perm("47", 12, 99)));  // EC2 ignores ports of other protocols
}

TEST(Route, TargetIdAndDefault) {
  Route r;
  r.destination = *net::Cidr::parse("0.0.0.0/0");
  r.instance_id = "i-1";
  r.network_interface_id = "eni-1";
  EXPECT_EQ(r.targetId(), "i-1");
  EXPECT_TRUE(r.isDefault());
  r.instance_id.clear();
  EXPECT_EQ(r.targetId(), "eni-1");
  r.destination = *net::Cidr::parse("10.0.0.0/16");
  EXPECT_FALSE(r.isDefault());
}

TEST(Coverage, EverythingCoversAllOwners) {
  Coverage c;
  EXPECT_FALSE(c.coversGroup("sg-1"));
  c.group_ids.insert("sg-1");
  EXPECT_TRUE(c.coversGroup("sg-1"));
  EXPECT_FALSE(c.coversInstance("i-1"));
  c.everything = true;
  EXPECT_TRUE(c.coversInstance("i-1"));
}

}  // namespace
}  // namespace trailwall::inventory
