#include "lambda/payload.h"

#include <gtest/gtest.h>

#include "support/files.h"

namespace trailwall::lambda {
namespace {

std::string reference(const std::string& name) {
  return test::readFile(test::referenceDir() / "lambda" / name);
}

TEST(Payload, AnSqsBatchIsOneDeliveryPerMessage) {
  const auto payload = splitPayload(reference("sqs-event-standard-awsdocs.json"), "req-1");
  ASSERT_TRUE(payload.has_value()) << payload.error().message;
  EXPECT_TRUE(payload->sqs);
  EXPECT_FALSE(payload->fifo);
  ASSERT_EQ(payload->deliveries.size(), 2U);
  EXPECT_EQ(payload->deliveries[0].id, "059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_EQ(payload->deliveries[0].source, "SQS message 059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_EQ(payload->deliveries[0].bytes.view(), "Test message.");
  EXPECT_EQ(payload->deliveries[1].id, "2e1424d4-f796-459a-8184-9c92662be6da");
}

TEST(Payload, AFifoQueueIsRecognised) {
  const auto payload = splitPayload(reference("sqs-event-fifo-awsdocs.json"), "req-1");
  ASSERT_TRUE(payload.has_value()) << payload.error().message;
  EXPECT_TRUE(payload->sqs);
  EXPECT_TRUE(payload->fifo);
}

TEST(Payload, AnSqsBodyCarryingAnSnsEnvelopeStaysOneDelivery) {
  const auto payload =
      splitPayload(test::readFile(test::referenceDir() / "cloudtrail" /
                                  "sqs-lambda-event-body-is-sns-envelope-powertools.json"),
                   "req-1");
  ASSERT_TRUE(payload.has_value());
  ASSERT_EQ(payload->deliveries.size(), 1U);
  EXPECT_TRUE(payload->deliveries[0].bytes.view().starts_with("{"));
}

TEST(Payload, AnyOtherEventIsOneDeliveryNamedByTheRequestId) {
  for (const auto* name :
       {"eventbridge-scheduled-event-awsdocs.json", "eventbridge-s3-object-created-awsdocs.json"}) {
    const auto body = reference(name);
    const auto payload = splitPayload(body, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    ASSERT_TRUE(payload.has_value()) << name;
    EXPECT_FALSE(payload->sqs);
    ASSERT_EQ(payload->deliveries.size(), 1U);
    EXPECT_EQ(payload->deliveries[0].id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    EXPECT_EQ(payload->deliveries[0].source, "event 8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    EXPECT_EQ(payload->deliveries[0].bytes.view(), body);
  }
}

TEST(Payload, ABodyThatIsNotJsonIsStillADeliveryAndNotAnEnvelopeError) {
  const auto payload = splitPayload("not json at all", "req-1");
  ASSERT_TRUE(payload.has_value());
  ASSERT_EQ(payload->deliveries.size(), 1U);
}

TEST(Payload, AnSqsRecordWithoutAMessageIdFailsTheInvocation) {
  const auto payload =
      splitPayload(R"({"Records":[{"messageId":"a","body":"{}","eventSource":"aws:sqs"},)"
                   R"({"body":"{}","eventSource":"aws:sqs"}]})",
                   "req-1");
  ASSERT_FALSE(payload.has_value());
  EXPECT_EQ(payload.error().message, "SQS event Records[1]: no messageId (a non-empty string)");
  const auto no_body =
      splitPayload(R"({"Records":[{"messageId":"a","body":7,"eventSource":"aws:sqs"}]})", "req-1");
  ASSERT_FALSE(no_body.has_value());
  EXPECT_EQ(no_body.error().message, "SQS event Records[0]: message a: no body (a string)");
}

std::vector<runner::Outcome> outcomes(
    std::initializer_list<std::pair<const char*, runner::Status>> items) {
  std::vector<runner::Outcome> out;
  for (const auto& [id, status] : items) {
    runner::Outcome outcome;
    outcome.id = id;
    outcome.status = status;
    out.push_back(outcome);
  }
  return out;
}

TEST(Payload, BatchItemFailuresNameExactlyTheMessagesNotDone) {
  using runner::Status;
  const auto list = outcomes(
      {{"a", Status::Done}, {"b", Status::Unreadable}, {"c", Status::Done}, {"d", Status::Retry}});
  EXPECT_EQ(batchItemFailures(list, false),
            R"({"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"d"}]})");
  EXPECT_EQ(batchItemFailures(outcomes({{"a", Status::Done}}), false),
            R"({"batchItemFailures":[]})");
}

TEST(Payload, OnAFifoQueueEverythingAfterTheFirstFailureComesBack) {
  using runner::Status;
  const auto list = outcomes(
      {{"a", Status::Done}, {"b", Status::Unreadable}, {"c", Status::Done}, {"d", Status::Done}});
  EXPECT_EQ(batchItemFailures(list, true),
            R"({"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"c"},)"
            R"({"itemIdentifier":"d"}]})");
}

}  // namespace
}  // namespace trailwall::lambda
