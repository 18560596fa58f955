// The SQS calls the daemon adds: ChangeMessageVisibilityBatch (in tens, refusals reported) and
// GetQueueAttributes; and the FIFO message group read from a received message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/sqs_client.h"
#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class SqsClientTest : public ::testing::Test {
 protected:
  ClientContext context() {
    return ClientContext{transport_, credentials_, clock_, random_, "eu-central-1", {}};
  }
  Json body(std::size_t i) const { return Json::parse(transport_.requests()[i].body); }
  std::string target(std::size_t i) const {
    return std::string(transport_.requests()[i].header("X-Amz-Target").value_or(""));
  }

  http::FakeTransport transport_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "secret", "", {}, "test"}};
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  FakeRandom random_{0.5};
  const std::string queue_ = "https://sqs.eu-central-1.amazonaws.com/111122223333/tw.fifo";
};

TEST_F(SqsClientTest, ChangeVisibilityBatchSendsTensAndReportsRefusals) {
  transport_.enqueue(200, R"({"Successful":[{"Id":"0"}]})")
      .enqueue(200, R"({"Successful":[],"Failed":[{"Id":"1","SenderFault":true,)"
                    R"("Code":"ReceiptHandleIsInvalid","Message":"expired"}]})");
  std::vector<std::string> handles;
  for (int i = 0; i < 12; ++i) handles.push_back("rh" + std::to_string(i));
  SqsClient sqs(context(), "https://sqs.eu-central-1.amazonaws.com");
  auto refused = sqs.changeMessageVisibilityBatch(queue_, handles, 45s);
  ASSERT_TRUE(refused) << to_string(refused.error());
  ASSERT_EQ(transport_.requestCount(), 2u);
  EXPECT_EQ(target(0), "AmazonSQS.ChangeMessageVisibilityBatch");
  EXPECT_EQ(body(0)["QueueUrl"], queue_);
  ASSERT_EQ(body(0)["Entries"].size(), 10u);
  EXPECT_EQ(body(0)["Entries"][3]["ReceiptHandle"], "rh3");
  EXPECT_EQ(body(0)["Entries"][3]["VisibilityTimeout"], 45);
  EXPECT_EQ(body(1)["Entries"].size(), 2u);
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].receipt_handle, "rh11");
  EXPECT_EQ((*refused)[0].code, "ReceiptHandleIsInvalid");
  EXPECT_TRUE((*refused)[0].sender_fault);
}

TEST_F(SqsClientTest, DeleteBatchEntriesCarryNoVisibility) {
  transport_.enqueue(200, R"({"Successful":[{"Id":"0"}]})");
  SqsClient sqs(context(), "https://sqs.eu-central-1.amazonaws.com");
  ASSERT_TRUE(sqs.deleteMessages(queue_, {"rh0"}));
  EXPECT_EQ(target(0), "AmazonSQS.DeleteMessageBatch");
  EXPECT_FALSE(body(0)["Entries"][0].contains("VisibilityTimeout"));
}

TEST_F(SqsClientTest, ABadIdInAFailedEntryIsAnError) {
  transport_.enqueue(200, R"({"Failed":[{"Id":"17","Code":"X"}]})");
  SqsClient sqs(context(), "https://sqs.eu-central-1.amazonaws.com");
  auto refused = sqs.changeMessageVisibilityBatch(queue_, {"rh0"}, 0s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidInput);
  EXPECT_NE(refused.error().message.find("ChangeMessageVisibilityBatch"), std::string::npos);
}

TEST_F(SqsClientTest, GetQueueAttributesReadsTheStrings) {
  transport_.enqueue(
      200,
      R"({"Attributes":{"FifoQueue":"true","VisibilityTimeout":"60",)"
      R"("RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-central-1:1:dlq.fifo\",\"maxReceiveCount\":5}"}})");
  SqsClient sqs(context(), "https://sqs.eu-central-1.amazonaws.com");
  auto attributes =
      sqs.getQueueAttributes(queue_, {"FifoQueue", "VisibilityTimeout", "RedrivePolicy"});
  ASSERT_TRUE(attributes) << to_string(attributes.error());
  EXPECT_EQ(target(0), "AmazonSQS.GetQueueAttributes");
  EXPECT_EQ(body(0)["AttributeNames"],
            (Json::array({"FifoQueue", "VisibilityTimeout", "RedrivePolicy"})));
  EXPECT_EQ(attributes->at("FifoQueue"), "true");
  EXPECT_EQ(attributes->at("VisibilityTimeout"), "60");
  EXPECT_NE(attributes->at("RedrivePolicy").find("maxReceiveCount"), std::string::npos);

  transport_.enqueue(200, "{}");
  attributes = sqs.getQueueAttributes(queue_);
  ASSERT_TRUE(attributes);
  EXPECT_TRUE(attributes->empty());
  EXPECT_EQ(body(1)["AttributeNames"], Json::array({"All"}));
}

TEST_F(SqsClientTest, AReceivedFifoMessageNamesItsGroup) {
  transport_.enqueue(200, R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"rh1","Body":"{}",)"
                          R"("Attributes":{"MessageGroupId":"fw-1","SequenceNumber":"1"}},)"
                          R"({"MessageId":"m2","ReceiptHandle":"rh2","Body":"{}"}]})");
  SqsClient sqs(context(), "https://sqs.eu-central-1.amazonaws.com");
  auto messages = sqs.receiveMessages(queue_, {});
  ASSERT_TRUE(messages);
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].messageGroup(), "fw-1");
  EXPECT_EQ((*messages)[1].messageGroup(), "");
}

}  // namespace
}  // namespace trailwall::aws
