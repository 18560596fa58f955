#include "inventory/inventory_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include "common/both.h"
#include "support/files.h"

namespace trailwall::inventory {
namespace {

using ::trailwall::test::readFile;

const auto kExample = test::examplesDir() / "inventory.json";

std::string errorOf(std::string_view json) {
  const auto r = parseInventoryJson(json);
  return r ? "" : r.error().message;
}

// Large inputs are read on two threads even on a busy machine, while in scope.
struct TwoThreads {
  TwoThreads() { useSecondCore(SecondCore::Always); }
  ~TwoThreads() { useSecondCore(SecondCore::IfIdle); }
  TwoThreads(const TwoThreads&) = delete;
  TwoThreads& operator=(const TwoThreads&) = delete;
};

TEST(InventoryJson, ReadsTheSampleInventory) {
  const auto inv = parseInventoryJson(readFile(kExample));
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_EQ(inv->vpcs.size(), 1U);
  EXPECT_EQ(inv->vpcs[0].ipv4_cidrs.size(), 2U);
  EXPECT_EQ(inv->vpcs[0].ipv6_cidrs[0].toString(), "2600:1f18:4a3:6900::/56");
  EXPECT_EQ(inv->instances.size(), 4U);
  EXPECT_EQ(inv->instances[3].state, InstanceState::Stopped);
  const auto& main_table = inv->route_tables[1];
  EXPECT_TRUE(main_table.isMain());
  EXPECT_EQ(main_table.routes[3].instance_id, "i-0f1e2d3c4b5a60001");
  EXPECT_EQ(main_table.routes[3].network_interface_id, "eni-0f1e2d3c4b5a60002");
  EXPECT_EQ(inv->route_tables[0].routes[2].gateway_id, "igw-0c0c0c0c0c0c0c0c0");
  const auto& eni = inv->network_interfaces[2];
  EXPECT_EQ(eni.primary_ipv4->toString(), "10.0.1.25");
  EXPECT_EQ(eni.secondary_ipv4[0].toString(), "10.0.1.26");
  EXPECT_EQ(eni.ipv6_addresses[0].toString(), "2600:1f18:4a3:6901::25");
  EXPECT_EQ(eni.attachment->instance_id, "i-0a1b2c3d4e5f60101");
  const auto& web = inv->security_groups[1];
  EXPECT_EQ(web.ingress[0].ipv4_ranges[0].description, "HTTPS from anywhere");
  EXPECT_TRUE(web.ingress[0].ipv6_ranges[0].cidr.isAny());
  EXPECT_EQ(web.ingress[1].prefix_lists[0].prefix_list_id, "pl-0a0a0a0a0a0a0a0a0");
  EXPECT_TRUE(web.ingress[2].protocol.isIcmp());
  EXPECT_EQ(web.ingress[3].group_pairs[0].group_id, "sg-0a1b2c3d4e5f60719");
  EXPECT_EQ(inv->prefix_lists[0].entries.size(), 2U);
  EXPECT_TRUE(inv->coverage.everything);  // a file without "coverage" is a full picture
}

TEST(InventoryJson, WriteThenReadGivesTheSameInventory) {
  auto inv = parseInventoryJson(readFile(kExample));
  ASSERT_TRUE(inv);
  inv->coverage = Coverage{.everything = false, .group_ids = {"sg-1"}, .instance_ids = {"i-1"}};
  inv->gone = {"i-gone", "sg-gone"};
  inv->route_tables[0].routes[0].state = "blackhole";
  const std::string text = toJson(*inv);
  const auto again = parseInventoryJson(text);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *inv);
  EXPECT_EQ(toJson(*again), text);
}

TEST(InventoryJson, EmptyCoverageCoversNothing) {
  const auto inv = parseInventoryJson(R"({"coverage": {}})");
  ASSERT_TRUE(inv);
  EXPECT_FALSE(inv->coverage.everything);
  EXPECT_EQ(parseInventoryJson(toJson(*inv))->coverage, inv->coverage);
}

TEST(InventoryJson, ErrorsNameTheJsonPath) {
  EXPECT_EQ(errorOf(R"({"vpcs": [{"id": "vpc-1", "ipv4_cidrs": ["10.0.0.1/16"]}]})")
                .rfind("vpcs[0].ipv4_cidrs[0]: ", 0),
            0U)
      << errorOf(R"({"vpcs": [{"id": "vpc-1", "ipv4_cidrs": ["10.0.0.1/16"]}]})");
  EXPECT_NE(
      errorOf(R"({"vpcs": [{"id": "vpc-1", "ipv4_cidrs": ["10.0.0.1/16"]}]})").find("host bits"),
      std::string::npos);
  const std::string perm = errorOf(R"({"security_groups": [{"id": "sg-1", "vpc_id": "v",
      "ingress": [{"protocol": "tcp", "from_port": "443", "to_port": 443}]}]})");
  EXPECT_NE(perm.find("security_groups[0].ingress[0].from_port: expected an integer"),
            std::string::npos)
      << perm;
  const std::string ports = errorOf(R"({"security_groups": [{"id": "sg-1", "vpc_id": "v",
      "ingress": [{"protocol": "tcp", "from_port": 90, "to_port": 80}]}]})");
  EXPECT_NE(ports.find("security_groups[0].ingress[0]: tcp port range 90-80"), std::string::npos)
      << ports;
  EXPECT_NE(
      errorOf(R"({"instances": [{"id": "i-1", "state": "asleep"}]})").find("instances[0].state"),
      std::string::npos);
  EXPECT_NE(errorOf(R"({"instances": [{"state": "running"}]})").find("instances[0]: missing 'id'"),
            std::string::npos);
}

TEST(InventoryJson, RejectsTyposDuplicatesAndWrongFamilies) {
  EXPECT_NE(errorOf(R"({"instance": []})").find("unknown key 'instance'"), std::string::npos);
  EXPECT_NE(errorOf(R"({"instances": [{"id": "i-1", "state": "running"},
                                       {"id": "i-1", "state": "stopped"}]})")
                .find("duplicate id 'i-1'"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"network_interfaces": [{"id": "eni-1", "subnet_id": "s",
                         "primary_ipv4": "2001:db8::1"}]})")
                .find("expected an IPv4 address"),
            std::string::npos);
  EXPECT_NE(errorOf(R"({"prefix_lists": [{"id": "pl-1", "address_family": "IPv6",
                         "entries": [{"cidr": "10.0.0.0/8"}]}]})")
                .find("expected an IPv6 CIDR"),
            std::string::npos);
  EXPECT_NE(
      errorOf(
          R"({"route_tables": [{"id": "rtb-1", "vpc_id": "v", "associations": [{"id": "a"}]}]})")
          .find("main or names a subnet_id"),
      std::string::npos);
  EXPECT_NE(errorOf("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(errorOf("[]").find("expected an object"), std::string::npos);
}

// An inventory of `n` instances, each with an ENI and a group of two permissions: more than the
// 8 MB from which the reader splits its work over two threads when n is 12,000.
Inventory large(int n) {
  auto inv = parseInventoryJson(readFile(kExample));
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(100000 + i);
    Instance instance;
    instance.id = "i-" + k;
    instance.vpc_id = "vpc-1";
    instance.subnet_id = "subnet-1";
    instance.network_interface_ids = {"eni-" + k};
    instance.name = "host " + k;
    inv->instances.push_back(instance);
    NetworkInterface eni;
    eni.id = "eni-" + k;
    eni.subnet_id = "subnet-1";
    eni.vpc_id = "vpc-1";
    eni.primary_ipv4 = net::IpAddress::v4(0x0A000000U + static_cast<std::uint32_t>(i));
    eni.group_ids = {"sg-" + k};
    eni.attachment = Attachment{instance.id, 0, "eni-attach-" + k};
    inv->network_interfaces.push_back(eni);
    SecurityGroup group;
    group.id = "sg-" + k;
    group.name = "group " + k;
    group.vpc_id = "vpc-1";
    group.description = "a group with a \"quoted\" description";
    for (int port : {443, 8000 + i % 1000}) {
      Permission p;
      p.protocol = net::Protocol::tcp();
      p.from_port = port;
      p.to_port = port;
      p.ipv4_ranges.push_back({*net::Cidr::parse("0.0.0.0/0"), "anyone"});
      group.ingress.push_back(p);
    }
    inv->security_groups.push_back(group);
  }
  return *inv;
}

// large(12,000) and its JSON text, made once for the tests below.
const std::pair<Inventory, std::string>& largeInventory() {
  static const auto made = [] {
    Inventory inv = large(12000);
    std::string text = toJson(inv);
    return std::pair{std::move(inv), std::move(text)};
  }();
  return made;
}

TEST(InventoryJson, ALargeInventoryReadOnTwoThreadsIsTheSame) {
  const TwoThreads two;
  const auto& [inv, text] = largeInventory();
  ASSERT_GT(text.size(), 8U << 20);
  const auto again = parseInventoryJson(text);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->security_groups, inv.security_groups);
  EXPECT_EQ(*again, inv);
}

// An error in a large input is the one a single pass meets first: a bad group before an unknown
// member (the threads meet them apart), and each one alone.
TEST(InventoryJson, ALargeInventorysFirstErrorIsReported) {
  const TwoThreads two;
  const std::string& text = largeInventory().second;
  const auto group = text.find("\"protocol\": \"tcp\"");
  ASSERT_NE(group, std::string::npos);
  std::string bad_group = text;
  bad_group.replace(group, 17, "\"protocol\": \"xyz\"");
  std::string unknown = text;
  unknown.insert(unknown.rfind('}'), ", \"extra\": 1");
  std::string both = bad_group;
  both.insert(both.rfind('}'), ", \"extra\": 1");
  const std::string group_error = errorOf(bad_group);
  EXPECT_NE(group_error.find("security_groups[1].ingress[0].protocol"), std::string::npos)
      << group_error;
  EXPECT_NE(errorOf(unknown).find("unknown key 'extra'"), std::string::npos) << errorOf(unknown);
  EXPECT_EQ(errorOf(both), group_error);
}

}  // namespace
}  // namespace trailwall::inventory
