// Unit tests of the policy's building blocks; whole decisions are in decisions_test.cpp.
#include <gtest/gtest.h>

#include "common/both.h"
#include "policy/desired.h"
#include "policy/exposure.h"
#include "policy/flows.h"
#include "policy/members.h"
#include "policy/options.h"
#include "policy/plan.h"

namespace trailwall::policy {
namespace {

net::Cidr cidr(std::string_view text) {
  return *net::Cidr::parse(text);
}
net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

TEST(AppIdTable, DefaultsFollowTheOriginalAndFixIcmp) {
  const auto t = AppIdTable::defaults();
  EXPECT_EQ(*t.forPort(net::Protocol::tcp(), 443), Members{"ssl"});
  EXPECT_EQ(*t.forPort(net::Protocol::tcp(), 5439), Members{"amazon-redshift"});
  // PAN-OS has no App-ID "rdp": a rule naming it would not commit.
  EXPECT_EQ(*t.forPort(net::Protocol::tcp(), 3389), Members{"ms-rdp"});
  EXPECT_EQ(*t.forPort(net::Protocol::udp(), 53), Members{"dns"});
  EXPECT_EQ(t.forPort(net::Protocol::udp(), 443), nullptr);
  EXPECT_EQ(t.icmp_echo, Members{"ping"});
  EXPECT_EQ(t.icmp_all, (Members{"icmp", "ping", "traceroute"}));
  EXPECT_EQ(t.icmpv6_all, Members{"ipv6-icmp"});
}

TEST(Options, NamesThatReachTheFirewallAreValidated) {
  Options o;
  EXPECT_TRUE(o.validate());
  o.bottom_rule = "clean up";
  EXPECT_TRUE(o.validate());
  o.managed_tag = "";
  EXPECT_EQ(o.validate().error().code, ErrorCode::Config);
  o.managed_tag = "trailwall";
  o.from_zone = "bad<zone>";
  EXPECT_FALSE(o.validate());
}

TEST(Members, ComparisonIgnoresOrderAndAddressSpelling) {
  EXPECT_EQ(canonicalMember("10.0.0.5/32"), "10.0.0.5");
  EXPECT_EQ(canonicalMember("2001:DB8::1"), "2001:db8::1");
  EXPECT_EQ(canonicalMember("10.0.0.0/24"), "10.0.0.0/24");
  EXPECT_EQ(canonicalMember("any"), "any");
  EXPECT_EQ(canonicalMember("web.example.com"), "web.example.com");
  EXPECT_TRUE(sameMembers({"10.0.0.5", "any"}, {"any", "10.0.0.5/32"}));
  EXPECT_FALSE(sameMembers({"10.0.0.5"}, {"10.0.0.6"}));
  EXPECT_FALSE(sameMembers({"10.0.0.5"}, {"10.0.0.5", "10.0.0.6"}));
}

DesiredRule ruleWith(std::vector<net::Cidr> sources, std::vector<net::IpAddress> destinations) {
  DesiredRule d;
  d.rule.name = "sg-01-tcp-443";
  d.match.sources = std::move(sources);
  d.match.destinations = std::move(destinations);
  d.match.protocol = net::Protocol::tcp();
  d.match.ports = net::PortRange::single(443);
  d.match.applications = {"ssl"};
  renderMatch(d);
  return d;
}

TEST(RenderMatch, AnyOnlyWhenEveryUsedFamilyIsOpen) {
  // 0.0.0.0/0 with IPv4 destinations only: any.
  EXPECT_EQ(ruleWith({cidr("0.0.0.0/0")}, {ip("10.0.1.5")}).rule.source, Members{"any"});
  // 0.0.0.0/0 but an IPv6 source that is not ::/0: spelled out, so IPv6 is not opened wider.
  const auto mixed =
      ruleWith({cidr("0.0.0.0/0"), cidr("2001:db8::/32")}, {ip("10.0.1.5"), ip("2600:1f18::5")});
  EXPECT_EQ(mixed.rule.source, (Members{"0.0.0.0/0", "2001:db8::/32"}));
  // IPv6 destinations without IPv6 sources are dropped (and the other way round).
  const auto v4only = ruleWith({cidr("0.0.0.0/0")}, {ip("10.0.1.5"), ip("2600:1f18::5")});
  EXPECT_EQ(v4only.rule.destination, Members{"10.0.1.5"});
  EXPECT_EQ(v4only.rule.source, Members{"any"});
  // Blocks inside others collapse; destinations are sorted and unique.
  const auto collapsed =
      ruleWith({cidr("203.0.113.0/24"), cidr("203.0.113.128/25"), cidr("198.51.100.7/32")},
               {ip("10.0.1.9"), ip("10.0.1.10"), ip("10.0.1.9")});
  EXPECT_EQ(collapsed.rule.source, (Members{"198.51.100.7/32", "203.0.113.0/24"}));
  EXPECT_EQ(collapsed.rule.destination, (Members{"10.0.1.9", "10.0.1.10"}));
  EXPECT_FALSE(hasTraffic(ruleWith({cidr("2001:db8::/32")}, {ip("10.0.1.5")}).match));
}

TEST(Flows, OnePerSourceOfTheFamilyAndApplication) {
  auto d = ruleWith({cidr("203.0.113.0/24"), cidr("2001:db8::/32")},
                    {ip("10.0.1.5"), ip("2600:1f18::5")});
  d.match.applications = {"icmp", "ping"};
  const auto flows = flowsTo(d, ip("10.0.1.5"));
  ASSERT_EQ(flows.size(), 2U);
  EXPECT_EQ(flows[0].source, cidr("203.0.113.0/24"));
  EXPECT_EQ(flows[0].application, "icmp");
  EXPECT_EQ(flows[1].application, "ping");
  d.match.protocol = net::Protocol::all();
  EXPECT_TRUE(flowsTo(d, ip("10.0.1.5")).empty());
}

TEST(Flows, OnlyNewDestinationsAreChecked) {
  Desired desired;
  desired.rules.push_back(ruleWith({cidr("0.0.0.0/0")}, {ip("10.0.1.5"), ip("10.0.1.6")}));
  Rulebase current;
  SecurityRule existing = desired.rules[0].rule;
  existing.tag = {"trailwall"};
  existing.destination = {"10.0.1.5/32"};
  current.rules.push_back(existing);
  Options options;
  const auto flows = flowsToCheck(desired, current, options);
  ASSERT_EQ(flows.size(), 1U);
  EXPECT_EQ(flows[0].destination, ip("10.0.1.6"));
  options.check_already_allowed = false;
  EXPECT_TRUE(flowsToCheck(desired, current, options).empty());
}

TEST(Flows, SampleAddressIsTheFirstHost) {
  EXPECT_EQ(sampleAddress(cidr("203.0.113.0/24")), ip("203.0.113.1"));
  EXPECT_EQ(sampleAddress(cidr("203.0.113.7/32")), ip("203.0.113.7"));
  EXPECT_EQ(sampleAddress(cidr("0.0.0.0/0")), ip("0.0.0.1"));
  EXPECT_EQ(sampleAddress(cidr("2001:db8::/32")), ip("2001:db8::1"));
}

TEST(Exposure, ExplicitAssociationWinsOverTheMainTable) {
  inventory::Inventory inv;
  inventory::RouteTable main_table;
  main_table.id = "rtb-main";
  main_table.vpc_id = "vpc-1";
  main_table.associations.push_back({"rtbassoc-1", true, "", ""});
  inventory::RouteTable own = main_table;
  own.id = "rtb-own";
  own.associations = {{"rtbassoc-2", false, "subnet-b", ""}};
  inv.route_tables = {main_table, own};
  EXPECT_EQ(effectiveRouteTable(inv, "subnet-a", "vpc-1")->id, "rtb-main");
  EXPECT_EQ(effectiveRouteTable(inv, "subnet-b", "vpc-1")->id, "rtb-own");
  EXPECT_EQ(effectiveRouteTable(inv, "subnet-c", "vpc-2"), nullptr);
}

TEST(Exposure, NoGatewayConfiguredExposesNothingAndSaysSo) {
  inventory::Inventory inv;
  const auto e = analyzeExposure(inv, Options{});
  EXPECT_TRUE(e.interfaces.empty());
  ASSERT_EQ(e.warnings.size(), 1U);
  EXPECT_NE(e.warnings[0].find("no gateway"), std::string::npos);
}

// vpc-1's main table, its default route to the gateway instance i-gw.
inventory::RouteTable mainTableToTheGateway() {
  inventory::RouteTable table;
  table.id = "rtb-1";
  table.vpc_id = "vpc-1";
  table.associations.push_back({"rtbassoc-1", true, "", ""});
  inventory::Route route;
  route.destination = cidr("0.0.0.0/0");
  route.instance_id = "i-gw";
  table.routes.push_back(route);
  return table;
}

TEST(Exposure, ABlackholeDefaultRouteToTheGatewayRoutesNothing) {
  inventory::Inventory inv;
  inv.route_tables = {mainTableToTheGateway()};
  inventory::Instance web;
  web.id = "i-web";
  web.vpc_id = "vpc-1";
  inv.instances = {web};
  inventory::NetworkInterface eni;
  eni.id = "eni-web";
  eni.subnet_id = "subnet-1";
  eni.vpc_id = "vpc-1";
  eni.primary_ipv4 = ip("10.0.0.5");
  eni.attachment = inventory::Attachment{"i-web", 0, ""};
  inv.network_interfaces = {eni};
  Options options;
  options.gateway_instance_id = "i-gw";
  const auto active = analyzeExposure(inv, options);
  ASSERT_EQ(active.interfaces.size(), 1U);
  EXPECT_TRUE(active.warnings.empty());

  inv.route_tables[0].routes[0].state = "blackhole";
  const auto blackhole = analyzeExposure(inv, options);
  EXPECT_TRUE(blackhole.interfaces.empty());
  ASSERT_EQ(blackhole.warnings.size(), 1U);
  EXPECT_EQ(blackhole.warnings[0],
            "rtb-1 sends 0.0.0.0/0 to the gateway (i-gw) but the route is blackhole (its target "
            "is stopped or gone): the subnets it serves are not routed through the firewall");
}

// `groups` groups of 10 tcp permissions from anywhere, each carried by one running instance behind
// the gateway; every 100th group also names a prefix list the inventory lacks (a warning).
inventory::Inventory manyGroups(int first, int count) {
  inventory::Inventory inv;
  inv.route_tables = {mainTableToTheGateway()};
  inv.vpcs.push_back({"vpc-1", {cidr("10.0.0.0/8")}, {}, "", ""});
  for (int k = first; k < first + count; ++k) {
    const std::string n = std::to_string(100000 + k);
    inventory::SecurityGroup g;
    g.id = "sg-" + n;
    g.vpc_id = "vpc-1";
    for (int port = 1000; port < 1010; ++port) {
      inventory::Permission p;
      p.protocol = net::Protocol::tcp();
      p.from_port = port;
      p.to_port = port;
      p.ipv4_ranges.push_back({cidr("0.0.0.0/0"), ""});
      if (k % 100 == 0 && port == 1000) p.prefix_lists.push_back({"pl-" + n, ""});
      g.ingress.push_back(std::move(p));
    }
    inv.security_groups.push_back(std::move(g));
    inventory::Instance instance;
    instance.id = "i-" + n;
    instance.vpc_id = "vpc-1";
    inv.instances.push_back(instance);
    inventory::NetworkInterface eni;
    eni.id = "eni-" + n;
    eni.subnet_id = "subnet-1";
    eni.vpc_id = "vpc-1";
    eni.primary_ipv4 = net::IpAddress::v4(0x0A000000U + static_cast<std::uint32_t>(k) * 4 + 1);
    eni.group_ids = {"sg-" + n};
    eni.attachment = inventory::Attachment{instance.id, 0, ""};
    inv.network_interfaces.push_back(std::move(eni));
  }
  return inv;
}

// A large inventory's rules are made on two threads (each with half the groups); the result must
// be the one a single thread makes: the same rules in name order and the same warnings in group
// order. The single-thread answer is the concatenation of three inventories small enough to
// stay on one thread.
TEST(DesiredRules, ALargeInventoryGivesTheSameRulesAndWarningsAsSmallOnes) {
  Options options;
  options.gateway_instance_id = "i-gw";
  useSecondCore(SecondCore::Always);  // even on a busy machine
  const auto whole = desiredRules(manyGroups(0, 2500), options);
  useSecondCore(SecondCore::IfIdle);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->rules.size(), 25000U);
  std::vector<DesiredRule> rules;
  std::vector<std::string> warnings;
  for (const auto& [first, count] : {std::pair{0, 1000}, {1000, 1000}, {2000, 500}}) {
    auto part = desiredRules(manyGroups(first, count), options);
    ASSERT_TRUE(part);
    rules.insert(rules.end(), part->rules.begin(), part->rules.end());
    warnings.insert(warnings.end(), part->warnings.begin(), part->warnings.end());
  }
  ASSERT_EQ(whole->rules.size(), rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    ASSERT_EQ(whole->rules[i], rules[i]) << "rule " << i << ": " << whole->rules[i].rule.name;
  }
  EXPECT_EQ(whole->warnings, warnings);
  ASSERT_EQ(whole->warnings.size(), 25U);
  EXPECT_EQ(whole->warnings.front(),
            "sg-100000 references prefix list pl-100000, which the inventory does not hold; its "
            "entries are left out");
  EXPECT_EQ(whole->rules.front().rule.name, "sg-100000-tcp-1000");
  EXPECT_EQ(whole->rules.back().rule.destination, Members{"10.0.39.13"});
}

SecurityRule named(std::string name) {
  SecurityRule r;
  r.name = std::move(name);
  return r;
}

TEST(ApplyPlan, PlacesAboveTheBottomRuleAndMoves) {
  Rulebase rb;
  rb.rules = {named("admin-1"), named("sg-01-tcp-22"), named("admin-2"), named("deny-all")};
  Plan p;
  p.placement = Placement{Placement::Where::Before, "deny-all"};
  p.add_rules = {named("sg-01-tcp-443")};
  p.move_rules = {"sg-01-tcp-22"};
  const auto out = applyPlan(rb, p);
  std::vector<std::string> names;
  for (const auto& r : out.rules) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"admin-1", "admin-2", "sg-01-tcp-443", "sg-01-tcp-22",
                                             "deny-all"}));
  Plan bottom;
  bottom.add_rules = {named("sg-02-all")};
  bottom.delete_rules = {named("admin-1")};
  const auto out2 = applyPlan(rb, bottom);
  EXPECT_EQ(out2.rules.back().name, "sg-02-all");
  EXPECT_EQ(out2.rules.front().name, "sg-01-tcp-22");
  EXPECT_FALSE(bottom.empty());
  EXPECT_EQ(bottom.changeCount(), 2U);
  EXPECT_TRUE(Plan{}.empty());
}

TEST(Plan, EditsKeepWhatTheAdministratorAddedToAManagedRule) {
  Desired desired;
  desired.scope.everything = true;
  desired.rules.push_back(ruleWith({cidr("0.0.0.0/0")}, {ip("10.0.1.5")}));
  desired.rules[0].rule.tag = {"trailwall"};
  desired.rules[0].rule.action = "allow";
  SecurityRule current = desired.rules[0].rule;
  current.destination = {"10.0.1.9"};
  current.uuid = "0b8e1d2a-5f7c-4d3e-8a9b-1c2d3e4f5a6b";
  current.log_setting = "to-splunk";
  current.disabled = true;
  current.tag = {"trailwall", "ops"};
  current.extra_xml = {
      "<option><disable-server-response-inspection>no</"
      "disable-server-response-inspection></option>"};
  Rulebase rb;
  rb.rules = {current};
  const auto p = plan(desired, rb, {}, Options{});
  ASSERT_TRUE(p);
  ASSERT_EQ(p->edit_rules.size(), 1U);
  const auto& e = p->edit_rules[0];
  EXPECT_EQ(e.changed, std::vector<std::string>{"destination"});
  EXPECT_EQ(e.after.destination, Members{"10.0.1.5"});
  EXPECT_EQ(e.after.uuid, current.uuid);
  EXPECT_EQ(e.after.log_setting, "to-splunk");
  EXPECT_TRUE(e.after.disabled);
  EXPECT_EQ(e.after.tag, current.tag);
  EXPECT_EQ(e.after.extra_xml, current.extra_xml);
}

TEST(Plan, OutOfScopeManagedRulesAreNeverTouched) {
  Desired desired;
  desired.scope.ids = {"sg-0a"};
  SecurityRule other;
  other.name = "sg-0b-tcp-22";
  other.tag = {"trailwall"};
  Rulebase rb;
  rb.rules = {other};
  const auto p = plan(desired, rb, {}, Options{});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->empty());
  desired.scope.ids.insert("sg-0b");
  const auto q = plan(desired, rb, {}, Options{});
  ASSERT_TRUE(q);
  ASSERT_EQ(q->delete_rules.size(), 1U);
  EXPECT_EQ(q->delete_rules[0].name, "sg-0b-tcp-22");
}

}  // namespace
}  // namespace trailwall::policy
