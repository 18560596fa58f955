#include "engine/engine.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "engine_test_util.h"
#include "inventory/inventory_json.h"
#include "panos/fake_firewall.h"
#include "support/files.h"

namespace trailwall::engine {
namespace {

using test_util::everything;
using test_util::sampleInventory;
using ::trailwall::test::readFile;

policy::Options sampleOptions() {
  auto cfg =
      config::parseConfig(readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : to_string(cfg.error()));
  return cfg->policy;
}

// An administrator's rule denying everything from any zone to zone `to`.
policy::SecurityRule denyAll(std::string name, std::string to) {
  policy::SecurityRule rule;
  rule.name = std::move(name);
  rule.from = {"any"};
  rule.to = {std::move(to)};
  rule.source = {"any"};
  rule.destination = {"any"};
  rule.application = {"any"};
  rule.service = {"any"};
  rule.action = "deny";
  return rule;
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
  rulebase.rules = {admin, denyAll(options.bottom_rule, "any")};
  return rulebase;
}

policy::Rulebase firewallRulebaseWithBottom(const policy::Options& options) {
  return rulebaseWithBottomRule(options);
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

TEST_F(EngineTest, ARealRunHoldsTheFirewallOnlyToWriteAndReleasesIt) {
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(firewall_.holds(), 1);
  EXPECT_EQ(firewall_.releases(), 1);
  EXPECT_FALSE(firewall_.held());
  EXPECT_EQ(firewall_.reads(), 2);  // once to plan, once more holding the firewall
  EXPECT_TRUE(report->outcome.written);
  EXPECT_TRUE(report->outcome.committed);
  ASSERT_TRUE(report->hold.has_value());
  EXPECT_TRUE(report->hold->released);
  // Nothing left to do: no hold at all.
  const auto again = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(firewall_.holds(), 1);
  EXPECT_FALSE(again->hold.has_value());
}

TEST_F(EngineTest, TheRulebaseIsReadAgainOnceHeldAndThePlanMadeAgainstIt) {
  // Another run with the same events commits the same rules while this one waits for the hold.
  firewall_.beforeHold([&](panos::FakeFirewall& fw) {
    panos::FakeFirewall other(fw.rulebase());
    Engine engine(options_, source_, other, clock_);
    ASSERT_TRUE(engine.run(everything(), Mode::Apply).has_value());
    fw.setRulebase(other.rulebase());
  });
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_TRUE(report->replanned);
  EXPECT_TRUE(report->plan.empty());
  EXPECT_FALSE(report->applied.has_value());
  EXPECT_TRUE(firewall_.appliedPlans().empty());  // no duplicate write, no commit
  EXPECT_FALSE(report->outcome.written);
}

TEST_F(EngineTest, ThePolicyMatchAnswersAreReusedWhenPlanningAgain) {
  firewall_.beforeHold([](panos::FakeFirewall&) {});
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  std::set<policy::Flow> distinct(firewall_.tested().begin(), firewall_.tested().end());
  EXPECT_GT(firewall_.tests(), 0);
  EXPECT_EQ(distinct.size(), firewall_.tested().size());  // no flow asked about twice
}

TEST_F(EngineTest, ABusyFirewallFailsWithNothingWritten) {
  firewall_.refuseHold(Error{ErrorCode::Conflict,
                             "firewall fw.example is busy with run tw-other since "
                             "2026-05-01T10:00:00Z; waited 300 s"});
  RunReport progress;
  const auto report = engine_.run(everything(), Mode::Apply, &progress);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::Conflict);
  EXPECT_EQ(report.error().message,
            "firewall fw.example is busy with run tw-other since 2026-05-01T10:00:00Z; waited "
            "300 s");
  EXPECT_FALSE(progress.plan.empty());  // what would have been done
  EXPECT_FALSE(progress.outcome.written);
  EXPECT_FALSE(progress.outcome.committed);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
}

TEST_F(EngineTest, LosingTheHoldBeforeTheCommitIsAnErrorNotASuccess) {
  firewall_.loseHoldBeforeCommit(
      Error{ErrorCode::Conflict, "run tw-me lost its hold on firewall fw.example"});
  RunReport progress;
  const auto report = engine_.run(everything(), Mode::Apply, &progress);
  ASSERT_FALSE(report.has_value());
  EXPECT_NE(report.error().message.find("lost its hold"), std::string::npos);
  EXPECT_TRUE(progress.outcome.written);
  EXPECT_FALSE(progress.outcome.committed);
  EXPECT_EQ(firewall_.commits(), 0);
  EXPECT_EQ(firewall_.releases(), 1);
}

TEST_F(EngineTest, AFailedCommitSaysItWasWrittenAndReverted) {
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 7 FAIL: bad"});
  RunReport progress;
  ASSERT_FALSE(engine_.run(everything(), Mode::Apply, &progress).has_value());
  EXPECT_TRUE(progress.outcome.written);
  EXPECT_TRUE(progress.outcome.reverted);
  EXPECT_FALSE(progress.outcome.committed);
  EXPECT_FALSE(firewall_.held());
}

// A stopped run's leftover: a managed rule for a port the truth does not have, uncommitted.
panos::PendingChanges leftoverMark() {
  panos::PendingChanges pending;
  pending.nodes = {"security rule 'sg-0a1b2c3d4e5f60718-tcp-9999'"};
  return pending;
}

policy::Rulebase withLeftover(policy::Rulebase rulebase) {
  auto rule = rulebase.rules.front();
  rule.name = "sg-0a1b2c3d4e5f60718-tcp-9999";
  rule.tag = {"trailwall"};
  rulebase.rules.insert(rulebase.rules.begin() + 1, rule);
  return rulebase;
}

TEST_F(EngineTest, ADryRunReportsLeftoversAndLeavesThem) {
  const auto clean = firewall_.rulebase();
  firewall_.setLeftovers(leftoverMark(), withLeftover(clean), clean);
  const auto report = engine_.run(everything(), Mode::Plan);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->pending.nodes,
            std::vector<std::string>{"security rule 'sg-0a1b2c3d4e5f60718-tcp-9999'"});
  EXPECT_EQ(firewall_.leftoverReverts(), 0);
  EXPECT_EQ(firewall_.holds(), 0);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
}

TEST_F(EngineTest, ARealRunRevertsLeftoversOnlyOnceItHoldsTheFirewall) {
  const auto clean = firewall_.rulebase();
  firewall_.setLeftovers(leftoverMark(), withLeftover(clean), clean);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(firewall_.leftoverReverts(), 1);
  EXPECT_TRUE(report->leftovers_reverted);
  // The plan that was written is the one against the clean candidate: nothing deletes the
  // reverted leftover.
  ASSERT_EQ(firewall_.appliedPlans().size(), 1U);
  EXPECT_TRUE(firewall_.appliedPlans()[0].delete_rules.empty());
  EXPECT_EQ(firewall_.rulebase().findRule("sg-0a1b2c3d4e5f60718-tcp-9999"), nullptr);
}

TEST_F(EngineTest, LeftoversAreDealtWithEvenWhenThereIsNothingElseToDo) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply).has_value());
  const auto clean = firewall_.rulebase();
  firewall_.setLeftovers(leftoverMark(), withLeftover(clean), clean);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(firewall_.leftoverReverts(), 1);
  EXPECT_EQ(firewall_.rulebase(), clean);
}

TEST_F(EngineTest, UnmarkedPendingChangesOfADeletionAreRevertedToo) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply).has_value());
  firewall_.setUnmarkedPending(true);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(firewall_.holds(), 2);
  EXPECT_EQ(firewall_.leftoverReverts(), 1);
}

TEST_F(EngineTest, AMissingBottomRuleIsAnErrorBeforeAnythingIsWritten) {
  auto rulebase = firewall_.rulebase();
  std::erase_if(rulebase.rules,
                [&](const policy::SecurityRule& r) { return r.name == options_.bottom_rule; });
  firewall_.setRulebase(rulebase);
  for (const auto mode : {Mode::Plan, Mode::Apply}) {
    const auto report = engine_.run(everything(), mode);
    ASSERT_FALSE(report.has_value());
    EXPECT_EQ(report.error().code, ErrorCode::Config);
    EXPECT_EQ(report.error().message,
              "the bottom rule 'deny-all' (policy.bottom_rule) is not in the firewall's rulebase: "
              "managed rules go directly above it, so nothing was written; create the rule or "
              "correct the setting");
  }
  EXPECT_EQ(firewall_.holds(), 0);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
  // A stand-in rulebase (planning with no firewall at all) is not held to it.
  EngineOptions stand_in;
  stand_in.require_bottom_rule = false;
  Engine offline(options_, source_, firewall_, clock_, stand_in);
  EXPECT_TRUE(offline.run(everything(), Mode::Plan).has_value());
}

TEST_F(EngineTest, ADenyAllAboveTheBottomRuleIsReported) {
  auto rulebase = firewall_.rulebase();
  policy::SecurityRule block = rulebase.rules.back();  // the bottom rule's deny-all
  block.name = "block-everything";
  block.action = "drop";
  block.from = {"untrust"};
  block.service = {"application-default"};
  policy::SecurityRule narrow = block;
  narrow.name = "block-one-source";
  narrow.source = {"198.51.100.7"};
  policy::SecurityRule other_zone = block;
  other_zone.name = "block-dmz";
  other_zone.from = {"dmz"};
  policy::SecurityRule disabled = block;
  disabled.name = "old-block";
  disabled.disabled = true;
  rulebase.rules.insert(rulebase.rules.begin(), {block, narrow, other_zone, disabled});
  firewall_.setRulebase(rulebase);
  const auto report = engine_.run(everything(), Mode::Plan);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(report->warnings,
            std::vector<std::string>{
                "rule 'block-everything' (drop) above the bottom rule 'deny-all' matches all "
                "traffic from zone untrust to zone trust: the managed rules below it would never "
                "match"});
  // The bottom rule itself (a deny-all below the managed block) is not a warning.
  EXPECT_TRUE(shadowingRules(firewallRulebaseWithBottom(options_), options_).empty());
}

TEST_F(EngineTest, AManagedServiceIsNeverADuplicateOfASharedOne) {
  auto rulebase = firewall_.rulebase();
  policy::ServiceObject shared;
  shared.name = "ports-8000-8099";
  shared.protocol = "tcp";
  shared.port = "8000-8099";
  rulebase.shared_services.push_back(shared);
  policy::Tag tag;
  tag.name = options_.managed_tag;
  rulebase.shared_tags.push_back(tag);
  firewall_.setRulebase(rulebase);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  for (const auto& service : report->plan.add_services) {
    EXPECT_NE(service.port, "8000-8099") << service.name;
  }
  EXPECT_FALSE(report->plan.add_tag.has_value());  // the shared tag serves
  bool uses_shared = false;
  for (const auto& rule : firewall_.rulebase().rules) {
    uses_shared = uses_shared || rule.service == policy::Members{"ports-8000-8099"};
  }
  EXPECT_TRUE(uses_shared);
  EXPECT_EQ(firewall_.rulebase().shared_services.size(), 1U);
}

TEST_F(EngineTest, AManagedNameNeverCollidesWithASharedObject) {
  auto rulebase = firewall_.rulebase();
  policy::ServiceObject shared;
  shared.name = "tw-tcp-8000-8099";  // the name trailwall would give, another definition
  shared.protocol = "udp";
  shared.port = "8000-8099";
  shared.tag = {options_.managed_tag};
  rulebase.shared_services.push_back(shared);
  firewall_.setRulebase(rulebase);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  for (const auto& service : report->plan.add_services) {
    EXPECT_NE(service.name, "tw-tcp-8000-8099");
  }
  bool warned = false;
  for (const auto& warning : report->plan.warnings) {
    warned =
        warned || warning.find(
                      "a shared service 'tw-tcp-8000-8099' exists with another "
                      "definition (trailwall never changes shared objects)") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(report->plan.delete_services.empty());  // never deletes the shared one
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

// An administrator's rule at the top of the rulebase that denies everything into the trust zone.
policy::SecurityRule blockInbound() {
  return denyAll("block-inbound", "trust");
}

TEST_F(EngineTest, AfterACommitEveryRuleWrittenIsProvenEnforced) {
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  ASSERT_TRUE(report->proof.has_value());
  const auto& proof = *report->proof;
  EXPECT_EQ(proof.results.size(), report->plan.add_rules.size());
  EXPECT_EQ(proof.tests, static_cast<int>(report->plan.add_rules.size()));
  EXPECT_EQ(proof.notEnforced(), 0u);
  EXPECT_FALSE(report->notEnforced());
  for (const auto& result : proof.results) {
    EXPECT_EQ(result.verdict, policy::Verdict::Enforced)
        << result.item.rule << ": " << result.reason;
    EXPECT_EQ(result.matched_rule, result.item.rule);  // decided by the rule just written
  }
  // A run with nothing to write proves nothing and asks nothing.
  const auto again = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->proof.has_value());
}

TEST_F(EngineTest, AnAdministratorsDenyAboveTheManagedRulesMakesTheWrittenFlowsNotEnforced) {
  auto rulebase = firewall_.rulebase();
  rulebase.rules.insert(rulebase.rules.begin(), blockInbound());
  firewall_.setRulebase(rulebase);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  EXPECT_EQ(firewall_.commits(), 1);  // committed: the proof comes after
  ASSERT_TRUE(report->proof.has_value());
  EXPECT_TRUE(report->notEnforced());
  EXPECT_EQ(report->proof->notEnforced(), report->plan.add_rules.size());
  for (const auto& result : report->proof->results) {
    EXPECT_EQ(result.verdict, policy::Verdict::NotEnforced);
    EXPECT_EQ(result.matched_rule, "block-inbound");
    EXPECT_NE(result.reason.find("block-inbound"), std::string::npos) << result.reason;
  }
}

// After a first apply: a managed rule of a group AWS does not have (the next full reconcile
// deletes it), above the bottom rule. Its name.
std::string addStaleManagedRule(Engine& engine, panos::FakeFirewall& firewall) {
  EXPECT_TRUE(engine.run(everything(), Mode::Apply).has_value());
  auto rulebase = firewall.rulebase();
  auto stale = *rulebase.findRule(firewall.appliedPlans().front().add_rules.front().name);
  stale.name = "sg-0deadbeefdeadbeef-tcp-443";
  rulebase.rules.insert(rulebase.rules.end() - 1, stale);
  firewall.setRulebase(rulebase);
  return stale.name;
}

TEST_F(EngineTest, ARemovedRuleIsProvenClosed) {
  const auto stale = addStaleManagedRule(engine_, firewall_);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value()) << to_string(report.error());
  ASSERT_EQ(report->plan.delete_rules.size(), 1u);
  ASSERT_TRUE(report->proof.has_value());
  ASSERT_EQ(report->proof->results.size(), 1u);
  const auto& result = report->proof->results.front();
  EXPECT_EQ(result.item.kind, policy::ProofFlow::Kind::Removed);
  EXPECT_EQ(result.item.rule, stale);
  EXPECT_EQ(result.verdict, policy::Verdict::Enforced) << result.reason;
  EXPECT_NE(result.matched_rule, stale);
}

TEST_F(EngineTest, ARemovedFlowTheFirewallStillAllowsThroughItsRuleIsNotEnforced) {
  const auto stale = addStaleManagedRule(engine_, firewall_);
  // The device still answers with the deleted rule (say, the commit did not take it out).
  firewall_.setMatches([&](const policy::Flow&) {
    return std::vector<panos::MatchedRule>{{stale, 3, "allow"}};
  });
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->notEnforced());
}

TEST_F(EngineTest, TheProofAsksNoMoreThanTheBound) {
  firewall_.setMaxTests(1);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report.has_value());
  ASSERT_TRUE(report->proof.has_value());
  ASSERT_GT(report->plan.add_rules.size(), 1u);
  EXPECT_EQ(report->proof->tests, 1);
  EXPECT_EQ(firewall_.proved().size(), 1u);
  EXPECT_EQ(report->proof->unproven, static_cast<int>(report->plan.add_rules.size()) - 1);
  EXPECT_FALSE(report->notEnforced());  // unproven is reported, not an alarm
}

TEST_F(EngineTest, VerifyWritesNothingAndListsTheDifferences) {
  const auto before = engine_.run(everything(), Mode::Verify);
  ASSERT_TRUE(before.has_value()) << to_string(before.error());
  EXPECT_FALSE(before->agrees());
  EXPECT_FALSE(before->plan.add_rules.empty());  // the missing managed rules
  EXPECT_EQ(firewall_.holds(), 0);
  EXPECT_EQ(firewall_.commits(), 0);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
  ASSERT_TRUE(before->proof.has_value());
  EXPECT_GT(before->proof->notEnforced(), 0u);  // nothing allows the desired flows yet

  ASSERT_TRUE(engine_.run(everything(), Mode::Apply).has_value());
  const auto agreed = engine_.run(everything(), Mode::Verify);
  ASSERT_TRUE(agreed.has_value());
  EXPECT_TRUE(agreed->agrees());
  EXPECT_EQ(agreed->proof->results.size(), agreed->desired_rules);

  // Broken: a managed rule deleted by hand and an administrator's deny above the managed block.
  auto rulebase = firewall_.rulebase();
  const auto deleted = firewall_.appliedPlans().front().add_rules.front().name;
  std::erase_if(rulebase.rules, [&](const auto& r) { return r.name == deleted; });
  rulebase.rules.insert(rulebase.rules.begin(), blockInbound());
  firewall_.setRulebase(rulebase);
  const auto broken = engine_.run(everything(), Mode::Verify);
  ASSERT_TRUE(broken.has_value());
  EXPECT_FALSE(broken->agrees());
  ASSERT_EQ(broken->plan.add_rules.size(), 1u);
  EXPECT_EQ(broken->plan.add_rules.front().name, deleted);
  EXPECT_EQ(broken->proof->notEnforced(), broken->desired_rules);
  EXPECT_EQ(broken->proof->results.front().matched_rule, "block-inbound");
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.holds(), 1);
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
