// The engine in the tag layout (engine/tag_mode.h) against the in-memory FakeFirewall:
// registrations instead of commits for instance churn, dry runs that send nothing, the model's
// maximum checked before sending, and the two-commit migration from the group layout.
#include <gtest/gtest.h>

#include "config/config.h"
#include "engine/engine.h"
#include "engine_test_util.h"
#include "inventory/inventory_json.h"
#include "panos/fake_firewall.h"
#include "policy/tag_layout.h"
#include "support/files.h"
#include "support/runner_fakes.h"

namespace trailwall::engine {
namespace {

using test_util::everything;
using test_util::sampleInventory;
using ::trailwall::test::readFile;

policy::Options tagOptions() {
  auto cfg =
      config::parseConfig(readFile(test::examplesDir() / "trailwall.toml"), "trailwall.toml");
  EXPECT_TRUE(cfg.has_value());
  cfg->policy.layout = policy::Layout::Tag;
  return cfg->policy;
}

// The inventory a scoped load of `instance_id` gives: complete for that instance only.
inventory::Inventory scopedTo(inventory::Inventory inv, const std::string& instance_id) {
  inv.coverage.everything = false;
  inv.coverage.instance_ids = {instance_id};
  std::erase_if(inv.network_interfaces, [&](const inventory::NetworkInterface& eni) {
    return !eni.attachment || (eni.attachment->instance_id != instance_id &&
                               eni.attachment->instance_id != "i-0f1e2d3c4b5a60001");
  });
  return inv;
}

Batch instanceBatch(const std::string& id) {
  inventory::Scope scope;
  scope.instance_ids.insert(id);
  return Batch{{Target{}, scope}};
}

net::IpAddress ip(std::string_view text) {
  return *net::IpAddress::parse(text);
}

constexpr std::string_view kWeb1 = "i-0a1b2c3d4e5f60101";

class TagModeTest : public ::testing::Test {
 protected:
  policy::Options options_ = tagOptions();
  StaticInventorySource source_{sampleInventory()};
  panos::FakeFirewall firewall_{::trailwall::test::rulebaseWithBottomRule(options_)};
  FakeClock clock_;
  Engine engine_{options_, source_, firewall_, clock_};
};

TEST_F(TagModeTest, AFullReconcileWritesDagRulesAndRegistersWithTheTimeout) {
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report) << to_string(report.error());
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.userIdRequests(), 1);
  EXPECT_EQ(firewall_.lastTimeout(), options_.registration_timeout_seconds);
  EXPECT_TRUE(report->outcome.registered);
  EXPECT_FALSE(firewall_.rulebase().address_groups.empty());
  const auto& regs = firewall_.registrations();
  ASSERT_TRUE(regs.contains(ip("10.0.1.25")));
  EXPECT_TRUE(regs.at(ip("10.0.1.25")).contains("trailwall.sg-0a1b2c3d4e5f60718"));
  // Registrations went before the commit, so the proof finds the DAG rules' members.
  ASSERT_TRUE(report->proof.has_value());
  EXPECT_TRUE(report->proof->enforced());
  EXPECT_GT(report->proof->results.size(), 0U);
}

TEST_F(TagModeTest, InstanceChurnCostsOneUserIdRequestAndNoCommit) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply));
  const auto rulebase = firewall_.rulebase();
  auto stopped = sampleInventory();
  for (auto& instance : stopped.instances) {
    if (instance.id == kWeb1) instance.state = inventory::InstanceState::Stopped;
  }
  StaticInventorySource scoped(scopedTo(stopped, std::string(kWeb1)));
  Engine engine(options_, scoped, firewall_, clock_);
  const auto report = engine.run(instanceBatch(std::string(kWeb1)), Mode::Apply);
  ASSERT_TRUE(report) << to_string(report.error());
  EXPECT_TRUE(report->plan.empty());
  EXPECT_EQ(firewall_.commits(), 1);  // still the first run's only
  EXPECT_EQ(firewall_.userIdRequests(), 2);
  EXPECT_EQ(firewall_.rulebase(), rulebase);
  EXPECT_FALSE(firewall_.registrations().contains(ip("10.0.1.25")));
  EXPECT_TRUE(firewall_.registrations().contains(ip("10.1.2.30")));  // web-2: not in scope
  ASSERT_TRUE(report->registrations.has_value());
  // web-1's primary, secondary and IPv6 address, each with its two groups' tags.
  EXPECT_EQ(report->registrations->changes.removed, 6U);
  EXPECT_FALSE(firewall_.registrations().contains(ip("2600:1f18:4a3:6901::25")));
  EXPECT_FALSE(report->registrations->refresh);
  // The same batch again: nothing to send.
  const auto again = engine.run(instanceBatch(std::string(kWeb1)), Mode::Apply);
  ASSERT_TRUE(again);
  EXPECT_EQ(firewall_.userIdRequests(), 2);
  EXPECT_EQ(firewall_.holds(), 2);  // the second run did not even hold the firewall
}

TEST_F(TagModeTest, EveryReconcileRefreshesTheTimeouts) {
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply));
  const auto second = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(second);
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.userIdRequests(), 2);
  ASSERT_TRUE(second->registrations.has_value());
  EXPECT_TRUE(second->registrations->refresh);
  EXPECT_EQ(second->registrations->changes.added, 0U);
  EXPECT_GT(second->registrations->changes.refreshed, 0U);
  EXPECT_FALSE(second->registrationsPending());
}

TEST_F(TagModeTest, OtherPrefixesAreNeverSent) {
  firewall_.setRegistrations({{ip("10.0.1.25"), {"malicious"}}, {ip("192.0.2.1"), {"quarantine"}}});
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply));
  for (const auto& sent : firewall_.sentRegistrations()) {
    for (const auto* side : {&sent.register_tags, &sent.unregister_tags}) {
      for (const auto& [address, tags] : *side) {
        for (const auto& tag : tags) EXPECT_TRUE(tag.starts_with("trailwall.")) << tag;
      }
    }
  }
  EXPECT_TRUE(firewall_.registrations().at(ip("10.0.1.25")).contains("malicious"));
  EXPECT_EQ(firewall_.registrations().at(ip("192.0.2.1")), std::set<std::string>{"quarantine"});
}

TEST_F(TagModeTest, ADryRunSendsNothingAndSaysWhatIsPending) {
  const auto report = engine_.run(everything(), Mode::Plan);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->registrationsPending());
  EXPECT_EQ(firewall_.userIdRequests(), 0);
  EXPECT_EQ(firewall_.holds(), 0);
  EXPECT_TRUE(firewall_.registrations().empty());
  const auto verify = engine_.run(everything(), Mode::Verify);
  ASSERT_TRUE(verify);
  EXPECT_FALSE(verify->agrees());
  EXPECT_EQ(firewall_.userIdRequests(), 0);
}

TEST_F(TagModeTest, TheModelsMaximumIsAnErrorBeforeAnythingIsSent) {
  options_.max_registered_ips = 1;
  firewall_.setRegistrations({{ip("192.0.2.1"), {"quarantine"}}});
  Engine engine(options_, source_, firewall_, clock_);
  const auto report = engine.run(everything(), Mode::Apply);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(report.error().message.find("firewall.max_registered_ips"), std::string::npos);
  EXPECT_EQ(firewall_.userIdRequests(), 0);
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(TagModeTest, ARefusedRegistrationFailsTheRunBeforeTheCommit) {
  firewall_.failRegistrations(Error{ErrorCode::Remote, "the firewall refused 1 User-ID entries"});
  RunReport progress;
  const auto report = engine_.run(everything(), Mode::Apply, &progress);
  ASSERT_FALSE(report);
  EXPECT_EQ(firewall_.commits(), 0);
  EXPECT_FALSE(progress.outcome.registered);
  EXPECT_FALSE(progress.outcome.committed);
}

TEST_F(TagModeTest, MigratingFromTheGroupLayoutIsTwoCommitsWithTheFlowsOpenBetween) {
  auto by_group = options_;
  by_group.layout = policy::Layout::Group;
  Engine group_engine(by_group, source_, firewall_, clock_);
  ASSERT_TRUE(group_engine.run(everything(), Mode::Apply));
  ASSERT_EQ(firewall_.commits(), 1);
  // The plan shows the migration without writing anything.
  const auto planned = engine_.run(everything(), Mode::Plan);
  ASSERT_TRUE(planned);
  ASSERT_TRUE(planned->migration.has_value());
  EXPECT_FALSE(planned->migration->old_rules.empty());
  EXPECT_EQ(firewall_.commits(), 1);
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(report) << to_string(report.error());
  EXPECT_EQ(firewall_.commits(), 3);
  ASSERT_EQ(firewall_.appliedPlans().size(), 3U);
  // Step 1 added the DAG rules and deleted nothing; step 2 only deleted the old rules.
  const auto& first = firewall_.appliedPlans()[1];
  EXPECT_FALSE(first.add_rules.empty());
  EXPECT_TRUE(first.delete_rules.empty());
  const auto& second = firewall_.appliedPlans()[2];
  EXPECT_TRUE(second.add_rules.empty());
  EXPECT_EQ(second.delete_rules.size(), report->migration->old_rules.size());
  ASSERT_TRUE(report->migration->first_proof.has_value());
  EXPECT_TRUE(report->migration->first_proof->enforced());
  EXPECT_GT(report->migration->first_proof->results.size(), 0U);
  EXPECT_TRUE(report->migration->completed);
  for (const auto& rule : firewall_.rulebase().rules) {
    if (rule.hasTag("trailwall")) {
      EXPECT_TRUE(policy::isTagRuleName(rule.name)) << rule.name;
    }
  }
}

TEST_F(TagModeTest, AMigrationWhoseNewRulesAreNotShownStopsAfterStepOne) {
  auto by_group = options_;
  by_group.layout = policy::Layout::Group;
  Engine group_engine(by_group, source_, firewall_, clock_);
  ASSERT_TRUE(group_engine.run(everything(), Mode::Apply));
  const auto old_rules = firewall_.rulebase().rules.size();
  // The firewall answers as if the DAGs had no members yet: only the old rules match.
  firewall_.setMatchesAll([](const policy::Flow&) {
    return std::vector<panos::MatchedRule>{{"sg-old", 1, "allow"}};
  });
  const auto report = engine_.run(everything(), Mode::Apply);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::Conflict);
  EXPECT_EQ(firewall_.commits(), 2);                        // step 1 only
  EXPECT_GT(firewall_.rulebase().rules.size(), old_rules);  // the old rules are all still there
}

TEST_F(TagModeTest, OnlyTheOldRulesOfGroupsWhoseDagRulesAreShownGoAndTheNextRunFinishes) {
  auto by_group = options_;
  by_group.layout = policy::Layout::Group;
  Engine group_engine(by_group, source_, firewall_, clock_);
  ASSERT_TRUE(group_engine.run(everything(), Mode::Apply));
  // The admin group's DAG rule is not seen matching yet; the web group's is.
  const std::string admin = "sg-0a1b2c3d4e5f60719";
  firewall_.setMatchesAll([&](const policy::Flow& flow) {
    std::vector<panos::MatchedRule> out;
    if (!flow.rule.starts_with(admin)) out.push_back({flow.rule, 1, "allow"});
    return out;
  });
  const auto first = engine_.run(everything(), Mode::Apply);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::Conflict);
  EXPECT_EQ(firewall_.commits(), 3);  // step 1, and step 2 for the groups shown
  bool admin_old_rule = false;
  for (const auto& rule : firewall_.rulebase().rules) {
    if (!rule.hasTag("trailwall") || policy::isTagRuleName(rule.name)) continue;
    EXPECT_TRUE(rule.name.starts_with(admin)) << rule.name << " should have gone";
    admin_old_rule = true;
  }
  EXPECT_TRUE(admin_old_rule);
  // Once the firewall shows it, the next run removes the rest.
  firewall_.setMatchesAll(nullptr);
  const auto second = engine_.run(everything(), Mode::Apply);
  ASSERT_TRUE(second) << to_string(second.error());
  EXPECT_TRUE(second->migration->completed);
  for (const auto& rule : firewall_.rulebase().rules) {
    if (rule.hasTag("trailwall")) {
      EXPECT_TRUE(policy::isTagRuleName(rule.name)) << rule.name;
    }
  }
}

TEST_F(TagModeTest, LeavingTheTagLayoutRemovesTrailwallsRegistrationsAfterTheCommit) {
  firewall_.setRegistrations({{ip("192.0.2.1"), {"quarantine"}}});
  ASSERT_TRUE(engine_.run(everything(), Mode::Apply));
  auto by_group = options_;
  by_group.layout = policy::Layout::Group;
  Engine group_engine(by_group, source_, firewall_, clock_);
  const auto report = group_engine.run(everything(), Mode::Apply);
  ASSERT_TRUE(report) << to_string(report.error());
  EXPECT_EQ(firewall_.commits(), 2);
  EXPECT_TRUE(firewall_.rulebase().address_groups.empty());
  EXPECT_EQ(firewall_.registrations(), (policy::Mappings{{ip("192.0.2.1"), {"quarantine"}}}));
}

}  // namespace
}  // namespace trailwall::engine
