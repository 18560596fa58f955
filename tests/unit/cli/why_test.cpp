// `trailwall why`: the argument, and the answer from the sample inventory (examples/) and a
// firewall's rulebase and policy-match answers given as data.
#include "cli/why.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "inventory/inventory_json.h"
#include "policy/provenance.h"
#include "support/files.h"

namespace trailwall::cli {
namespace {

using ::trailwall::test::readFile;

TEST(ParseWhyTarget, TakesAnAddressWithAnOptionalPortAndProtocol) {
  const auto plain = parseWhyTarget("10.0.1.25").value();
  EXPECT_EQ(plain.address.toString(), "10.0.1.25");
  EXPECT_FALSE(plain.port.has_value());
  EXPECT_FALSE(plain.protocol.has_value());
  const auto port = parseWhyTarget("10.0.1.25:443").value();
  EXPECT_EQ(port.port, 443);
  EXPECT_EQ(port.protocol, net::Protocol::tcp());  // a port alone means tcp
  EXPECT_EQ(parseWhyTarget("10.0.1.25:53/udp").value().protocol, net::Protocol::udp());
  EXPECT_EQ(parseWhyTarget("10.0.1.25/icmp").value().protocol, net::Protocol::icmp());
  const auto v6 = parseWhyTarget("[2600:1f18:4a3:6901::25]:443/tcp").value();
  EXPECT_EQ(v6.address.toString(), "2600:1f18:4a3:6901::25");
  EXPECT_EQ(v6.toString(), "[2600:1f18:4a3:6901::25]:443/tcp");
  EXPECT_EQ(parseWhyTarget("2600:1f18:4a3:6901::25").value().address.toString(),
            "2600:1f18:4a3:6901::25");
  EXPECT_EQ(parseWhyTarget("2600:1f18:4a3:6901::25/icmpv6").value().protocol,
            net::Protocol::icmpV6());
}

TEST(ParseWhyTarget, RefusesWhatIsNotAnAddressPortOrProtocolAndSaysWhich) {
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "no address"},
           {"web-1", "not an IPv4 or IPv6 address"},
           {"10.0.1.256", "not an IPv4 or IPv6 address"},
           {"10.0.1.25:", "no port"},
           {"10.0.1.25:http", "the port is not a number"},
           {"10.0.1.25:65536", "the port is not a number"},
           {"10.0.1.25:0443", "the port is not a number"},
           {"10.0.1.25:443/", "no protocol"},
           {"10.0.1.25:443/bogus", "unknown protocol"},
           {"10.0.1.25/-1", "unknown protocol"},
           {"10.0.1.25:22/icmp", "icmp has no ports"},
           {"[2600:1f18::1", "'[' without ']'"},
           {"[2600:1f18::1]443", "':PORT' or '/PROTO' expected"}}) {
    const auto parsed = parseWhyTarget(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidInput) << text;
    EXPECT_NE(parsed.error().message.find(why), std::string::npos) << parsed.error().message;
  }
}

TEST(ParseChange, SplitsWhatAProvenanceNames) {
  const auto change =
      parseChange("StartInstances (6f1e-01) at 2026-12-03T08:00:00Z by arn:aws:iam::1:user/a b");
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->name, "StartInstances");
  EXPECT_EQ(change->id, "6f1e-01");
  EXPECT_EQ(change->time, "2026-12-03T08:00:00Z");
  EXPECT_EQ(change->principal, "arn:aws:iam::1:user/a b");
  EXPECT_FALSE(parseChange("full reconcile at 2026-12-03T08:00:00Z (no CloudTrail event)"));
  EXPECT_FALSE(parseChange(""));
}

class WhyTest : public ::testing::Test {
 protected:
  WhyTest() {
    inventory_ =
        inventory::parseInventoryJson(readFile(test::examplesDir() / "inventory.json")).value();
    options_ =
        config::parseConfig(readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml")
            .value()
            .policy;
    desired_ = policy::desiredRules(inventory_, options_).value();
  }

  WhyReport explain(std::string_view target) {
    auto report = explainAws(parseWhyTarget(target).value(), inventory_, desired_, options_);
    EXPECT_TRUE(report.has_value()) << to_string(report.error());
    planFlows(*report);
    return *report;
  }

  // The rulebase with the managed rules AWS calls for, each naming a change.
  policy::Rulebase managedRulebase() const {
    policy::Rulebase rulebase;
    for (const auto& d : desired_.rules) {
      auto rule = d.rule;
      rule.description = policy::withProvenance(rule.description,
                                                "StartInstances (ev-1) at 2026-12-03T08:00:00Z "
                                                "by arn:aws:iam::111122223333:user/alice");
      rulebase.rules.push_back(rule);
    }
    return rulebase;
  }

  inventory::Inventory inventory_;
  policy::Options options_;
  policy::Desired desired_;
};

TEST_F(WhyTest, NamesTheHolderTheGroupsPermissionAndTheManagedRule) {
  const auto report = explain("10.0.1.25:443");
  ASSERT_EQ(report.holders.size(), 1U);
  const auto& holder = report.holders.front();
  EXPECT_EQ(holder.eni->id, "eni-0a1b2c3d4e5f60101");
  ASSERT_NE(holder.instance, nullptr);
  EXPECT_EQ(holder.instance->name, "web-1");
  EXPECT_TRUE(holder.exposed) << holder.reason;
  ASSERT_EQ(holder.groups.size(), 2U);
  EXPECT_EQ(holder.groups[0], (std::pair<std::string, std::string>{"sg-0a1b2c3d4e5f60718", "web"}));
  // Only the permissions covering tcp/443: web's 443, not its 8000-8099, icmp or admin's 22.
  ASSERT_EQ(report.permissions.size(), 1U);
  EXPECT_EQ(report.permissions[0].group_name, "web");
  EXPECT_EQ(report.permissions[0].permission->from_port, 443);
  ASSERT_EQ(report.rules.size(), 1U);
  EXPECT_EQ(report.rules[0].desired->owner, "sg-0a1b2c3d4e5f60718");
  ASSERT_EQ(report.flows.size(), 1U);
  const auto& flow = report.flows[0].flow;
  EXPECT_EQ(flow.destination.toString(), "10.0.1.25");
  EXPECT_EQ(flow.ports.first(), 443);
  EXPECT_EQ(flow.source.toString(), "0.0.0.0/0");
}

TEST_F(WhyTest, WithoutAPortEveryExposedPermissionIsSampled) {
  const auto report = explain("10.0.1.25");
  EXPECT_GT(report.permissions.size(), 3U);  // web's four and admin's one, exposed or not
  std::set<std::string> owners;
  for (const auto& rule : report.rules) owners.insert(rule.desired->owner);
  EXPECT_EQ(owners, (std::set<std::string>{"sg-0a1b2c3d4e5f60718", "sg-0a1b2c3d4e5f60719"}));
  EXPECT_EQ(report.flows.size(), report.rules.size());
}

TEST_F(WhyTest, TheFirewallsAnswerNamesTheDecidingRuleAndItsLastChange) {
  auto report = explain("10.0.1.25:443");
  const auto rulebase = managedRulebase();
  const auto& name = report.rules[0].desired->rule.name;
  panos::MatchAnswers answers;
  answers.matches = {std::vector<panos::MatchedRule>{{name, 3, "allow"}}};
  answers.tests = 1;
  explainFirewall(report, rulebase, answers, options_);
  EXPECT_TRUE(report.rules[0].on_firewall);
  const auto& flow = report.flows[0];
  EXPECT_TRUE(flow.allowed());
  EXPECT_TRUE(flow.matched_managed);
  EXPECT_EQ(flow.matched_rule, name);
  EXPECT_EQ(
      flow.last_change,
      "StartInstances (ev-1) at 2026-12-03T08:00:00Z by arn:aws:iam::111122223333:user/alice");
  const auto json = nlohmann::json::parse(whyJson(report));
  EXPECT_EQ(json["flows"][0]["event"]["id"], "ev-1");
  EXPECT_EQ(json["rules"][0]["event"]["principal"], "arn:aws:iam::111122223333:user/alice");
  EXPECT_EQ(json["holders"][0]["instance_name"], "web-1");
  EXPECT_NE(whyText(report).find("allowed by managed rule '" + name +
                                 "'; last change: "
                                 "StartInstances (ev-1)"),
            std::string::npos)
      << whyText(report);

  // An administrator's deny above it decides instead; a missing managed rule is noted.
  auto shadowed = explain("10.0.1.25:443");
  policy::SecurityRule deny;
  deny.name = "block-inbound";
  deny.action = "deny";
  policy::Rulebase without_managed;
  without_managed.rules = {deny};
  answers.matches = {std::vector<panos::MatchedRule>{{"block-inbound", 1, ""}}};
  explainFirewall(shadowed, without_managed, answers, options_);
  EXPECT_FALSE(shadowed.flows[0].allowed());
  EXPECT_EQ(shadowed.flows[0].matched_action, "deny");  // from the rulebase: the reply omits it
  EXPECT_FALSE(shadowed.flows[0].matched_managed);
  EXPECT_FALSE(shadowed.rules[0].on_firewall);
  ASSERT_EQ(shadowed.notes.size(), 1U);
  EXPECT_NE(shadowed.notes[0].find("is not on the firewall"), std::string::npos);
  EXPECT_NE(whyText(shadowed).find("NOT allowed by an administrator's rule 'block-inbound' (deny)"),
            std::string::npos);
}

TEST_F(WhyTest, APortNothingExposesIsAskedFromAnywhere) {
  auto report = explain("10.0.1.25:8443");
  EXPECT_TRUE(report.permissions.empty());
  EXPECT_TRUE(report.rules.empty());
  ASSERT_EQ(report.flows.size(), 1U);
  EXPECT_TRUE(report.flows[0].rule.empty());
  EXPECT_EQ(report.flows[0].flow.source.toString(), "0.0.0.0/0");
  EXPECT_EQ(report.flows[0].flow.ports.first(), 8443);
  panos::MatchAnswers answers;
  answers.matches = {std::vector<panos::MatchedRule>{{options_.bottom_rule, 9, "deny"}}};
  explainFirewall(report, policy::Rulebase{}, answers, options_);
  EXPECT_TRUE(report.flows[0].matched_bottom);
  EXPECT_NE(
      whyText(report).find("NOT allowed by the bottom rule '" + options_.bottom_rule + "' (deny)"),
      std::string::npos)
      << whyText(report);
  // Without a port or protocol nothing is asked.
  auto bastion = explain("10.0.1.40");
  EXPECT_TRUE(bastion.flows.empty());
}

TEST_F(WhyTest, AHeldButUnexposedAddressSaysWhy) {
  const auto stopped = explain("10.0.1.40:22");
  ASSERT_EQ(stopped.holders.size(), 1U);
  EXPECT_FALSE(stopped.holders[0].exposed);
  EXPECT_EQ(stopped.holders[0].reason, "instance i-0a1b2c3d4e5f60103 is stopped");
  EXPECT_TRUE(stopped.rules.empty());
  EXPECT_EQ(stopped.permissions.size(), 1U);  // the group still opens it; nothing routes it
  const auto firewall = explain("10.0.0.10");
  EXPECT_EQ(firewall.holders[0].reason, "it is the firewall (the gateway) itself");
}

TEST_F(WhyTest, AnAddressNobodyHoldsIsNotFound) {
  const auto report =
      explainAws(parseWhyTarget("10.0.9.99").value(), inventory_, desired_, options_);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::NotFound);
  EXPECT_NE(report.error().message.find("no network interface in AWS holds 10.0.9.99"),
            std::string::npos);
}

}  // namespace
}  // namespace trailwall::cli
