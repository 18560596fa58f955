#include "lambda/handler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "panos/fake_firewall.h"
#include "support/runner_fakes.h"

namespace trailwall::lambda {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string sqsRecord(const std::string& id, const std::string& body, bool fifo = false) {
  json record = {{"messageId", id},
                 {"receiptHandle", "AQEB" + id},
                 {"body", body},
                 {"attributes", {{"ApproximateReceiveCount", "1"}}},
                 {"messageAttributes", json::object()},
                 {"md5OfBody", "e4e68fb7bd0e697a0ae8f1bb342846b3"},
                 {"eventSource", "aws:sqs"},
                 {"eventSourceARN", fifo ? "arn:aws:sqs:us-east-1:123456789012:trailwall.fifo"
                                         : "arn:aws:sqs:us-east-1:123456789012:trailwall"},
                 {"awsRegion", "us-east-1"}};
  if (fifo) record["attributes"]["MessageGroupId"] = "firewall-1";
  return record.dump();
}

std::string sqsEvent(const std::vector<std::string>& records) {
  std::string text = R"({"Records":[)";
  for (std::size_t i = 0; i < records.size(); ++i) text += (i ? "," : "") + records[i];
  return text + "]}";
}

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest() {
    runner::RunnerOptions options;
    options.write_budget = 30s;
    runner_.emplace(
        options, config_.policy,
        [this]() -> Result<engine::InventorySource*> { return &inventory_; },
        [this]() -> Result<panos::Firewall*> { return &firewall_; }, logs_, clock_);
    handler_.emplace(*runner_, clock_, HandlerOptions{2s});
  }

  Invocation invocation(std::string body, std::chrono::milliseconds left = 300s) {
    Invocation inv;
    inv.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    inv.body = std::move(body);
    inv.deadline = clock_.now() + left;
    return inv;
  }

  config::Config config_ = test::sampleConfig();
  test::RecordingInventorySource inventory_{test::sampleInventory()};
  panos::FakeFirewall firewall_{test::rulebaseWithBottomRule(config_.policy)};
  test::FakeLogReader logs_;
  FakeClock clock_{std::chrono::system_clock::time_point(1'722'513'600s)};
  std::optional<runner::Runner> runner_;
  std::optional<Handler> handler_;
};

TEST_F(HandlerTest, AScheduledEventIsAFullReconcileAnsweredWithTheRunReport) {
  const auto reply = handler_->handle(invocation(test::scheduledEvent()));
  ASSERT_FALSE(reply.error.has_value()) << reply.error->message;
  const auto report = json::parse(reply.body);
  EXPECT_EQ(report["mode"], "apply");
  EXPECT_EQ(report["events"]["changes"].size(), 1U);
  EXPECT_GT(report["applied"]["rules_added"].get<int>(), 0);
  EXPECT_EQ(report["applied"]["commit_job"], 1);
  ASSERT_EQ(inventory_.asked().size(), 1U);
  EXPECT_TRUE(inventory_.asked()[0].second.everything);
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(HandlerTest, AnEventWithNothingToDoIsAnsweredWithAnEmptyReport) {
  const auto reply = handler_->handle(
      invocation(test::eventBridge(test::instanceRecord("DescribeInstances", test::kInstance))));
  ASSERT_FALSE(reply.error.has_value());
  const auto report = json::parse(reply.body);
  EXPECT_TRUE(report["events"]["changes"].empty());
  EXPECT_EQ(report["events"]["ignored"]["total"], 1);
  EXPECT_EQ(firewall_.reads(), 0);
}

TEST_F(HandlerTest, AnSqsBatchAnswersWithExactlyTheUnreadableMessage) {
  const auto body = sqsEvent(
      {sqsRecord("m-1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))),
       sqsRecord("m-2", "{\"not\": \"an event\"}"),
       sqsRecord("m-3",
                 test::eventBridge(test::instanceRecord("StopInstances", "i-0a1b2c3d4e5f60102")))});
  const auto reply = handler_->handle(invocation(body));
  ASSERT_FALSE(reply.error.has_value());
  EXPECT_EQ(reply.body, R"({"batchItemFailures":[{"itemIdentifier":"m-2"}]})");
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(HandlerTest, OnAFifoQueueTheMessagesAfterAnUnreadableOneComeBackToo) {
  const auto body = sqsEvent(
      {sqsRecord("m-1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance)),
                 true),
       sqsRecord("m-2", "garbage", true),
       sqsRecord("m-3",
                 test::eventBridge(test::instanceRecord("StopInstances", "i-0a1b2c3d4e5f60102")),
                 true)});
  const auto reply = handler_->handle(invocation(body));
  ASSERT_FALSE(reply.error.has_value());
  EXPECT_EQ(reply.body,
            R"({"batchItemFailures":[{"itemIdentifier":"m-2"},{"itemIdentifier":"m-3"}]})");
}

TEST_F(HandlerTest, AFailedCommitGivesBackEverySqsMessageWithChanges) {
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 3 FAIL"});
  const auto body = sqsEvent(
      {sqsRecord("m-1", test::eventBridge(test::instanceRecord("StartInstances", test::kInstance))),
       sqsRecord("m-2",
                 test::eventBridge(test::instanceRecord("DescribeInstances", test::kInstance)))});
  const auto reply = handler_->handle(invocation(body));
  EXPECT_EQ(reply.body, R"({"batchItemFailures":[{"itemIdentifier":"m-1"}]})");
}

TEST_F(HandlerTest, ADeadlineTooShortToCommitFailsTheInvocationAndWritesNothing) {
  // 20 s left, 2 s kept for the reply, a write and commit need 30 s.
  const auto before = firewall_.rulebase();
  const auto reply = handler_->handle(invocation(test::scheduledEvent(), 20s));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->type, "Function.DeadlineExceeded");
  EXPECT_TRUE(reply.error->message.starts_with("firewall default run failed: not writing "))
      << reply.error->message;
  EXPECT_TRUE(reply.error->message.ends_with(
      " changes: 18000 ms left before the deadline, and a write and commit are given 30000 ms; "
      "nothing was written"))
      << reply.error->message;
  EXPECT_TRUE(firewall_.appliedPlans().empty());
  EXPECT_EQ(firewall_.rulebase(), before);
}

TEST_F(HandlerTest, AFailedRunFailsANonSqsInvocation) {
  firewall_.failNextCommit(Error{ErrorCode::Remote, "commit job 3 FAIL"});
  const auto reply = handler_->handle(invocation(test::scheduledEvent()));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->type, "Function.RunFailed");
  EXPECT_EQ(reply.error->message,
            "firewall default run failed: applying the plan: commit job 3 FAIL");
}

TEST_F(HandlerTest, AnUnreadableEventFailsTheInvocation) {
  const auto reply = handler_->handle(invocation("[1, 2, 3]"));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->type, "Function.UnreadableEvent");
  EXPECT_EQ(reply.error->message,
            "event 8476a536-e9f4-11e8-9739-2dfe598c3fcd: expected a JSON object, found an array");
}

TEST_F(HandlerTest, AnS3NotificationFetchesTheLogFile) {
  logs_.put(test::kTrailBucket, test::logKey(),
            test::logFile({test::instanceRecord("StartInstances", test::kInstance)}));
  const auto reply = handler_->handle(invocation(test::s3Notification(test::logKey())));
  ASSERT_FALSE(reply.error.has_value()) << reply.error->message;
  EXPECT_EQ(logs_.reads().size(), 1U);
  EXPECT_EQ(json::parse(reply.body)["events"]["changes"].size(), 1U);
  EXPECT_EQ(firewall_.commits(), 1);
}

TEST_F(HandlerTest, AnSqsBatchWithABrokenEnvelopeFailsAsAWhole) {
  const auto reply =
      handler_->handle(invocation(R"({"Records":[{"eventSource":"aws:sqs","body":"{}"}]})"));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->type, "Function.InvalidEvent");
  EXPECT_EQ(reply.error->message, "SQS event Records[0]: no messageId (a non-empty string)");
}

}  // namespace
}  // namespace trailwall::lambda
