// The daemon's runner over the shared runner (the sample inventory, the fake firewall, the
// shared S3 fake): an outcome per message, one commit per batch, a full reconcile as the
// runner's Scheduled Event, nothing written once the daemon is stopping, and the summary the
// metrics and the status page show.
#include <gtest/gtest.h>

#include "panos/fake_firewall.h"
#include "serve/serve_runner.h"
#include "support/runner_fakes.h"

namespace trailwall::serve {
namespace {

using test::eventBridge;
using test::instanceRecord;
using test::kInstance;

class ServeRunnerTest : public ::testing::Test {
 protected:
  ServeRunnerTest()
      : config_(test::sampleConfig()),
        firewall_(test::rulebaseWithBottomRule(config_.policy)),
        inventory_(test::sampleInventory()) {}

  ServeRunner runner(engine::InventorySource* inventory = nullptr) {
    return ServeRunner({}, config_.policy, inventory ? *inventory : inventory_, firewall_, logs_,
                       clock_);
  }
  RunResult run(const std::vector<Delivery>& deliveries, RunKind kind = RunKind::Scoped) {
    auto r = runner();
    return r.run(deliveries, kind, stop_.get_token());
  }

  config::Config config_;
  panos::FakeFirewall firewall_;
  test::RecordingInventorySource inventory_;
  test::FakeLogReader logs_;
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 8 / 1)};
  std::stop_source stop_;
};

TEST_F(ServeRunnerTest, ReadableMessagesAreDoneAfterOneCommitAndUnreadableOnesAreNamed) {
  const auto result =
      run({{"m1", eventBridge(instanceRecord("StartInstances", kInstance))},
           {"m2", "this is not an event"},
           {"m3", eventBridge(instanceRecord("StopInstances", kInstance, "ev-2"))}});
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes,
            (std::vector<Outcome>{Outcome::Done, Outcome::Unreadable, Outcome::Done}));
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(result.summary.events,
            (std::map<std::string, int>{{"StartInstances", 1}, {"StopInstances", 1}}));
  EXPECT_EQ(result.summary.deliveries, 3u);
  EXPECT_TRUE(result.summary.commit_job);
  EXPECT_TRUE(result.summary.commit_attempted);
  EXPECT_FALSE(result.summary.nothing_to_do);
  ASSERT_FALSE(result.summary.changes.empty());
  ASSERT_TRUE(result.summary.managed_rules);
  ASSERT_FALSE(result.summary.managed_rules->empty());
  for (const auto& rule : *result.summary.managed_rules) {
    EXPECT_NE(firewall_.rulebase().findRule(rule.name), nullptr) << rule.name;
    EXPECT_TRUE(rule.description.starts_with("trailwall: ")) << rule.description;
  }
  EXPECT_EQ(result.summary.managed_rules->size(),
            static_cast<std::size_t>(std::count_if(
                firewall_.rulebase().rules.begin(), firewall_.rulebase().rules.end(),
                [&](const policy::SecurityRule& r) { return r.hasTag("trailwall"); })))
      << "the rules as the run left them";
  EXPECT_GT(result.summary.firewall_requests.at("commit"), 0);
}

TEST_F(ServeRunnerTest, AFailedCommitLeavesEveryReadableMessageForRetry) {
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 9 failed"});
  const auto result =
      run({{"m1", eventBridge(instanceRecord("StartInstances", kInstance))}, {"m2", "{"}});
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, (std::vector<Outcome>{Outcome::Retry, Outcome::Unreadable}));
  EXPECT_EQ(result.summary.error_step, "apply");
  EXPECT_EQ(result.summary.error_code, "remote");
  EXPECT_NE(result.summary.error.find("commit job 9 failed"), std::string::npos);
  EXPECT_TRUE(result.summary.commit_attempted);
  EXPECT_FALSE(result.summary.commit_job);
  EXPECT_EQ(firewall_.commits(), 0);
  ASSERT_TRUE(result.summary.managed_rules);
  EXPECT_TRUE(result.summary.managed_rules->empty()) << "as the rulebase stands: unchanged";
}

TEST_F(ServeRunnerTest, OnceStoppingNothingIsStarted) {
  stop_.request_stop();
  const auto result = run({{"m1", eventBridge(instanceRecord("StartInstances", kInstance))}});
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Retry});
  EXPECT_EQ(result.summary.error_step, "stopping");
  EXPECT_EQ(firewall_.reads(), 0);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
}

TEST_F(ServeRunnerTest, AStopDuringTheRunIsHonouredBeforeTheWrite) {
  // The stop arrives while AWS is read: the plan is made, but not written.
  class StopOnLoad final : public engine::InventorySource {
   public:
    StopOnLoad(engine::InventorySource& inner, std::stop_source& stop)
        : inner_(inner), stop_(stop) {}
    Result<engine::LoadedInventory> load(const engine::Target& t,
                                         const inventory::Scope& s) override {
      stop_.request_stop();
      return inner_.load(t, s);
    }

   private:
    engine::InventorySource& inner_;
    std::stop_source& stop_;
  } stopping(inventory_, stop_);
  auto r = runner(&stopping);
  const auto result = r.run({{"m1", eventBridge(instanceRecord("StartInstances", kInstance))}},
                            RunKind::Scoped, stop_.get_token());
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Retry});
  EXPECT_EQ(result.summary.error_step, "stopping");
  EXPECT_NE(result.summary.error.find("nothing was written"), std::string::npos)
      << result.summary.error;
  EXPECT_FALSE(result.summary.commit_attempted);
  EXPECT_FALSE(result.summary.changes.empty()) << "what would have been written is shown";
  EXPECT_TRUE(firewall_.appliedPlans().empty());
}

TEST_F(ServeRunnerTest, AFullRunIsTheRunnersScheduledEventAndMessagesRideAlong) {
  const auto result =
      run({{"m1", eventBridge(instanceRecord("StartInstances", kInstance))}}, RunKind::Full);
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Done}) << "one outcome per message";
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_TRUE(std::ranges::any_of(inventory_.asked(), [](const auto& asked) {
    return asked.second.everything;
  })) << "everything was loaded";
  EXPECT_EQ(result.summary.events, (std::map<std::string, int>{{"StartInstances", 1}}))
      << "the schedule itself is not an event";
  EXPECT_EQ(result.summary.kind, RunKind::Full);
}

TEST_F(ServeRunnerTest, AFailedCallIsIgnoredAndDoneWithoutTouchingTheFirewall) {
  std::string record = instanceRecord("StartInstances", kInstance);
  record.insert(1, R"("errorCode":"Client.UnauthorizedOperation",)");
  const auto result = run({{"m1", eventBridge(record)}});
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Done});
  EXPECT_TRUE(result.summary.nothing_to_do);
  EXPECT_EQ(result.summary.ignored.at("failed-call"), 1);
  EXPECT_EQ(firewall_.reads(), 0);
}

TEST_F(ServeRunnerTest, LogFilesNamedByS3NotificationsAreFetched) {
  logs_.put(test::kTrailBucket, test::logKey(),
            test::logFile({instanceRecord("StartInstances", kInstance)}));
  auto result = run({{"m1", test::s3Notification(test::logKey())},
                     {"m2", test::s3Notification(test::logKey("20240801T1210Z_gone"))}});
  ASSERT_TRUE(result.summary.ok) << result.summary.error;
  EXPECT_EQ(result.outcomes, (std::vector<Outcome>{Outcome::Done, Outcome::Unreadable}))
      << "a log file that is gone can never be read";
  EXPECT_EQ(result.summary.events.at("StartInstances"), 1);

  logs_.failWith(Error{ErrorCode::Network, "connection reset"});
  result = run({{"m1", test::s3Notification(test::logKey())}});
  EXPECT_EQ(result.outcomes, std::vector<Outcome>{Outcome::Retry}) << "worth another try";
}

TEST(ServeRunnerFleet, EachFirewallsOutcomeIsInTheSummaryAndOnlyTheFailedOnesMessagesComeBack) {
  const auto config = test::sampleConfig();
  panos::FakeFirewall east(test::rulebaseWithBottomRule(config.policy));
  panos::FakeFirewall west(test::rulebaseWithBottomRule(config.policy));
  west.failNextCommit(Error{ErrorCode::Remote, "commit job 2 FAIL"});
  test::RecordingInventorySource inventory(test::twoVpcs());
  test::FakeLogReader logs;
  FakeClock clock{std::chrono::sys_days(std::chrono::year(2024) / 8 / 1)};
  ServeRunner runner({}, test::twoFirewalls(config.policy), inventory,
                     {{"east", &east}, {"west", &west}}, logs, clock);
  std::stop_source stop;
  const auto result = runner.run(
      {{"m-east", eventBridge(instanceRecord("StartInstances", test::kEastInstance, "e1"))},
       {"m-west", eventBridge(instanceRecord("StartInstances", test::kWestInstance, "e2"))}},
      RunKind::Scoped, stop.get_token());
  EXPECT_EQ(result.outcomes, (std::vector<Outcome>{Outcome::Done, Outcome::Retry}));
  EXPECT_EQ(result.summary.firewalls,
            (std::map<std::string, bool>{{"east", true}, {"west", false}}));
  EXPECT_FALSE(result.summary.ok);
  EXPECT_EQ(result.summary.error, "firewall west: applying the plan: commit job 2 FAIL");
  EXPECT_EQ(east.commits(), 1);
  ASSERT_FALSE(result.summary.changes.empty());
  for (const auto& line : result.summary.changes) {
    EXPECT_TRUE(line.starts_with("east: ") || line.starts_with("west: ")) << line;
  }
}

TEST(PlanLines, NameEveryChange) {
  policy::Plan plan;
  plan.add_rules.push_back(policy::SecurityRule{});
  plan.add_rules.back().name = "sg-1-tcp-443";
  policy::RuleEdit edit;
  edit.after.name = "sg-1-tcp-22";
  edit.changed = {"destination", "source"};
  plan.edit_rules.push_back(edit);
  plan.delete_rules.push_back(policy::SecurityRule{});
  plan.delete_rules.back().name = "sg-2-all";
  plan.move_rules.push_back("sg-3-icmp-8");
  EXPECT_EQ(planLines(plan),
            (std::vector<std::string>{"+ sg-1-tcp-443", "~ sg-1-tcp-22 (destination, source)",
                                      "> sg-3-icmp-8 (moved)", "- sg-2-all"}));
}

}  // namespace
}  // namespace trailwall::serve
