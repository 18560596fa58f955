// The daemon's queue against moto's SQS (signatures verified): the attributes it reads at start,
// FIFO groups, extending and giving back visibility in batches, and deleting.
#include <gtest/gtest.h>

#include "aws/service_client.h"
#include "aws/sqs_client.h"
#include "http/socket_transport.h"
#include "serve/queue.h"
#include "support/moto_server.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;

class SqsQueueTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_.start(); }
  static void TearDownTestSuite() { moto_.stop(); }
  void SetUp() override {
    ASSERT_TRUE(moto_) << moto_.error();
    admin_ = std::make_unique<aws::StaticCredentialsProvider>(moto_->adminCredentials());
  }
  aws::ClientContext context() {
    return aws::ClientContext{transport_, *admin_, clock_, random_, moto_->region(), {}};
  }
  // AmazonSQS.<operation> with a JSON body; the answer's body. Fails the test on an error.
  std::string call(const std::string& operation, const std::string& body) {
    aws::ServiceClient client(context(), aws::kSqs, moto_->endpoint());
    auto r = client.call(http::Request{"POST",
                                       "/",
                                       {{"Content-Type", "application/x-amz-json-1.0"},
                                        {"X-Amz-Target", "AmazonSQS." + operation}},
                                       body,
                                       {}},
                         operation);
    EXPECT_TRUE(r) << operation << ": " << (r ? "" : to_string(r.error()));
    return r ? r->body : "";
  }
  std::string url(const std::string& name) {
    return moto_->endpoint() + "/" + moto_->accountId() + "/" + name;
  }
  SqsQueue queue(const std::string& name) {
    return SqsQueue(std::make_unique<aws::SqsClient>(context(), moto_->endpoint()), url(name));
  }

  static inline test::SuiteMoto moto_;
  std::unique_ptr<aws::StaticCredentialsProvider> admin_;
  http::SocketTransport transport_{http::TransportOptions{}};
  SystemClock clock_;
  aws::SystemRandom random_;
};

TEST_F(SqsQueueTest, AFifoQueueWithARedrivePolicy) {
  call("CreateQueue", R"({"QueueName":"tw-dlq.fifo","Attributes":{"FifoQueue":"true"}})");
  const std::string dlq_arn = "arn:aws:sqs:us-east-1:" + moto_->accountId() + ":tw-dlq.fifo";
  call("CreateQueue",
       R"({"QueueName":"tw-events.fifo","Attributes":{"FifoQueue":"true",)"
       R"("ContentBasedDeduplication":"true","VisibilityTimeout":"45","RedrivePolicy":)"
       R"("{\"deadLetterTargetArn\":\")" +
           dlq_arn + R"(\",\"maxReceiveCount\":\"5\"}"}})");
  for (const char* body : {"one", "two", "three"}) {
    call("SendMessage", R"({"QueueUrl":")" + url("tw-events.fifo") + R"(","MessageBody":")" + body +
                            R"(","MessageGroupId":"fw-1"})");
  }
  auto q = queue("tw-events.fifo");
  auto info = q.describe();
  ASSERT_TRUE(info) << to_string(info.error());
  EXPECT_TRUE(info->fifo);
  EXPECT_EQ(info->visibility_timeout, 45s);
  EXPECT_NE(info->redrive_policy.find("maxReceiveCount"), std::string::npos);

  auto first = q.receive(10, 1s, 30s);
  ASSERT_TRUE(first) << to_string(first.error());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].body, "one");
  EXPECT_EQ((*first)[2].body, "three");
  EXPECT_EQ((*first)[0].group, "fw-1");
  EXPECT_EQ((*first)[0].receive_count, 1);
  std::vector<std::string> handles;
  for (const auto& m : *first) handles.push_back(m.receipt_handle);

  auto extended = q.setVisibility(handles, 60s);
  ASSERT_TRUE(extended) << to_string(extended.error());
  EXPECT_TRUE(extended->empty());
  auto none = q.receive(10, 0s, 30s);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty()) << "still invisible";

  // Keep the first, give the other two back: they come again, in order.
  auto deleted = q.remove({handles[0]});
  ASSERT_TRUE(deleted) << to_string(deleted.error());
  EXPECT_TRUE(deleted->empty());
  auto given_back = q.setVisibility({handles[1], handles[2]}, 0s);
  ASSERT_TRUE(given_back) << to_string(given_back.error());
  auto again = q.receive(10, 1s, 30s);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].body, "two");
  EXPECT_EQ((*again)[0].receive_count, 2);
  std::vector<std::string> rest;
  for (const auto& m : *again) rest.push_back(m.receipt_handle);
  ASSERT_TRUE(q.remove(rest));
  auto empty = q.receive(10, 0s, 30s);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_F(SqsQueueTest, AStandardQueueAndAMissingOne) {
  call("CreateQueue", R"({"QueueName":"tw-standard"})");
  auto q = queue("tw-standard");
  auto info = q.describe();
  ASSERT_TRUE(info) << to_string(info.error());
  EXPECT_FALSE(info->fifo);
  EXPECT_TRUE(info->redrive_policy.empty());
  auto missing = queue("tw-none").describe();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound) << to_string(missing.error());
}

}  // namespace
}  // namespace trailwall::serve
