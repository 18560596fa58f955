#include "engine/engine.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "inventory/inventory_json.h"
#include "panos/fake_firewall.h"

namespace trailwall::engine {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kExamples = std::string(TRAILWALL_TEST_DATA_DIR) + "/../../examples";

inventory::Inventory sampleInventory() {
  auto inv = inventory::parseInventoryJson(readFile(kExamples + "/inventory.json"));
  EXPECT_TRUE(inv.has_value()) << (inv ? "" : to_string(inv.error()));
  return *inv;
}

policy::Options sampleOptions() {
  auto cfg = config::parseConfig(readFile(kExamples + "/trailwall.toml"), "trailwall.toml");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : to_string(cfg.error()));
  return cfg->policy;
}

// A rulebase with the configured bottom rule, as every firewall trailwall manages has.
policy::Rulebase rulebaseWithBottomRule(const policy::Options& options) {
  policy::Rulebase rulebase;
  policy::SecurityRule admin;
  admin.name = "admin-ssh";
  admin.from = {"untrust"};
  admin.to = {"trust"};
  admin.source = {"192.0.2.10"};
  admin.destination = {"any"};
  admin.application = {"ssh"};
  admin.service = {"application-default"};
  admin.action = "allow";
  policy::SecurityRule bottom;
  bottom.name = options.bottom_rule;
  bottom.from = {"any"};
  bottom.to = {"any"};
  bottom.source = {"any"};
  bottom.destination = {"any"};
  bottom.application = {"any"};
  bottom.service = {"any"};
  bottom.action = "deny";
  rulebase.rules = {admin, bottom};
  return rulebase;
}

Batch everything() {
  inventory::Scope scope;
  scope.everything = true;
  return Batch{{Target{}, scope}};
}

class EngineTest : public ::testing::Test {
 protected:
  policy::Options options_ = sampleOptions();
  StaticInventorySource source_{sampleInventory()};
  panos::FakeFirewall firewall_{rulebaseWithBottomRule(options_)};
  FakeClock clock_;
  Engine engine_{options_, source_, firewall_, clock_};
};

TEST_F(EngineTest, ApplyWritesThePlanWithOneCommit) {
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_FALSE(report->plan.empty());
  ASSERT_TRUE(report->applied.has_value());
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(report->applied->rules_added, static_cast<int>(report->plan.add_rules.size()));
  // Every desired rule is now on the firewall, tagged, above the bottom rule.
  const auto& rules = firewall_.rulebase().rules;
  ASSERT_FALSE(rules.empty());
  EXPECT_EQ(rules.back().name, options_.bottom_rule);
  for (const auto& added : report->plan.add_rules) {
    const auto* rule = firewall_.rulebase().findRule(added.name);
    ASSERT_NE(rule, nullptr) << added.name;
    EXPECT_TRUE(rule->hasTag(options_.managed_tag));
  }
}

TEST_F(EngineTest, TheSameBatchTwiceChangesNothingTheSecondTime) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply).has_value());
  const auto after_first = firewall_.rulebase();
  const auto second = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(second.has_value()) << to_string(second.error());
  EXPECT_TRUE(second->plan.empty());
  EXPECT_FALSE(second->applied.has_value());
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.rulebase(), after_first);
}

TEST_F(EngineTest, PlanModeWritesNothing) {
  const auto report = engine_.run(everything(), Mode::Plan);
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->plan.empty());
  EXPECT_FALSE(report->applied.has_value());
  EXPECT_EQ(firewall_.commits(), 0);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
}

TEST_F(EngineTest, AnEmptyBatchTouchesNeitherAwsNorTheFirewall) {
  const auto report = engine_.run(Batch{{Target{}, inventory::Scope{}}}, Mode::Apply);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->nothing_in_scope);
  EXPECT_EQ(firewall_.reads(), 0);
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(EngineTest, FlowsAnAdministratorRuleAllowsGetNoManagedRule) {
  // The administrator's rule already lets everything in: nothing to add but the rules whose
  // flows cannot be tested.
  firewall_.setAllows([](const policy::Flow&) { return true; });
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value());
  EXPECT_GT(report->flows_checked, 0U);
  EXPECT_EQ(report->flows_allowed, report->flows_checked);
  EXPECT_TRUE(report->plan.add_rules.empty());
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(EngineTest, TheCheckCanBeTurnedOff) {
  options_.check_already_allowed = false;
  Engine engine(options_, source_, firewall_, clock_);
  firewall_.setAllows([](const policy::Flow&) { return true; });
  const auto report = engine.run(everything(), Mode::Plan);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->flows_checked, 0U);
  EXPECT_EQ(firewall_.tests(), 0);
  EXPECT_FALSE(report->plan.add_rules.empty());
}

TEST_F(EngineTest, AFailedCommitIsReportedAndLeavesTheRulebaseAsItWas) {
  const auto before = firewall_.rulebase();
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 7 failed: rule x: bad"});
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::Remote);
  EXPECT_NE(report.error().message.find("applying the plan"), std::string::npos);
  EXPECT_NE(report.error().message.find("commit job 7 failed"), std::string::npos);
  EXPECT_EQ(firewall_.rulebase(), before);
}

TEST_F(EngineTest, AFirewallReadErrorNamesTheStep) {
  firewall_.failReads(Error{ErrorCode::Auth, "Invalid Credential"});
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::Auth);
  EXPECT_NE(report.error().message.find("reading the firewall's rulebase"), std::string::npos);
}

TEST_F(EngineTest, AStoppedInstanceLosesItsDestinations) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply).has_value());
  auto inv = sampleInventory();
  for (auto& instance : inv.instances) instance.state = inventory::InstanceState::Stopped;
  StaticInventorySource stopped(inv);
  Engine engine(options_, stopped, firewall_, clock_);
  const auto report = engine.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_FALSE(report->plan.delete_rules.empty());
  for (const auto& rule : firewall_.rulebase().rules) {
    EXPECT_FALSE(rule.hasTag(options_.managed_tag)) << rule.name << " should have been removed";
  }
}

TEST(MergeInventory, APartialInventoryKeepsTheMergeConservative) {
  inventory::Inventory complete;
  complete.security_groups.push_back(
      {.id = "sg-1", .name = "", .vpc_id = "", .description = "", .ingress = {}});
  inventory::Inventory partial;
  partial.coverage =
      inventory::Coverage{.everything = false, .group_ids = {"sg-2"}, .instance_ids = {}};
  partial.gone = {"i-9"};
  mergeInventory(complete, std::move(partial));
  EXPECT_FALSE(complete.coverage.everything);
  EXPECT_TRUE(complete.coverage.coversGroup("sg-1"));
  EXPECT_TRUE(complete.coverage.coversGroup("sg-2"));
  EXPECT_FALSE(complete.coverage.coversGroup("sg-3"));
  EXPECT_EQ(complete.gone, std::set<std::string>{"i-9"});
}

TEST(MergeInventory, TwoCompleteInventoriesStayComplete) {
  inventory::Inventory a;
  inventory::Inventory b;
  b.instances.push_back({});
  mergeInventory(a, std::move(b));
  EXPECT_TRUE(a.coverage.everything);
  EXPECT_EQ(a.instances.size(), 1U);
}

}  // namespace
}  // namespace trailwall::engine
