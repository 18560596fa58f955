// Retries and timeouts against a faulty AWS: the faulty-AWS proxy (tests/support/faulty_aws.h)
// in front of moto_server (signatures verified) answers 5xx, the services' real throttling
// errors, drops connections, answers slowly or never, and counts what reaches it. The clients
// use the SDKs' standard retry mode (retry.h) over the real SocketTransport; backoff sleeps go to
// a FakeClock, so only the timeouts take real time.
#include <gtest/gtest.h>

#include "aws/ec2_client.h"
#include "aws/s3_client.h"
#include "aws/secrets_client.h"
#include "aws/sqs_client.h"
#include "http/socket_transport.h"
#include "http/url.h"
#include "support/faulty_aws.h"
#include "support/moto_server.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

class FaultyAwsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_.start();
    if (!moto_) return;
    auto shim = test::FaultyAws::start(moto_->endpoint());
    if (!shim) {
      moto_.setError("faulty-AWS proxy: " + to_string(shim.error()));
      return;
    }
    shim_ = std::move(*shim).release();
    seed();
  }
  static void TearDownTestSuite() {
    delete shim_;
    shim_ = nullptr;
    moto_.stop();
  }
  void SetUp() override {
    ASSERT_TRUE(moto_) << moto_.error();
    ASSERT_TRUE(shim_->setRules("[]"));
    ASSERT_TRUE(shim_->resetCounters());
  }
  void TearDown() override { ASSERT_TRUE(shim_->setRules("[]")); }

  // Clients of the proxy: standard mode, 3 attempts, a fresh retry quota per test.
  // Generous by default: moto is slow on a busy machine, and a timeout here would be a retry the
  // test did not ask for.
  ClientContext context(std::optional<std::chrono::milliseconds> timeout = 60s) {
    return ClientContext{transport_, *admin_, clock_, random_, moto_->region(), policy_, timeout};
  }
  static std::string queueUrl() {
    return moto_->endpoint() + "/" + moto_->accountId() + "/trailwall-faults";
  }

  // Fixtures straight in moto (not through the proxy).
  static void seed() {
    http::SocketTransport transport;
    StaticCredentialsProvider admin(moto_->adminCredentials());
    SystemClock clock;
    FakeRandom random;
    const auto call = [&](const ServiceInfo& service, http::Request request) {
      ServiceClient client(ClientContext{transport, admin, clock, random, moto_->region(), {}},
                           service, moto_->endpoint());
      auto r = client.call(std::move(request), "seed");
      if (!r) moto_.setError("seeding moto: " + to_string(r.error()));
    };
    const auto json = [&](const ServiceInfo& service, const std::string& target,
                          const std::string& body, const std::string& type) {
      call(service, http::Request{
                        "POST", "/", {{"Content-Type", type}, {"X-Amz-Target", target}}, body, {}});
    };
    // moto loads a service's models on its first call (seconds): pay that here for EC2 too.
    call(kEc2, http::Request{"POST",
                             "/",
                             {{"Content-Type", "application/x-www-form-urlencoded"}},
                             "Action=DescribeVpcs&Version=2016-11-15",
                             {}});
    call(kS3, http::Request{"PUT", "/trail-bucket", {}, "", {}});
    call(kS3, http::Request{"PUT", "/trail-bucket/AWSLogs/x.json", {}, R"({"Records":[]})", {}});
    json(kSqs, "AmazonSQS.CreateQueue", R"({"QueueName":"trailwall-faults"})",
         "application/x-amz-json-1.0");
    json(kSecretsManager, "secretsmanager.CreateSecret",
         R"({"Name":"trailwall/key","SecretString":"LUFQSUtFWQ=="})", "application/x-amz-json-1.1");
  }

  static inline test::SuiteMoto moto_;
  static inline test::FaultyAws* shim_ = nullptr;
  std::unique_ptr<StaticCredentialsProvider> admin_ =
      moto_ ? std::make_unique<StaticCredentialsProvider>(moto_->adminCredentials()) : nullptr;
  http::SocketTransport transport_;
  FakeClock clock_{std::chrono::system_clock::now()};
  FakeRandom random_{0.5};
  RetryPolicy policy_{3, 1000ms, 20000ms, std::make_shared<RetryQuota>(), RetryMode::Standard};
};

// Each test here starts moto and the proxy (ctest runs every test alone), so related faults
// share a test.
TEST_F(FaultyAwsTest, TransientFaultsAreRetriedAndTheCallSucceeds) {
  // 5xx: the standard mode's transient statuses.
  ASSERT_TRUE(shim_->setRules(R"([
      {"service": "ec2", "action": "DescribeVpcs", "fault": "status", "status": 500, "times": 1},
      {"service": "ec2", "action": "DescribeVpcs", "fault": "status", "status": 503, "times": 1}
  ])"));
  Ec2Client ec2(context(), shim_->endpoint());
  auto vpcs = ec2.describeVpcs({});
  ASSERT_TRUE(vpcs) << to_string(vpcs.error());
  EXPECT_FALSE(vpcs->items.empty());  // moto's default VPC
  EXPECT_EQ(*shim_->requests("ec2:DescribeVpcs"), 3);
  EXPECT_EQ(*shim_->forwarded(), 1);
  EXPECT_EQ(clock_.totalSlept(), 500ms + 1000ms);
  EXPECT_EQ(policy_.quota->available(), 495);  // 10 paid, the successful retry's 5 given back

  // A connection closed without an answer, then one reset.
  ASSERT_TRUE(shim_->setRules(R"([
      {"service": "ec2", "fault": "drop", "times": 1},
      {"service": "ec2", "fault": "reset", "times": 1}
  ])"));
  ASSERT_TRUE(shim_->resetCounters());
  auto again = ec2.describeVpcs({});
  ASSERT_TRUE(again) << to_string(again.error());
  EXPECT_EQ(*shim_->requests("ec2:DescribeVpcs"), 3);

  // A slow answer within the timeout is waited for, not retried.
  ASSERT_TRUE(shim_->setRules(R"([{"service": "secretsmanager", "fault": "slow", "delay": 0.5}])"));
  SecretsManagerClient sm(context(5s), shim_->endpoint());
  auto secret = sm.getSecretValue("trailwall/key");
  ASSERT_TRUE(secret) << to_string(secret.error());
  EXPECT_EQ(*shim_->requests("secretsmanager:GetSecretValue"), 1);
}

TEST_F(FaultyAwsTest, EachServicesThrottlingErrorIsRetriedWithBackoff) {
  ASSERT_TRUE(shim_->setRules(R"([
      {"service": "ec2", "fault": "throttle", "times": 2},
      {"service": "s3", "fault": "throttle", "times": 2},
      {"service": "sqs", "fault": "throttle", "times": 2},
      {"service": "secretsmanager", "fault": "throttle", "times": 2}
  ])"));
  Ec2Client ec2(context(), shim_->endpoint());
  ASSERT_TRUE(ec2.describeVpcs({}));
  S3Client s3(
      context(), [](const std::string&) { return shim_->endpoint(); }, true);
  auto object = s3.getObject("trail-bucket", "AWSLogs/x.json");
  ASSERT_TRUE(object) << to_string(object.error());
  EXPECT_EQ(object->body, R"({"Records":[]})");
  SqsClient sqs(context(), shim_->endpoint());
  auto messages = sqs.receiveMessages(queueUrl(), SqsReceive{1, 0s, {}});
  ASSERT_TRUE(messages) << to_string(messages.error());
  SecretsManagerClient sm(context(), shim_->endpoint());
  auto secret = sm.getSecretValue("trailwall/key");
  ASSERT_TRUE(secret) << to_string(secret.error());
  EXPECT_EQ(secret->value, "LUFQSUtFWQ==");
  for (const char* target : {"ec2:DescribeVpcs", "s3:GetObject", "sqs:ReceiveMessage",
                             "secretsmanager:GetSecretValue"}) {
    EXPECT_EQ(*shim_->requests(target), 3) << target;
  }
  EXPECT_EQ(clock_.totalSlept(), 4 * (500ms + 1000ms));  // each: 0.5 × 1 s, then 0.5 × 2 s
}

// The bound a run relies on: attempts × the per-attempt timeout (backoff is on the fake clock
// here). Generous on the upper side, as the machine may be busy.
TEST_F(FaultyAwsTest, FaultsThatOutlastTheAttemptsFailInBoundedTimeSayingSo) {
  ASSERT_TRUE(shim_->setRules(R"([{"service": "ec2", "fault": "status", "status": 503}])"));
  Ec2Client ec2(context(), shim_->endpoint());
  auto vpcs = ec2.describeVpcs({});
  ASSERT_FALSE(vpcs);
  EXPECT_EQ(vpcs.error().code, ErrorCode::Remote);
  EXPECT_NE(vpcs.error().message.find(
                "EC2 DescribeVpcs: Unavailable: The server is overloaded and can't handle the "
                "request. (HTTP 503, request id "),
            std::string::npos)
      << vpcs.error().message;
  EXPECT_TRUE(vpcs.error().message.ends_with("; gave up after 3 attempts")) << vpcs.error().message;
  EXPECT_EQ(*shim_->requests("ec2:DescribeVpcs"), 3);
  EXPECT_EQ(*shim_->forwarded(), 0);

  ASSERT_TRUE(shim_->setRules(R"([{"service": "ec2", "fault": "hang"}])"));
  ASSERT_TRUE(shim_->resetCounters());
  Ec2Client hung(context(1s), shim_->endpoint());
  const int quota_before = policy_.quota->available();
  const auto started = std::chrono::steady_clock::now();
  auto timed_out = hung.describeVpcs({});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().code, ErrorCode::Timeout);
  const std::string expected = "EC2 DescribeVpcs: no answer from " + shim_->endpoint() +
                               " after 3 attempts (each limited to 1 s): no answer within 1000 ms";
  EXPECT_EQ(timed_out.error().message.substr(0, expected.size()), expected)
      << timed_out.error().message;
  EXPECT_GE(took, 3s);
  EXPECT_LT(took, 3s + 10s);
  EXPECT_EQ(*shim_->requests("ec2:DescribeVpcs"), 3);
  EXPECT_EQ(policy_.quota->available(), quota_before - 20);  // a retry after a timeout costs 10
}

}  // namespace
}  // namespace trailwall::aws
