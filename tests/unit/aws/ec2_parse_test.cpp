#include "aws/ec2_parse.h"

#include <gtest/gtest.h>

#include "ec2_test_data.h"

namespace trailwall::aws {
namespace {

net::Cidr cidr(std::string_view text) {
  return *net::Cidr::parse(text);
}
net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

TEST(Ec2Parse, VpcsKeepPrimaryFirstAndOnlyAssociatedBlocks) {
  auto page = parseDescribeVpcs(ec2Data("aws/describe-vpcs-page1.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 1u);
  const auto& vpc = page->items[0];
  EXPECT_EQ(vpc.id, "vpc-0a1b2c3d4e5f60001");
  EXPECT_EQ(vpc.owner_id, "111122223333");
  EXPECT_EQ(vpc.ipv4_cidrs, (std::vector{cidr("10.0.0.0/16"), cidr("100.64.0.0/16")}));
  EXPECT_EQ(vpc.ipv6_cidrs, std::vector{cidr("2600:1f18:abcd:1200::/56")});
  EXPECT_EQ(page->next_token, "eyJ2IjoiMiIsImMiOiJ2cGMtcGFnZTIifQ==");
  auto last = parseDescribeVpcs(ec2Data("aws/describe-vpcs-page2.xml"));
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->next_token.empty());
}

TEST(Ec2Parse, SubnetsWithIpv6AndIpv6Only) {
  auto page = parseDescribeSubnets(ec2Data("aws/describe-subnets.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].ipv4_cidr, cidr("10.0.1.0/24"));
  EXPECT_EQ(page->items[0].ipv6_cidrs, std::vector{cidr("2600:1f18:abcd:1201::/64")});
  EXPECT_FALSE(page->items[1].ipv4_cidr);
  EXPECT_EQ(page->items[1].vpc_id, "vpc-0a1b2c3d4e5f60001");
}

TEST(Ec2Parse, RouteTablesWithEveryKindOfTargetAndAssociation) {
  auto page = parseDescribeRouteTables(ec2Data("aws/describe-route-tables.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 2u);
  const auto& rt = page->items[0];
  EXPECT_EQ(rt.vpc_id, "vpc-0a1b2c3d4e5f60001");
  ASSERT_EQ(rt.associations.size(), 1u);  // the disassociated one is gone
  EXPECT_EQ(rt.associations[0].subnet_id, "subnet-0a1b2c3d4e5f60011");
  EXPECT_FALSE(rt.isMain());
  ASSERT_EQ(rt.routes.size(), 5u);
  EXPECT_TRUE(rt.routes[1].isDefault());
  EXPECT_EQ(rt.routes[1].instance_id, "i-0a1b2c3d4e5f60031");
  EXPECT_EQ(rt.routes[1].network_interface_id, "eni-0a1b2c3d4e5f60041");
  EXPECT_EQ(rt.routes[2].destination, cidr("::/0"));
  EXPECT_EQ(rt.routes[2].state, "blackhole");
  EXPECT_FALSE(rt.routes[3].destination);
  EXPECT_EQ(rt.routes[3].destination_prefix_list_id, "pl-63a5400a");
  EXPECT_EQ(rt.routes[3].gateway_id, "vpce-0a1b2c3d4e5f60051");
  EXPECT_EQ(rt.routes[4].other_target_id, "nat-0a1b2c3d4e5f60061");
  const auto& main = page->items[1];
  EXPECT_TRUE(main.isMain());
  ASSERT_EQ(main.associations.size(), 2u);
  EXPECT_EQ(main.associations[1].gateway_id, "igw-0a1b2c3d4e5f60081");
  EXPECT_EQ(main.routes[1].gateway_id, "igw-0a1b2c3d4e5f60081");
}

// EC2's answer after the firewall instance a default route names was stopped: the route keeps
// its target and says blackhole; exposure analysis must not count it (decision case
// blackhole-default-route). A route without <state> is active.
TEST(Ec2Parse, ABlackholeDefaultRouteKeepsItsTargetAndState) {
  auto page = parseDescribeRouteTables(R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeRouteTablesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>9a4d4a8e-0000-4000-8000-000000000001</requestId>
    <routeTableSet>
        <item>
            <routeTableId>rtb-0a1b2c3d4e5f60091</routeTableId>
            <vpcId>vpc-0a1b2c3d4e5f60001</vpcId>
            <ownerId>111122223333</ownerId>
            <routeSet>
                <item>
                    <destinationCidrBlock>10.0.0.0/16</destinationCidrBlock>
                    <gatewayId>local</gatewayId>
                    <origin>CreateRouteTable</origin>
                </item>
                <item>
                    <destinationCidrBlock>0.0.0.0/0</destinationCidrBlock>
                    <instanceId>i-0a1b2c3d4e5f60031</instanceId>
                    <instanceOwnerId>111122223333</instanceOwnerId>
                    <networkInterfaceId>eni-0a1b2c3d4e5f60041</networkInterfaceId>
                    <state>blackhole</state>
                    <origin>CreateRoute</origin>
                </item>
            </routeSet>
            <associationSet/>
            <tagSet/>
        </item>
    </routeTableSet>
</DescribeRouteTablesResponse>)");
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 1u);
  const auto& routes = page->items[0].routes;
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].state, "active");
  EXPECT_TRUE(routes[1].isDefault());
  EXPECT_EQ(routes[1].instance_id, "i-0a1b2c3d4e5f60031");
  EXPECT_EQ(routes[1].network_interface_id, "eni-0a1b2c3d4e5f60041");
  EXPECT_EQ(routes[1].state, "blackhole");
}

TEST(Ec2Parse, InstancesCarryTheirInterfacesInFull) {
  auto page = parseDescribeInstances(ec2Data("aws/describe-instances.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->instances.size(), 3u);
  const auto& web = page->instances[0];
  EXPECT_EQ(web.id, "i-0a1b2c3d4e5f60032");
  EXPECT_EQ(web.state, inventory::InstanceState::Running);
  EXPECT_EQ(web.name, "web-1");
  EXPECT_EQ(web.subnet_id, "subnet-0a1b2c3d4e5f60011");
  EXPECT_EQ(web.network_interface_ids,
            (std::vector<std::string>{"eni-0a1b2c3d4e5f60043", "eni-0a1b2c3d4e5f60044"}));
  EXPECT_EQ(page->instances[1].state, inventory::InstanceState::Stopped);
  EXPECT_EQ(page->instances[2].state, inventory::InstanceState::Terminated);
  ASSERT_EQ(page->network_interfaces.size(), 3u);
  const auto& eni = page->network_interfaces[0];
  EXPECT_EQ(eni.primary_ipv4, ip("10.0.1.10"));
  EXPECT_EQ(eni.secondary_ipv4, std::vector{ip("10.0.1.11")});
  EXPECT_EQ(eni.ipv6_addresses, std::vector{ip("2600:1f18:abcd:1201::10")});
  EXPECT_EQ(eni.group_ids,
            (std::vector<std::string>{"sg-0a1b2c3d4e5f60101", "sg-0a1b2c3d4e5f60102"}));
  ASSERT_TRUE(eni.attachment);
  EXPECT_EQ(eni.attachment->instance_id, "i-0a1b2c3d4e5f60032");
  EXPECT_EQ(eni.attachment->device_index, 0);
  EXPECT_EQ(page->network_interfaces[1].attachment->device_index, 1);
  EXPECT_EQ(page->next_token, "eyJ2IjoiMiJ9-instances-page-2");
}

TEST(Ec2Parse, NetworkInterfacesAttachedAndDetached) {
  auto page = parseDescribeNetworkInterfaces(ec2Data("aws/describe-network-interfaces.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].attachment->instance_id, "i-0a1b2c3d4e5f60032");
  EXPECT_EQ(page->items[0].secondary_ipv4, std::vector{ip("10.0.1.21")});
  EXPECT_FALSE(page->items[1].attachment);
  EXPECT_FALSE(page->items[1].primary_ipv4);
  EXPECT_EQ(page->items[1].ipv6_addresses, std::vector{ip("2600:1f18:abcd:1202::5")});
}

TEST(Ec2Parse, SecurityGroupsReadIngressOnlyWithEverySourceKind) {
  auto page = parseDescribeSecurityGroups(ec2Data("aws/describe-security-groups.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 2u);
  const auto& web = page->items[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.description, "web servers");
  ASSERT_EQ(web.ingress.size(), 5u);
  const auto& https = web.ingress[0];
  EXPECT_TRUE(https.protocol.isTcp());
  EXPECT_EQ(https.from_port, 443);
  EXPECT_EQ(https.ipv4_ranges[0].cidr, cidr("0.0.0.0/0"));
  EXPECT_EQ(https.ipv4_ranges[0].description, "anyone");
  EXPECT_EQ(https.ipv6_ranges[0].cidr, cidr("::/0"));
  EXPECT_TRUE(web.ingress[1].protocol.isIcmp());
  EXPECT_EQ(web.ingress[1].from_port, 8);
  EXPECT_EQ(web.ingress[1].to_port, -1);
  EXPECT_TRUE(web.ingress[2].protocol.isAll());
  EXPECT_EQ(web.ingress[2].group_pairs[0].group_id, "sg-0a1b2c3d4e5f60199");
  EXPECT_EQ(web.ingress[2].group_pairs[0].user_id, "444455556666");
  EXPECT_EQ(web.ingress[3].prefix_lists[0].prefix_list_id, "pl-0a1b2c3d4e5f60201");
  EXPECT_EQ(web.ingress[3].prefix_lists[0].description, "partners");
  EXPECT_EQ(web.ingress[4].protocol, net::Protocol::number(50));
}

TEST(Ec2Parse, SecurityGroupRulesAreFlatPermissions) {
  auto page = parseDescribeSecurityGroupRules(ec2Data("aws/describe-security-group-rules.xml"));
  ASSERT_TRUE(page) << to_string(page.error());
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].id, "sgr-0a1b2c3d4e5f60301");
  EXPECT_EQ(page->items[0].permission.ipv4_ranges[0].description, "anyone");
  EXPECT_EQ(page->items[1].permission.group_pairs[0].group_id, "sg-0a1b2c3d4e5f60199");
  EXPECT_TRUE(page->items[2].is_egress);
  EXPECT_EQ(page->items[3].permission.prefix_lists[0].prefix_list_id, "pl-0a1b2c3d4e5f60201");
  EXPECT_EQ(page->next_token, "sgr-page-2");
}

TEST(Ec2Parse, PrefixListsAndEntries) {
  auto lists = parseDescribeManagedPrefixLists(ec2Data("aws/describe-managed-prefix-lists.xml"));
  ASSERT_TRUE(lists) << to_string(lists.error());
  ASSERT_EQ(lists->items.size(), 2u);
  EXPECT_EQ(lists->items[0].name, "partners");
  EXPECT_EQ(lists->items[0].version, 3);
  EXPECT_EQ(lists->items[1].address_family, net::Family::V6);
  auto entries =
      parseGetManagedPrefixListEntries(ec2Data("aws/get-managed-prefix-list-entries-page1.xml"));
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->items.size(), 2u);
  EXPECT_EQ(entries->items[0].cidr, cidr("198.51.100.0/24"));
  EXPECT_EQ(entries->items[0].description, "partner one");
  EXPECT_EQ(entries->next_token, "entries-page-2");
}

TEST(Ec2Parse, MotoAnswersForTheIntegrationTopologyParse) {
  EXPECT_TRUE(parseDescribeInstances(ec2Data("moto/describe-instances.xml")));
  EXPECT_TRUE(parseDescribeNetworkInterfaces(ec2Data("moto/describe-network-interfaces.xml")));
  EXPECT_TRUE(parseDescribeSecurityGroups(ec2Data("moto/describe-security-groups.xml")));
  EXPECT_TRUE(parseDescribeSecurityGroupRules(ec2Data("moto/describe-security-group-rules.xml")));
  EXPECT_TRUE(parseDescribeRouteTables(ec2Data("moto/describe-route-tables.xml")));
  EXPECT_TRUE(parseDescribeSubnets(ec2Data("moto/describe-subnets.xml")));
  auto vpcs = parseDescribeVpcs(ec2Data("moto/describe-vpcs.xml"));
  ASSERT_TRUE(vpcs);
  EXPECT_EQ(vpcs->items[0].ipv4_cidrs, (std::vector{cidr("10.10.0.0/16"), cidr("10.20.0.0/16")}));
  EXPECT_TRUE(parseDescribeManagedPrefixLists(ec2Data("moto/describe-managed-prefix-lists.xml")));
  EXPECT_TRUE(
      parseGetManagedPrefixListEntries(ec2Data("moto/get-managed-prefix-list-entries.xml")));
}

TEST(Ec2Parse, BadInputIsAnErrorThatSaysWhere) {
  auto malformed = parseDescribeVpcs("<DescribeVpcsResponse><vpcSet>");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, ErrorCode::InvalidInput);
  auto wrong_root = parseDescribeVpcs("<DescribeSubnetsResponse/>");
  ASSERT_FALSE(wrong_root);
  EXPECT_NE(wrong_root.error().message.find("DescribeVpcsResponse"), std::string::npos);
  auto bad_cidr = parseDescribeVpcs(
      "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.1/16</cidrBlock>"
      "</item></vpcSet></DescribeVpcsResponse>");
  ASSERT_FALSE(bad_cidr);
  EXPECT_NE(bad_cidr.error().message.find("vpc vpc-1: cidrBlock '10.0.0.1/16'"), std::string::npos)
      << bad_cidr.error().message;
  auto no_id = parseDescribeSubnets(
      "<DescribeSubnetsResponse><subnetSet><item><cidrBlock>10.0.0.0/24</cidrBlock></item>"
      "</subnetSet></DescribeSubnetsResponse>");
  ASSERT_FALSE(no_id);
  EXPECT_NE(no_id.error().message.find("missing <subnetId>"), std::string::npos);
  auto bad_state = parseDescribeInstances(
      "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1"
      "</instanceId><instanceState><name>exploded</name></instanceState></item></instancesSet>"
      "</item></reservationSet></DescribeInstancesResponse>");
  ASSERT_FALSE(bad_state);
  EXPECT_NE(bad_state.error().message.find("instance i-1"), std::string::npos);
  auto bad_ports = parseDescribeSecurityGroups(
      "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId>"
      "<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>90</fromPort><toPort>80</toPort>"
      "</item></ipPermissions></item></securityGroupInfo></DescribeSecurityGroupsResponse>");
  ASSERT_FALSE(bad_ports);
  EXPECT_NE(bad_ports.error().message.find("group sg-1 ipPermissions[0]"), std::string::npos);
}

TEST(Ec2Parse, NotFoundMessagesNameWholeIds) {
  const std::vector<std::string> asked{"i-1", "i-12", "i-0a1b2c3d4e5f60998", "i-0a1b2c3d4e5f60999"};
  EXPECT_EQ(
      idsNamedIn("The instance IDs 'i-0a1b2c3d4e5f60998, i-0a1b2c3d4e5f60999' do not exist", asked),
      (std::vector<std::string>{"i-0a1b2c3d4e5f60998", "i-0a1b2c3d4e5f60999"}));
  EXPECT_EQ(idsNamedIn("The instance ID 'i-12' does not exist", asked),
            std::vector<std::string>{"i-12"});
  EXPECT_TRUE(idsNamedIn("something else", asked).empty());
}

}  // namespace
}  // namespace trailwall::aws
