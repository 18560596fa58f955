#include "engine/engine.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "inventory/inventory_json.h"
#include "panos/fake_firewall.h"
#include "support/files.h"

namespace trailwall::engine {
namespace {

using ::trailwall::test::readFile;

inventory::Inventory sampleInventory() {
  auto inv = inventory::parseInventoryJson(readFile(test::examplesDir() / "inventory.json"));
  EXPECT_TRUE(inv.has_value()) << (inv ? "" : to_string(inv.error()));
  return *inv;
}

policy::Options sampleOptions() {
  auto cfg =
      config::parseConfig(readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml");
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

// Loads like the EC2 loader does: the truth, complete only for what the scope names (instances
// with the groups on their ENIs, and groups), or for everything with VPC and full scopes.
class ScopedInventorySource final : public InventorySource {
 public:
  explicit ScopedInventorySource(inventory::Inventory truth) : truth_(std::move(truth)) {}
  void setTruth(inventory::Inventory truth) { truth_ = std::move(truth); }

  Result<LoadedInventory> load(const Target& /*target*/, const inventory::Scope& scope) override {
    scopes.push_back(scope);
    LoadedInventory loaded;
    loaded.inventory = truth_;
    auto& coverage = loaded.inventory.coverage;
    coverage = inventory::Coverage{};
    if (scope.everything || !scope.vpc_ids.empty()) {
      coverage.everything = true;
      return loaded;
    }
    coverage.instance_ids = scope.instance_ids;
    coverage.group_ids = scope.group_ids;
    for (const auto& eni : truth_.network_interfaces) {
      if (eni.attachment && scope.instance_ids.contains(eni.attachment->instance_id)) {
        coverage.group_ids.insert(eni.group_ids.begin(), eni.group_ids.end());
      }
    }
    return loaded;
  }

  std::vector<inventory::Scope> scopes;

 private:
  inventory::Inventory truth_;
};

TEST_F(EngineTest, AnInterfaceThatLeftAGroupLeavesThatGroupsRule) {
  ScopedInventorySource source(sampleInventory());
  Engine engine(options_, source, firewall_, clock_);
  ASSERT_TRUE(engine.run(everything(), Mode::Apply).has_value());
  const std::string admin_rule = "sg-0a1b2c3d4e5f60719-tcp-22";
  ASSERT_NE(firewall_.rulebase().findRule(admin_rule), nullptr);

  // web-1's interface leaves the admin group; the event names only the instance.
  auto truth = sampleInventory();
  for (auto& eni : truth.network_interfaces) {
    if (eni.id == "eni-0a1b2c3d4e5f60101") eni.group_ids = {"sg-0a1b2c3d4e5f60718"};
  }
  source.setTruth(truth);
  source.scopes.clear();
  inventory::Scope scope;
  scope.instance_ids = {"i-0a1b2c3d4e5f60101"};
  const auto report = engine.run(Batch{{Target{}, scope}}, Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());

  ASSERT_EQ(source.scopes.size(), 2U);  // the admin group was looked at too
  EXPECT_TRUE(source.scopes[1].group_ids.contains("sg-0a1b2c3d4e5f60719"));
  EXPECT_FALSE(report->widened.empty());
  const auto* rule = firewall_.rulebase().findRule(admin_rule);
  if (rule != nullptr) {
    EXPECT_EQ(std::ranges::find(rule->destination, "10.0.1.25"), rule->destination.end());
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
