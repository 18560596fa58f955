// A batch split over a fleet of two firewalls (issue 13): each firewall gets only the changes its
// gateway routes, one commit each, and a failing firewall gives back only its deliveries.
#include <gtest/gtest.h>

#include "panos/fake_firewall.h"
#include "runner/fleet_split.h"
#include "runner/runner.h"
#include "support/runner_fakes.h"

namespace trailwall::runner {
namespace {

using namespace std::chrono_literals;
using test::delivery;

using test::kEastInstance;
using test::kWestInstance;
using test::twoFirewalls;
using test::twoVpcs;

bool hasRuleFor(const panos::FakeFirewall& firewall, std::string_view address) {
  for (const auto& rule : firewall.rulebase().rules) {
    for (const auto& destination : rule.destination) {
      if (destination == address) return true;
    }
  }
  return false;
}

class FleetRunnerTest : public ::testing::Test {
 protected:
  Runner makeRunner(std::size_t parallel = 2) {
    RunnerOptions options;
    options.max_parallel_firewalls = parallel;
    return Runner(
        options, fleet_, [this]() -> Result<engine::InventorySource*> { return &inventory_; },
        [this](std::string_view name) -> Result<panos::Firewall*> {
          if (name == "east") return &east_;
          if (name == "west") return &west_;
          return fail(ErrorCode::Internal, "no such firewall");
        },
        logs_, clock_);
  }
  std::vector<Delivery> oneForEach() const {
    std::vector<Delivery> out;
    out.push_back(delivery(
        "m-east", test::eventBridge(test::instanceRecord("StartInstances", kEastInstance, "e1"))));
    out.push_back(delivery(
        "m-west", test::eventBridge(test::instanceRecord("StartInstances", kWestInstance, "e2"))));
    return out;
  }

  config::Config config_ = test::sampleConfig();
  std::vector<FleetMember> fleet_ = twoFirewalls(config_.policy);
  test::RecordingInventorySource inventory_{twoVpcs()};
  panos::FakeFirewall east_{test::rulebaseWithBottomRule(config_.policy)};
  panos::FakeFirewall west_{test::rulebaseWithBottomRule(config_.policy)};
  test::FakeLogReader logs_;
  FakeClock clock_{std::chrono::system_clock::time_point(1'722'513'600s)};
};

TEST_F(FleetRunnerTest, EachFirewallGetsOnlyItsVpcsRulesAndOneCommit) {
  auto runner = makeRunner();
  const auto result = runner.run(oneForEach());
  ASSERT_EQ(result.runs.size(), 2U);
  EXPECT_EQ(result.runs[0].firewall, "east");
  EXPECT_EQ(result.runs[1].firewall, "west");
  EXPECT_TRUE(result.runs[0].succeeded());
  EXPECT_TRUE(result.runs[1].succeeded());
  EXPECT_EQ(east_.commits(), 1);
  EXPECT_EQ(west_.commits(), 1);
  ASSERT_EQ(result.outcomes.size(), 2U);
  EXPECT_EQ(result.outcomes[0].firewalls, std::vector<std::string>{"east"});
  EXPECT_EQ(result.outcomes[1].firewalls, std::vector<std::string>{"west"});
  EXPECT_TRUE(result.allDone());
  // The two VPCs share addresses (a copy): what tells them apart is the rule owner's group id.
  for (const auto& rule : east_.rulebase().rules) {
    if (rule.name == config_.policy.bottom_rule) continue;
    EXPECT_TRUE(rule.name.starts_with("sg-0")) << rule.name;
  }
  for (const auto& rule : west_.rulebase().rules) {
    if (rule.name == config_.policy.bottom_rule) continue;
    EXPECT_TRUE(rule.name.starts_with("sg-1")) << rule.name;
  }
  EXPECT_TRUE(hasRuleFor(east_, "10.0.1.25"));
  EXPECT_TRUE(hasRuleFor(west_, "10.0.1.25"));
  // AWS was read once for the batch, for both firewalls.
  EXPECT_EQ(inventory_.asked().size(), 1U);
}

TEST_F(FleetRunnerTest, OneFirewallFailingGivesBackOnlyItsDeliveries) {
  west_.failNextCommit(Error{ErrorCode::Remote, "commit job 3 FAIL: validation error"});
  auto runner = makeRunner();
  const auto result = runner.run(oneForEach());
  ASSERT_EQ(result.runs.size(), 2U);
  EXPECT_TRUE(result.runs[0].succeeded());
  EXPECT_FALSE(result.runs[1].succeeded());
  EXPECT_EQ(east_.commits(), 1);
  ASSERT_EQ(result.outcomes.size(), 2U);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[1].status, Status::Retry);
  EXPECT_EQ(result.outcomes[1].reason,
            "firewall west run failed: applying the plan: commit job 3 FAIL: validation error");
}

TEST_F(FleetRunnerTest, ADeliveryTouchingBothIsDoneOnlyWhenBothCommitted) {
  west_.failNextCommit(Error{ErrorCode::Remote, "commit job 3 FAIL"});
  auto runner = makeRunner(1);  // one at a time: the same outcome
  std::vector<Delivery> batch;
  batch.push_back(delivery(
      "both", test::logFile({test::instanceRecord("StartInstances", kEastInstance, "e1"),
                             test::instanceRecord("StartInstances", kWestInstance, "e2")})));
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].firewalls, (std::vector<std::string>{"east", "west"}));
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(east_.commits(), 1);
}

TEST_F(FleetRunnerTest, AnInventoryFailureFailsEveryFirewallWithoutTouchingThem) {
  auto runner = Runner(
      RunnerOptions{}, fleet_,
      []() -> Result<engine::InventorySource*> { return fail(ErrorCode::Auth, "no credentials"); },
      [this](std::string_view) -> Result<panos::Firewall*> { return &east_; }, logs_, clock_);
  const auto result = runner.run(oneForEach());
  ASSERT_EQ(result.runs.size(), 2U);
  EXPECT_FALSE(result.runs[0].attempted);
  EXPECT_FALSE(result.runs[1].attempted);
  EXPECT_EQ(result.count(Status::Retry), 2U);
  EXPECT_EQ(east_.commits(), 0);
}

TEST(FleetSplit, AnIdNotInTheInventoryOrAnUnroutedVpcTouchesEveryFirewall) {
  const auto inventory = twoVpcs();
  const auto fleet = twoFirewalls(policy::Options{});
  inventory::Scope gone;
  gone.instance_ids = {"i-0ffffffffffffffff"};
  EXPECT_EQ(firewallsTouched(gone, inventory, fleet), (std::set<std::string>{"east", "west"}));
  inventory::Scope everything;
  everything.everything = true;
  EXPECT_EQ(firewallsTouched(everything, inventory, fleet),
            (std::set<std::string>{"east", "west"}));
  inventory::Scope west_group;
  west_group.group_ids = {inventory.security_groups.back().id};
  EXPECT_EQ(firewallsTouched(west_group, inventory, fleet), std::set<std::string>{"west"});
  inventory::Scope vpc;
  vpc.vpc_ids = {"vpc-0a1b2c3d4e5f60001"};
  EXPECT_EQ(firewallsTouched(vpc, inventory, fleet), std::set<std::string>{"east"});
  EXPECT_EQ(vpcsRoutedBy(inventory, fleet[1].policy),
            std::set<std::string>{"vpc-1a1b2c3d4e5f60001"});
  EXPECT_TRUE(firewallsTouched(inventory::Scope{}, inventory, fleet).empty());
}

}  // namespace
}  // namespace trailwall::runner
