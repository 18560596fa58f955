// The inventory loader against moto_server (signatures verified): a topology built through the
// EC2 API (build_topology.py) loads into exactly the inventory it describes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "aws/ec2_client.h"
#include "aws/inventory_loader.h"
#include "aws/session.h"
#include "cloudtrail/decoder.h"
#include "http/socket_transport.h"
#include "inventory/inventory_json.h"
#include "support/moto_server.h"

namespace trailwall::aws {
namespace {

using inventory::Inventory;
using Json = nlohmann::json;

net::Cidr cidr(std::string_view text) {
  return *net::Cidr::parse(text);
}
net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

// Runs build_topology.py against moto with the admin keys; returns the ids it printed.
Result<Json> buildTopology(const test::MotoServer& moto) {
  const auto script = std::filesystem::path(TRAILWALL_TEST_DATA_DIR).parent_path() / "integration" /
                      "aws" / "build_topology.py";
  const auto& creds = moto.adminCredentials();
  const std::string command = "AWS_ENDPOINT_URL=" + moto.endpoint() +
                              " AWS_ACCESS_KEY_ID=" + creds.access_key_id +
                              " AWS_SECRET_ACCESS_KEY=" + creds.secret_access_key +
                              " AWS_REGION=" + moto.region() + " python3 " + script.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return fail(ErrorCode::Io, "cannot run " + script.string());
  }
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    out.append(buffer, n);
  }
  if (::pclose(pipe) != 0) {
    return fail(ErrorCode::Remote, "build_topology.py failed:\n" + out);
  }
  return Json::parse(out);
}

class InventoryLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_.start();
    if (moto_) {
      auto ids = buildTopology(*moto_);
      if (!ids) {
        moto_.setError(to_string(ids.error()) + "\n" + moto_->log());
      } else {
        ids_ = *ids;
      }
    }
  }
  static void TearDownTestSuite() { moto_.stop(); }

  void SetUp() override {
    ASSERT_TRUE(moto_) << moto_.error();
    // Wired the way the CLI wires it: from environment variables only.
    env_.set("AWS_ENDPOINT_URL", moto_->endpoint());
    env_.set("AWS_ACCESS_KEY_ID", moto_->adminCredentials().access_key_id);
    env_.set("AWS_SECRET_ACCESS_KEY", moto_->adminCredentials().secret_access_key);
    env_.set("AWS_REGION", moto_->region());
    env_.set("AWS_CONFIG_FILE", "/nonexistent/trailwall-test-config");
    env_.set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/trailwall-test-credentials");
    env_.set("AWS_EC2_METADATA_DISABLED", "true");
    auto session = AwsSession::create(env_, transport_, clock_, random_);
    ASSERT_TRUE(session) << to_string(session.error());
    session_ = std::move(*session);
    ec2_ = std::make_unique<Ec2Client>(session_->context(), session_->endpoint(kEc2));
  }

  std::string id(const char* kind, const char* name) { return ids_[kind][name]; }
  std::string eni(const char* instance, int index) { return ids_["enis"][instance][index]; }

  Result<LoadResult> load(const inventory::Scope& scope) {
    InventoryLoader loader(*ec2_, moto_->region(), LoaderOptions{id("instances", "gw"), {}, {}});
    return loader.load(scope);
  }

  // The whole test VPC, as build_topology.py made it.
  Inventory expectedVpc() {
    const std::string vpc = ids_["vpc"];
    Inventory inv;
    inv.vpcs = {{vpc,
                 {cidr("10.10.0.0/16"), cidr("10.20.0.0/16")},
                 {},
                 moto_->accountId(),
                 moto_->region()}};
    inv.subnets = {
        {id("subnets", "gw"), vpc, cidr("10.10.0.0/24"), {}},
        {id("subnets", "a"), vpc, cidr("10.10.1.0/24"), {}},
        {id("subnets", "b"), vpc, cidr("10.20.1.0/24"), {}},
        {id("subnets", "c"), vpc, cidr("10.10.2.0/24"), {}},
    };
    const auto local = [](std::string_view block) {
      inventory::Route r;
      r.destination = cidr(block);
      r.gateway_id = "local";
      return r;
    };
    inventory::Route to_gateway;
    to_gateway.destination = cidr("0.0.0.0/0");
    to_gateway.instance_id = id("instances", "gw");
    inventory::Route to_eni;
    to_eni.destination = cidr("0.0.0.0/0");
    to_eni.network_interface_id = eni("gw", 1);
    inv.route_tables = {
        {id("route_tables", "main"),
         vpc,
         {{id("associations", "main"), true, "", ""}},
         {local("10.10.0.0/16"), local("10.20.0.0/16")}},
        {id("route_tables", "a"),
         vpc,
         {{id("associations", "a"), false, id("subnets", "a"), ""}},
         {local("10.10.0.0/16"), local("10.20.0.0/16"), to_gateway}},
        {id("route_tables", "b"),
         vpc,
         {{id("associations", "b"), false, id("subnets", "b"), ""}},
         {local("10.10.0.0/16"), local("10.20.0.0/16"), to_eni}},
    };
    using enum inventory::InstanceState;
    const auto instance = [&](const char* name, inventory::InstanceState state, const char* subnet,
                              const char* tag) {
      std::vector<std::string> enis = ids_["enis"][name];
      return inventory::Instance{id("instances", name), state, vpc,
                                 id("subnets", subnet), enis,  tag};
    };
    inv.instances = {instance("gw", Running, "gw", "firewall"),
                     instance("web", Running, "a", "web"), instance("app", Running, "b", "app"),
                     instance("db", Stopped, "c", "db")};
    const auto interface = [&](const char* instance_name, int index, const char* subnet,
                               const char* address, std::vector<std::string> groups) {
      const std::string eni_id = eni(instance_name, index);
      return inventory::NetworkInterface{eni_id,
                                         id("subnets", subnet),
                                         vpc,
                                         ip(address),
                                         {},
                                         {},
                                         std::move(groups),
                                         inventory::Attachment{id("instances", instance_name),
                                                               index, ids_["attachments"][eni_id]}};
    };
    const std::string sg_web = id("groups", "web");
    const std::string sg_app = id("groups", "app");
    const std::string sg_gw = id("groups", "gw");
    inv.network_interfaces = {
        interface("gw", 0, "gw", "10.10.0.10", {sg_gw}),
        interface("gw", 1, "gw", "10.10.0.20", {sg_gw}),
        interface("web", 0, "a", "10.10.1.10", {sg_web}),
        interface("web", 1, "a", "10.10.1.20", {sg_web, sg_app}),
        interface("app", 0, "b", "10.20.1.10", {sg_app}),
        interface("db", 0, "c", "10.10.2.10", {sg_app}),
    };
    inv.network_interfaces[3].secondary_ipv4 = {ip("10.10.1.21")};
    const auto tcp = [](int port) {
      inventory::Permission p;
      p.protocol = net::Protocol::tcp();
      p.from_port = p.to_port = port;
      return p;
    };
    auto https = tcp(443);
    https.ipv4_ranges = {{cidr("0.0.0.0/0"), "https"}};
    auto ssh = tcp(22);
    ssh.ipv4_ranges = {{cidr("203.0.113.0/24"), ""}};
    auto partners = tcp(8080);
    partners.prefix_lists = {{ids_["prefix_list"], ""}};
    auto http = tcp(80);
    http.group_pairs = {{sg_web, moto_->accountId(), "", ""}};
    inventory::Permission dns;
    dns.protocol = net::Protocol::udp();
    dns.from_port = dns.to_port = 53;
    dns.ipv4_ranges = {{cidr("10.20.0.0/16"), ""}};
    auto monitoring = tcp(9090);
    monitoring.prefix_lists = {{ids_["prefix_list_two"], ""}};
    inv.security_groups = {{sg_web, "web", vpc, "web tier", {https, ssh, partners}},
                           {sg_app, "app", vpc, "app tier", {http, dns, monitoring}},
                           {sg_gw, "gw", vpc, "firewall", {}}};
    // The list's name is not read: it would cost a DescribeManagedPrefixLists call and nothing
    // trailwall decides depends on it.
    inv.prefix_lists = {
        {ids_["prefix_list"],
         "",
         net::Family::V4,
         {{cidr("198.51.100.0/24"), "partner one"}, {cidr("192.0.2.0/25"), "partner two"}}},
        {ids_["prefix_list_two"], "", net::Family::V4, {{cidr("100.64.10.0/24"), "monitoring"}}}};
    return inv;
  }

  static void sortById(Inventory& inv) {
    const auto by_id = [](auto& v) {
      std::ranges::sort(v, [](const auto& a, const auto& b) { return a.id < b.id; });
    };
    by_id(inv.vpcs);
    by_id(inv.subnets);
    by_id(inv.route_tables);
    by_id(inv.instances);
    by_id(inv.network_interfaces);
    by_id(inv.security_groups);
    by_id(inv.prefix_lists);
  }

  // Compares as JSON, so a failure shows both inventories in the sample-inventory format.
  static void expectSame(Inventory expected, Inventory actual) {
    sortById(expected);
    sortById(actual);
    EXPECT_EQ(inventory::toJson(expected), inventory::toJson(actual));
    EXPECT_TRUE(expected == actual);
  }

  static inline test::SuiteMoto moto_;
  static inline Json ids_;
  MapEnvironment env_;
  http::SocketTransport transport_;
  SystemClock clock_;
  SystemRandom random_;
  std::unique_ptr<AwsSession> session_;
  std::unique_ptr<Ec2Client> ec2_;
};

TEST_F(InventoryLoad, WholeVpcLoadsExactlyTheTopology) {
  inventory::Scope scope;
  scope.vpc_ids = {ids_["vpc"]};
  auto loaded = load(scope);
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  Inventory expected = expectedVpc();
  expected.subnets.clear();  // a scoped load reads no subnets: each ENI names its VPC
  // The VPC's default security group comes with it and is covered like the others.
  auto& groups = loaded->inventory.security_groups;
  const auto default_group =
      std::ranges::find_if(groups, [](auto& g) { return g.name == "default"; });
  ASSERT_NE(default_group, groups.end());
  expected.security_groups.push_back(*default_group);
  expected.coverage =
      inventory::Coverage{.everything = false,
                          .group_ids = {id("groups", "web"), id("groups", "app"),
                                        id("groups", "gw"), default_group->id},
                          .instance_ids = {id("instances", "gw"), id("instances", "web"),
                                           id("instances", "app"), id("instances", "db")}};
  expectSame(expected, loaded->inventory);
  EXPECT_FALSE(loaded->report.widened);
}

TEST_F(InventoryLoad, InstanceScopeCoversItsGroupsWithAFixedNumberOfCalls) {
  inventory::Scope scope;
  scope.instance_ids = {id("instances", "web")};
  auto loaded = load(scope);
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  // web's ENIs carry web and app; every ENI carrying those is loaded (app's and db's too, with
  // their instances); the gateway is loaded to recognise routes; gw's group is not needed.
  Inventory expected = expectedVpc();
  expected.subnets.clear();  // a scoped load reads no subnets: each ENI names its VPC
  std::erase_if(expected.security_groups, [&](auto& g) { return g.id == id("groups", "gw"); });
  expected.coverage = inventory::Coverage{.everything = false,
                                          .group_ids = {id("groups", "web"), id("groups", "app")},
                                          .instance_ids = {id("instances", "web")}};
  expectSame(expected, loaded->inventory);
  // web and the gateway; web's groups and the network around them; the ENIs carrying the
  // groups and the entries of the two prefix lists the groups reference (one call per list:
  // GetManagedPrefixListEntries takes one); app and db, behind those ENIs.
  const CallCounts expected_calls = {
      {"DescribeInstances", 2},   {"DescribeNetworkInterfaces", 1},
      {"DescribeRouteTables", 1}, {"DescribeSecurityGroups", 1},
      {"DescribeVpcs", 1},        {"GetManagedPrefixListEntries", 2},
  };
  EXPECT_EQ(loaded->report.calls, expected_calls) << loaded->report.summary();
  EXPECT_EQ(loaded->report.total_calls, 8u);
}

// A batch naming an instance and a group (a start and a rule change) reads each kind once: the
// named group waits for the groups the instance carries, and the ENIs carrying all of them are
// asked for in the same round, not one round later.
TEST_F(InventoryLoad, InstancesAndGroupsNamedTogetherReadEachKindOnce) {
  inventory::Scope scope;
  scope.instance_ids = {id("instances", "app")};  // app's ENI carries app only
  scope.group_ids = {id("groups", "web")};
  auto loaded = load(scope);
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  Inventory expected = expectedVpc();
  expected.subnets.clear();
  std::erase_if(expected.security_groups, [&](auto& g) { return g.id == id("groups", "gw"); });
  expected.coverage = inventory::Coverage{.everything = false,
                                          .group_ids = {id("groups", "web"), id("groups", "app")},
                                          .instance_ids = {id("instances", "app")}};
  expectSame(expected, loaded->inventory);
  EXPECT_TRUE(loaded->inventory.gone.empty());
  // Was 11: DescribeInstances 3, DescribeNetworkInterfaces 2, DescribeSecurityGroups 2.
  const CallCounts expected_calls = {
      {"DescribeInstances", 2},   {"DescribeNetworkInterfaces", 1},
      {"DescribeRouteTables", 1}, {"DescribeSecurityGroups", 1},
      {"DescribeVpcs", 1},        {"GetManagedPrefixListEntries", 2},
  };
  EXPECT_EQ(loaded->report.calls, expected_calls) << loaded->report.summary();
}

// A CloudTrail log of `records` (JSON objects), decoded the way `handle` decodes it, merged into
// the one scope of its batch.
inventory::Scope batchScope(const std::vector<std::string>& records) {
  std::string log = "{\"Records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) log += (i == 0 ? "" : ",") + records[i];
  log += "]}";
  cloudtrail::Decoder decoder;
  cloudtrail::Decoded decoded;
  decoder.decode(log, "batch", decoded);
  EXPECT_TRUE(decoded.errors.empty());
  EXPECT_EQ(decoded.changes.size(), records.size());
  inventory::Scope scope;
  for (const auto& change : decoded.changes) scope.merge(change.scope);
  return scope;
}

std::string record(const std::string& name, const std::string& region,
                   const std::string& parameters, std::size_t n) {
  return R"({"eventVersion":"1.09","eventSource":"ec2.amazonaws.com","eventName":")" + name +
         R"(","awsRegion":")" + region + R"(","eventTime":"2026-11-27T10:00:00Z","eventID":"e-)" +
         std::to_string(n) + R"(","requestParameters":)" + parameters + "}";
}

std::string instancesParameters(const std::string& id) {
  return R"({"instancesSet":{"items":[{"instanceId":")" + id + R"("}]}})";
}

TEST_F(InventoryLoad, BatchesOfOneAndOfAThousandEventsCostAtMostEightCalls) {
  const std::string region = moto_->region();
  {
    SCOPED_TRACE("one StartInstances whose groups have two prefix-list sources");
    auto loaded = load(batchScope(
        {record("StartInstances", region, instancesParameters(id("instances", "web")), 0)}));
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_LE(loaded->report.total_calls, 8u) << loaded->report.summary();
    std::printf("1 event: %s\n", loaded->report.summary().c_str());
    EXPECT_EQ(loaded->inventory.prefix_lists.size(), 2u);
  }
  {
    SCOPED_TRACE("1,000 events: starts, stops and group changes, most naming ids now gone");
    std::vector<std::string> records;
    std::set<std::string> unknown_instances;
    std::set<std::string> unknown_groups;
    const char* real_instances[] = {"web", "app", "db"};
    const char* real_groups[] = {"web", "app"};
    for (std::size_t n = 0; n < 1000; ++n) {
      if (n % 2 == 1) {
        const bool real = n % 16 == 1;
        std::string group =
            real ? id("groups", real_groups[n / 16 % 2]) : fmt::format("sg-0f{:015x}", n);
        if (!real) unknown_groups.insert(group);
        records.push_back(
            record("RevokeSecurityGroupIngress", region, R"({"groupId":")" + group + R"("})", n));
      } else {
        const bool real = n % 6 == 0;
        std::string instance =
            real ? id("instances", real_instances[n / 6 % 3]) : fmt::format("i-0f{:015x}", n);
        if (!real) unknown_instances.insert(instance);
        records.push_back(record(n % 4 == 0 ? "StartInstances" : "StopInstances", region,
                                 instancesParameters(instance), n));
      }
    }
    const auto scope = batchScope(records);
    ASSERT_GT(scope.instance_ids.size(), Ec2Client::kMaxValuesPerCall);
    ASSERT_GT(scope.group_ids.size(), Ec2Client::kMaxValuesPerCall);
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_LE(loaded->report.total_calls, 8u) << loaded->report.summary();
    std::printf("1,000 events: %s\n", loaded->report.summary().c_str());
    const auto& inv = loaded->inventory;
    for (const auto& gone : unknown_instances) EXPECT_TRUE(inv.gone.contains(gone)) << gone;
    for (const auto& gone : unknown_groups) EXPECT_TRUE(inv.gone.contains(gone)) << gone;
    for (const char* name : real_instances) {
      EXPECT_TRUE(inv.coverage.coversInstance(id("instances", name))) << name;
    }
    for (const char* name : real_groups) {
      EXPECT_TRUE(inv.coverage.coversGroup(id("groups", name))) << name;
    }
    // Everything the named instances and groups need is there: their ENIs, the route tables
    // and VPC, and both prefix lists.
    EXPECT_EQ(inv.vpcs.size(), 1u);
    EXPECT_EQ(inv.route_tables.size(), 3u);
    EXPECT_EQ(inv.prefix_lists.size(), 2u);
    EXPECT_EQ(inv.network_interfaces.size(), 6u);
  }
}

TEST_F(InventoryLoad, CommandPrintsWhatItLoadedAsInventoryJson) {
  const auto binary = std::filesystem::path(TRAILWALL_BINARY_DIR) / "src" / "cli" / "trailwall";
  const auto& creds = moto_->adminCredentials();
  const std::string command =
      "env -i PATH=\"$PATH\" HOME=/nonexistent AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=" +
      moto_->endpoint() + " AWS_ACCESS_KEY_ID=" + creds.access_key_id +
      " AWS_SECRET_ACCESS_KEY=" + creds.secret_access_key + " AWS_REGION=" + moto_->region() +
      " TRAILWALL_GATEWAY_INSTANCE_ID=" + id("instances", "gw") + " " + binary.string() +
      " inventory --scope " + id("instances", "web") + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    out.append(buffer, n);
  }
  ASSERT_EQ(::pclose(pipe), 0) << out;
  auto printed = inventory::parseInventoryJson(out);
  ASSERT_TRUE(printed) << to_string(printed.error()) << "\n" << out;
  inventory::Scope scope;
  scope.instance_ids = {id("instances", "web")};
  auto loaded = load(scope);
  ASSERT_TRUE(loaded);
  expectSame(loaded->inventory, *printed);
}

// Each test here pays for a moto_server and the topology (~15 s), so the remaining scope kinds
// share one test, one section each.
TEST_F(InventoryLoad, OtherScopesResolveWidenAndReportGone) {
  {
    SCOPED_TRACE("ids that no longer exist are reported gone");
    inventory::Scope scope;
    scope.instance_ids = {id("instances", "db"), "i-0123456789abcdef0"};
    scope.group_ids = {"sg-0123456789abcdef0"};
    scope.network_interface_ids = {"eni-0123456789abcdef0"};
    scope.subnet_ids = {"subnet-0123456789abcdef0"};
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_EQ(loaded->inventory.gone,
              (std::set<std::string>{"i-0123456789abcdef0", "sg-0123456789abcdef0",
                                     "eni-0123456789abcdef0", "subnet-0123456789abcdef0"}));
    EXPECT_TRUE(loaded->inventory.coverage.coversInstance(id("instances", "db")));
    EXPECT_FALSE(loaded->inventory.coverage.coversInstance("i-0123456789abcdef0"));
  }
  {
    SCOPED_TRACE("a route table widens to its VPC");
    inventory::Scope scope;
    scope.route_table_ids = {id("route_tables", "b")};
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_EQ(loaded->inventory.instances.size(), 4u);
    EXPECT_TRUE(loaded->inventory.coverage.coversGroup(id("groups", "gw")));
    EXPECT_TRUE(loaded->inventory.coverage.coversInstance(id("instances", "app")));
  }
  {
    SCOPED_TRACE("an ENI covers the instance it is attached to");
    inventory::Scope scope;
    scope.network_interface_ids = {eni("web", 1)};
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_TRUE(loaded->inventory.coverage.coversInstance(id("instances", "web")));
    EXPECT_TRUE(loaded->inventory.coverage.coversGroup(id("groups", "app")));
  }
  {
    SCOPED_TRACE("a vanished association widens to everything");
    inventory::Scope scope;
    scope.route_table_association_ids = {"rtbassoc-0123456789abcdef0"};
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_TRUE(loaded->report.widened);
    EXPECT_TRUE(loaded->inventory.coverage.everything);
    EXPECT_NE(loaded->report.summary().find("rtbassoc-0123456789abcdef0"), std::string::npos);
  }
  {
    SCOPED_TRACE("a prefix list covers the groups referencing it");
    inventory::Scope scope;
    scope.prefix_list_ids = {ids_["prefix_list"]};
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_TRUE(loaded->inventory.coverage.coversGroup(id("groups", "web")));
    EXPECT_FALSE(loaded->inventory.coverage.coversGroup(id("groups", "app")));
    ASSERT_EQ(loaded->inventory.prefix_lists.size(), 1u);
    EXPECT_EQ(loaded->inventory.prefix_lists[0].entries.size(), 2u);
  }
  {
    SCOPED_TRACE("everything: the topology and moto's default VPC, without ENI calls");
    inventory::Scope scope;
    scope.everything = true;
    auto loaded = load(scope);
    ASSERT_TRUE(loaded) << to_string(loaded.error());
    EXPECT_TRUE(loaded->inventory.coverage.everything);
    EXPECT_GE(loaded->inventory.vpcs.size(), 2u);
    EXPECT_EQ(loaded->inventory.instances.size(), 4u);
    EXPECT_TRUE(loaded->inventory.gone.empty());
    EXPECT_EQ(loaded->report.calls.count("DescribeNetworkInterfaces"), 0u);
  }
  {
    SCOPED_TRACE("an empty scope makes no call");
    auto loaded = load(inventory::Scope{});
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->report.total_calls, 0u);
  }
}

}  // namespace
}  // namespace trailwall::aws
