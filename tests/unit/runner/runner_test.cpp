#include "runner/runner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "panos/fake_firewall.h"
#include "support/runner_fakes.h"

namespace trailwall::runner {
namespace {

using namespace std::chrono_literals;
using test::delivery;

class RunnerTest : public ::testing::Test {
 protected:
  Runner makeRunner(RunnerOptions options = {}) {
    return Runner(
        std::move(options), config_.policy,
        [this]() -> Result<engine::InventorySource*> {
          ++inventory_asked_;
          return &inventory_;
        },
        [this]() -> Result<panos::Firewall*> {
          ++firewall_asked_;
          if (firewall_error_) return std::unexpected(*firewall_error_);
          return &firewall_;
        },
        logs_, clock_);
  }

  config::Config config_ = test::sampleConfig();
  test::RecordingInventorySource inventory_{test::sampleInventory()};
  panos::FakeFirewall firewall_{test::rulebaseWithBottomRule(config_.policy)};
  test::FakeLogReader logs_;
  FakeClock clock_{std::chrono::system_clock::time_point(1'722'513'600s)};
  int inventory_asked_ = 0;
  int firewall_asked_ = 0;
  std::optional<Error> firewall_error_;
};

std::vector<Delivery> deliveries(std::vector<std::pair<std::string, std::string>> items) {
  std::vector<Delivery> out;
  for (auto& [id, body] : items) out.push_back(delivery(id, body));
  return out;
}

TEST_F(RunnerTest, AnEventIsDoneOnceItsChangesAreCommitted) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].id, "m1");
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[0].reason, "committed (job 1)");
  EXPECT_EQ(result.outcomes[0].changes, 1U);
  EXPECT_EQ(result.outcomes[0].firewalls, std::vector<std::string>{"default"});
  EXPECT_EQ(firewall_.commits(), 1);
  ASSERT_EQ(result.runs.size(), 1U);
  EXPECT_TRUE(result.runs[0].succeeded());
  ASSERT_EQ(inventory_.asked().size(), 1U);
  EXPECT_EQ(inventory_.asked()[0].first, (engine::Target{test::kAccount, test::kRegion}));
  EXPECT_EQ(inventory_.asked()[0].second.instance_ids, std::set<std::string>{test::kInstance});
  EXPECT_TRUE(result.allDone());
}

TEST_F(RunnerTest, ABatchOfDeliveriesIsOneRunAndOneCommit) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))},
       {"m2", test::eventBridge(test::instanceRecord("StopInstances", "i-0a1b2c3d4e5f60102"))},
       {"m3", test::logFile({test::instanceRecord("StartInstances", "i-0a1b2c3d4e5f60103")})}});
  const auto result = runner.run(batch);
  EXPECT_EQ(result.count(Status::Done), 3U);
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.holds(), 1);  // one writer: held once, read again holding it
  ASSERT_EQ(inventory_.asked().size(), 1U);
  EXPECT_EQ(
      inventory_.asked()[0].second.instance_ids,
      (std::set<std::string>{"i-0a1b2c3d4e5f60101", "i-0a1b2c3d4e5f60102", "i-0a1b2c3d4e5f60103"}));
  EXPECT_EQ(result.decoded.changes.size(), 3U);
}

TEST_F(RunnerTest, ADeliveryWithNothingToActOnIsDoneWithoutAwsOrTheFirewall) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("DescribeInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[0].reason, "nothing to do: 1 record ignored");
  EXPECT_TRUE(result.runs.empty());
  EXPECT_EQ(inventory_asked_, 0);
  EXPECT_EQ(firewall_asked_, 0);
}

TEST_F(RunnerTest, AnUnreadableBodyIsNamedAndTheOthersAreStillCommitted) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"good", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))},
       {"bad", "<html>Service Unavailable</html>"}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 2U);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[1].status, Status::Unreadable);
  EXPECT_EQ(result.outcomes[1].reason,
            "bad: not valid JSON (The JSON document has an improper "
            "structure: missing or superfluous commas, braces, missing "
            "keys, etc.)");
  ASSERT_EQ(result.outcomes[1].errors.size(), 1U);
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(RunnerTest, ALogFileWithOneBadRecordCommitsTheRestAndIsUnreadable) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"file",
        test::logFile({test::instanceRecord("StartInstances", test::kInstance),
                       R"({"eventName":"StartInstances","eventSource":"ec2.amazonaws.com"})"})}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].status, Status::Unreadable);
  EXPECT_EQ(result.outcomes[0].reason, "file: Records[1]: missing awsRegion");
  EXPECT_EQ(result.outcomes[0].changes, 1U);
  EXPECT_EQ(firewall_.commits(), 1);  // the good record's change is committed all the same
}

TEST_F(RunnerTest, AFailedCommitGivesBackEveryDeliveryWithChanges) {
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 7 FAIL: validation error"});
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))},
       {"m2", test::eventBridge(test::instanceRecord("DescribeInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 2U);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(result.outcomes[0].reason,
            "firewall default run failed: applying the plan: commit job 7 FAIL: validation error");
  EXPECT_EQ(result.outcomes[1].status, Status::Done);  // it needed nothing
  ASSERT_EQ(result.runs.size(), 1U);
  EXPECT_TRUE(result.runs[0].attempted);
  EXPECT_FALSE(result.runs[0].succeeded());
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(RunnerTest, AnHaFailoverIsRetriedOnceWithAFreshRun) {
  // What panos::HaPairFirewall answers when the active peer failed mid-run.
  firewall_.failNextCommit(
      Error{ErrorCode::Failover, "HA failover: fw-a is no longer the active peer, fw-b is"});
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].status, Status::Done) << result.outcomes[0].reason;
  ASSERT_EQ(result.runs.size(), 1U);
  EXPECT_TRUE(result.runs[0].succeeded());
  EXPECT_EQ(firewall_.commits(), 1);
  EXPECT_EQ(firewall_.reads(), 4);  // the retry read the rulebase again (each run: before and
                                    // after taking the hold)
  EXPECT_EQ(firewall_.holds(), 2);  // and took a fresh hold
  const auto& warnings = result.runs[0].report->warnings;
  EXPECT_TRUE(std::ranges::any_of(warnings, [](const std::string& w) {
    return w.find("retried after applying the plan: HA failover") != std::string::npos;
  }));
}

TEST_F(RunnerTest, ASecondFailoverIsNotRetriedAgain) {
  firewall_.refuseHold(Error{ErrorCode::Failover, "HA failover: the hold was taken on fw-a"});
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  ASSERT_EQ(result.outcomes.size(), 1U);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(firewall_.holds(), 2);  // the run and its one retry
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(RunnerTest, AFirewallThatCannotBeReachedGivesBackTheDeliveries) {
  firewall_error_ = Error{ErrorCode::Config, "no firewall configured: set firewall.host"};
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(result.outcomes[0].reason,
            "firewall default run not started: no firewall configured: set firewall.host");
}

TEST_F(RunnerTest, AnS3NotificationFetchesTheLogFileByItsDecodedKey) {
  logs_.put(test::kTrailBucket, test::logKey(),
            test::logFile({test::instanceRecord("StartInstances", test::kInstance)}));
  auto runner = makeRunner();
  const auto batch = deliveries({{"n1", test::s3Notification(test::logKey())}});
  const auto result = runner.run(batch);
  ASSERT_EQ(logs_.reads().size(), 1U);
  EXPECT_EQ(logs_.reads()[0], std::string(test::kTrailBucket) + "/" + test::logKey());
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[0].changes, 1U);
  EXPECT_EQ(result.decoded.changes.at(0).source,
            std::string("s3://") + test::kTrailBucket + "/" + test::logKey());
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(RunnerTest, ALogFileNamedTwiceInABatchIsFetchedOnce) {
  logs_.put(test::kTrailBucket, test::logKey(),
            test::logFile({test::instanceRecord("StartInstances", test::kInstance)}));
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"n1", test::s3Notification(test::logKey())}, {"n2", test::s3Notification(test::logKey())}});
  const auto result = runner.run(batch);
  EXPECT_EQ(logs_.reads().size(), 1U);
  EXPECT_EQ(result.count(Status::Done), 2U);
  EXPECT_EQ(result.outcomes[1].changes, 1U);
}

TEST_F(RunnerTest, DigestAndInsightFilesAreIgnoredWithAReasonAndNeverFetched) {
  auto runner = makeRunner();
  const std::string digest =
      "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/08/01/"
      "123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20240801T120510Z.json.gz";
  const std::string insight =
      "AWSLogs/123456789012/CloudTrail-Insight/us-east-1/2024/08/01/"
      "123456789012_CloudTrail-Insight_us-east-1_20240801T1205Z_abcdefABCDEF0123.json.gz";
  const auto batch = deliveries({{"d", test::s3Notification(digest)},
                                 {"i", test::s3Notification(insight)},
                                 {"o", test::s3Notification("uploads/photo.jpg")}});
  const auto result = runner.run(batch);
  EXPECT_TRUE(logs_.reads().empty());
  EXPECT_EQ(result.count(Status::Done), 3U);
  EXPECT_EQ(result.outcomes[0].reason, "nothing to do: 1 record ignored");
  EXPECT_EQ(
      result.decoded
          .ignored_count[static_cast<std::size_t>(cloudtrail::IgnoreReason::NotCloudTrailLog)],
      3U);
}

TEST_F(RunnerTest, ALogFileThatIsGoneMakesItsNotificationUnreadable) {
  auto runner = makeRunner();
  const auto batch = deliveries({{"n1", test::s3Notification(test::logKey())}});
  const auto result = runner.run(batch);
  EXPECT_EQ(result.outcomes[0].status, Status::Unreadable);
  EXPECT_EQ(result.outcomes[0].reason, "s3://aws-cloudtrail-logs-123456789012-trail/" +
                                           test::logKey() +
                                           ": NoSuchKey: The specified key does not exist.");
  EXPECT_TRUE(result.runs.empty());
}

TEST_F(RunnerTest, ALogFileThatCannotBeFetchedNowIsRetried) {
  logs_.failWith(
      Error{ErrorCode::Network, "Could not connect to server (https://s3.amazonaws.com/)"});
  auto runner = makeRunner();
  const auto batch = deliveries({{"n1", test::s3Notification(test::logKey())}});
  const auto result = runner.run(batch);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(result.outcomes[0].reason,
            "a log file it names could not be fetched: Could not connect to server "
            "(https://s3.amazonaws.com/)");
}

TEST_F(RunnerTest, AScheduledEventIsAFullReconcile) {
  auto runner = makeRunner();
  const auto batch = deliveries({{"s", test::scheduledEvent()}});
  const auto result = runner.run(batch);
  ASSERT_EQ(inventory_.asked().size(), 1U);
  EXPECT_TRUE(inventory_.asked()[0].second.everything);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[0].reason, "committed (job 1)");
}

TEST_F(RunnerTest, AReconcileDeliveryIsAFullReconcileOfTheDefaultAccountAndRegion) {
  auto runner = makeRunner();
  std::vector<Delivery> batch;
  batch.push_back(reconcileDelivery("schedule"));
  const auto result = runner.run(batch);
  ASSERT_EQ(inventory_.asked().size(), 1U);
  EXPECT_EQ(inventory_.asked()[0].first, engine::Target{});
  EXPECT_TRUE(inventory_.asked()[0].second.everything);
  EXPECT_EQ(result.outcomes[0].id, "schedule");
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(result.outcomes[0].reason, "committed (job 1)");
}

TEST_F(RunnerTest, ADeadlineThatHasPassedStartsNoRun) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch, clock_.steadyNow());
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(result.outcomes[0].reason,
            "firewall default run not started: not started: the deadline has passed");
  EXPECT_EQ(firewall_asked_, 0);
  EXPECT_EQ(firewall_.reads(), 0);
}

TEST_F(RunnerTest, ADeadlineTooCloseForTheCommitWritesNothing) {
  RunnerOptions options;
  options.write_budget = 30s;
  auto runner = makeRunner(options);
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto before = firewall_.rulebase();
  const auto result = runner.run(batch, clock_.steadyNow() + 20s);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_TRUE(result.outcomes[0].reason.starts_with("firewall default run failed: not writing "))
      << result.outcomes[0].reason;
  EXPECT_TRUE(result.outcomes[0].reason.ends_with(
      " changes: 20000 ms left before the deadline, and a write and commit are given 30000 ms; "
      "nothing was written"))
      << result.outcomes[0].reason;
  EXPECT_EQ(firewall_.reads(), 1);  // reading is fine
  EXPECT_TRUE(firewall_.appliedPlans().empty());
  EXPECT_EQ(firewall_.rulebase(), before);
  ASSERT_EQ(result.runs.size(), 1U);
  EXPECT_EQ(result.runs[0].error->code, ErrorCode::Timeout);
}

TEST_F(RunnerTest, ATooLongWaitForTheFirewallWritesNothingAndReleasesIt) {
  RunnerOptions options;
  options.write_budget = 30s;
  auto runner = makeRunner(options);
  // Another run holds the firewall for 15 s: 40 s left before, 25 s once it is ours.
  firewall_.beforeHold([this](panos::FakeFirewall&) { clock_.advance(15s); });
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch, clock_.steadyNow() + 40s);
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_TRUE(result.outcomes[0].reason.ends_with(
      " changes: 25000 ms left before the deadline, and a write and commit are given 30000 ms; "
      "nothing was written"))
      << result.outcomes[0].reason;
  EXPECT_EQ(firewall_.holds(), 1);
  EXPECT_EQ(firewall_.releases(), 1);
  EXPECT_TRUE(firewall_.appliedPlans().empty());
  ASSERT_EQ(result.runs.size(), 1U);
  EXPECT_FALSE(result.runs[0].report->outcome.written);
}

TEST_F(RunnerTest, ADeadlineFarEnoughAwayCommits) {
  RunnerOptions options;
  options.write_budget = 30s;
  auto runner = makeRunner(options);
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch, clock_.steadyNow() + 31s);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(RunnerTest, NoLogFileIsFetchedOnceTheDeadlineHasPassed) {
  logs_.put(test::kTrailBucket, test::logKey(),
            test::logFile({test::instanceRecord("StartInstances", test::kInstance)}));
  auto runner = makeRunner();
  const auto batch = deliveries({{"n1", test::s3Notification(test::logKey())}});
  const auto result = runner.run(batch, clock_.steadyNow());
  EXPECT_TRUE(logs_.reads().empty());
  EXPECT_EQ(result.outcomes[0].status, Status::Retry);
  EXPECT_EQ(
      result.outcomes[0].reason,
      "a log file it names could not be fetched: s3://aws-cloudtrail-logs-123456789012-trail/" +
          test::logKey() + ": not fetched, the deadline has passed");
}

TEST_F(RunnerTest, ADryRunPlansAndCommitsNothing) {
  RunnerOptions options;
  options.mode = engine::Mode::Plan;
  auto runner = makeRunner(options);
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  const auto result = runner.run(batch);
  EXPECT_EQ(result.outcomes[0].status, Status::Done);
  EXPECT_TRUE(result.outcomes[0].reason.starts_with("planned ")) << result.outcomes[0].reason;
  EXPECT_TRUE(result.outcomes[0].reason.ends_with(" changes (dry run)"));
  EXPECT_EQ(firewall_.commits(), 0);
}

TEST_F(RunnerTest, TheSameBatchTwiceHasNothingToChangeTheSecondTime) {
  auto runner = makeRunner();
  const auto batch = deliveries(
      {{"m1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))}});
  ASSERT_TRUE(runner.run(batch).allDone());
  const auto second = runner.run(batch);
  EXPECT_EQ(second.outcomes[0].status, Status::Done);
  EXPECT_EQ(second.outcomes[0].reason, "nothing to change");
  EXPECT_EQ(firewall_.commits(), 1);
}

}  // namespace
}  // namespace trailwall::runner
