// S3, SQS, Secrets Manager and SSM clients: the requests they build and the answers they read,
// against FakeTransport.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/s3_client.h"
#include "aws/secrets_client.h"
#include "aws/sqs_client.h"
#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

class ServicesTest : public ::testing::Test {
 protected:
  ClientContext context() {
    return ClientContext{transport_, credentials_, clock_, random_, "us-east-1", {}};
  }
  Json lastBody() const { return Json::parse(transport_.lastRequest().body); }
  std::string lastTarget() const {
    return std::string(transport_.lastRequest().header("X-Amz-Target").value_or(""));
  }

  http::FakeTransport transport_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "secret", "", {}, "test"}};
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  FakeRandom random_{0.5};
};

TEST_F(ServicesTest, SqsLongPollReadsMessagesAndWaitsLongerThanThePoll) {
  transport_.enqueue(
      200,
      R"({"Messages":[{"MessageId":"m1","ReceiptHandle":"rh1","MD5OfBody":"x","Body":"{\"a\":1}","Attributes":{"ApproximateReceiveCount":"2"}}]})");
  SqsClient sqs(context(), "https://sqs.us-east-1.amazonaws.com");
  auto messages =
      sqs.receiveMessages("https://sqs.us-east-1.amazonaws.com/1/q", SqsReceive{10, 20s, 60s});
  ASSERT_TRUE(messages) << to_string(messages.error());
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].receipt_handle, "rh1");
  EXPECT_EQ((*messages)[0].body, R"({"a":1})");
  EXPECT_EQ((*messages)[0].attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(lastTarget(), "AmazonSQS.ReceiveMessage");
  EXPECT_EQ(transport_.lastRequest().header("Content-Type"), "application/x-amz-json-1.0");
  const auto body = lastBody();
  EXPECT_EQ(body["QueueUrl"], "https://sqs.us-east-1.amazonaws.com/1/q");
  EXPECT_EQ(body["WaitTimeSeconds"], 20);
  EXPECT_EQ(body["MaxNumberOfMessages"], 10);
  EXPECT_EQ(body["VisibilityTimeout"], 60);
  ASSERT_TRUE(transport_.lastRequest().timeout);
  EXPECT_GT(*transport_.lastRequest().timeout, 20s);
}

TEST_F(ServicesTest, SqsEmptyPollIsNoMessages) {
  transport_.enqueue(200, "{}");
  SqsClient sqs(context(), "https://sqs.us-east-1.amazonaws.com");
  auto messages = sqs.receiveMessages("q", {});
  ASSERT_TRUE(messages);
  EXPECT_TRUE(messages->empty());
}

TEST_F(ServicesTest, SqsDeletesInBatchesOfTenAndReportsFailures) {
  transport_
      .enqueue(
          200,
          R"({"Successful":[{"Id":"0"}],"Failed":[{"Id":"3","SenderFault":true,"Code":"ReceiptHandleIsInvalid","Message":"bad"}]})")
      .enqueue(200, R"({"Successful":[{"Id":"0"}]})");
  std::vector<std::string> handles;
  for (int i = 0; i < 12; ++i) {
    handles.push_back("rh" + std::to_string(i));
  }
  SqsClient sqs(context(), "https://sqs.us-east-1.amazonaws.com");
  auto failures = sqs.deleteMessages("q", handles);
  ASSERT_TRUE(failures) << to_string(failures.error());
  ASSERT_EQ(transport_.requestCount(), 2u);
  EXPECT_EQ(Json::parse(transport_.requests()[0].body)["Entries"].size(), 10u);
  EXPECT_EQ(lastBody()["Entries"].size(), 2u);
  EXPECT_EQ(lastBody()["Entries"][1]["ReceiptHandle"], "rh11");
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_EQ((*failures)[0].receipt_handle, "rh3");
  EXPECT_TRUE((*failures)[0].sender_fault);
}

TEST_F(ServicesTest, SqsChangeVisibilityAndMissingQueue) {
  transport_.enqueue(200, "{}");
  SqsClient sqs(context(), "https://sqs.us-east-1.amazonaws.com");
  ASSERT_TRUE(sqs.changeMessageVisibility("q", "rh", 0s));
  EXPECT_EQ(lastTarget(), "AmazonSQS.ChangeMessageVisibility");
  EXPECT_EQ(lastBody()["VisibilityTimeout"], 0);
  transport_.enqueue(http::Response{
      400,
      {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
      R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})"});
  auto r = sqs.receiveMessages("q", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::NotFound);
}

TEST_F(ServicesTest, SecretsManagerStringAndBinarySecrets) {
  transport_
      .enqueue(200,
               R"({"ARN":"arn:x","Name":"pa/key","VersionId":"v1","SecretString":"LUFQSUtFWQ=="})")
      .enqueue(200, R"({"Name":"bin","SecretBinary":"AAECAw=="})");
  SecretsManagerClient sm(context(), "https://secretsmanager.us-east-1.amazonaws.com");
  auto s = sm.getSecretValue("pa/key");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->value, "LUFQSUtFWQ==");  // a string secret is returned as is
  EXPECT_FALSE(s->binary);
  EXPECT_EQ(lastTarget(), "secretsmanager.GetSecretValue");
  EXPECT_EQ(transport_.lastRequest().header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(lastBody()["SecretId"], "pa/key");
  auto b = sm.getSecretValue("bin", "AWSPREVIOUS");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->binary);
  EXPECT_EQ(b->value, std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(lastBody()["VersionStage"], "AWSPREVIOUS");
}

TEST_F(ServicesTest, SecretsManagerErrorsNameTheSecretButNotTheValue) {
  transport_.enqueue(
      400,
      R"({"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."})");
  SecretsManagerClient sm(context(), "https://secretsmanager.us-east-1.amazonaws.com");
  auto s = sm.getSecretValue("pa/key");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::NotFound);
  EXPECT_NE(s.error().message.find("secret pa/key"), std::string::npos);
  transport_.enqueue(200, R"({"Name":"pa/key"})");
  EXPECT_EQ(sm.getSecretValue("pa/key").error().code, ErrorCode::InvalidInput);
}

TEST_F(ServicesTest, SsmGetParameterWithDecryption) {
  transport_.enqueue(
      200, R"({"Parameter":{"Name":"/tw/key","Type":"SecureString","Value":"k","Version":3}})");
  SsmClient ssm(context(), "https://ssm.us-east-1.amazonaws.com");
  auto p = ssm.getParameter("/tw/key");
  ASSERT_TRUE(p) << to_string(p.error());
  EXPECT_EQ(p->value, "k");
  EXPECT_EQ(p->type, "SecureString");
  EXPECT_EQ(p->version, 3);
  EXPECT_EQ(lastTarget(), "AmazonSSM.GetParameter");
  EXPECT_EQ(lastBody()["WithDecryption"], true);
  transport_.enqueue(400,
                     R"({"__type":"ParameterNotFound","message":"Parameter /tw/nope not found."})");
  EXPECT_EQ(ssm.getParameter("/tw/nope").error().code, ErrorCode::NotFound);
}

TEST(Base64, DecodesWithPaddingAndRejectsJunk) {
  EXPECT_EQ(*base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(*base64Decode("aGVsbG8h"), "hello!");
  EXPECT_EQ(*base64Decode("aGk="), "hi");
  EXPECT_FALSE(base64Decode("abc"));
  EXPECT_FALSE(base64Decode("a$c="));
}

class S3Test : public ServicesTest {
 protected:
  S3Client s3(bool custom) {
    return S3Client(
        context(),
        [custom](const std::string& region) {
          return custom ? std::string("http://127.0.0.1:5000")
                        : "https://s3." + region + ".amazonaws.com";
        },
        custom);
  }
};

TEST_F(S3Test, AddressesObjectsVirtualHostedOnAwsAndPathStyleElsewhere) {
  EXPECT_EQ(s3(false).objectUrl("us-east-1", "trail-bucket", "AWSLogs/1/a b+c.json.gz"),
            "https://trail-bucket.s3.us-east-1.amazonaws.com/AWSLogs/1/a%20b%2Bc.json.gz");
  EXPECT_EQ(s3(false).objectUrl("us-east-1", "my.bucket", "k"),
            "https://s3.us-east-1.amazonaws.com/my.bucket/k");
  EXPECT_EQ(s3(true).objectUrl("us-east-1", "trail-bucket", "k"),
            "http://127.0.0.1:5000/trail-bucket/k");
}

TEST_F(S3Test, GetObjectReturnsTheBytesAndSignsThePayloadHash) {
  transport_.enqueue(http::Response{
      200,
      {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}, {"ETag", "\"e\""}},
      std::string("\x1f\x8b\x08\x00", 4)});
  auto client = s3(false);
  auto object = client.getObject("trail-bucket", "AWSLogs/x.json.gz");
  ASSERT_TRUE(object) << to_string(object.error());
  EXPECT_EQ(object->body, std::string("\x1f\x8b\x08\x00", 4));
  EXPECT_EQ(object->content_encoding, "gzip");
  EXPECT_TRUE(transport_.lastRequest().header("x-amz-content-sha256").has_value());
  EXPECT_NE(transport_.lastRequest().header("Authorization")->find("/us-east-1/s3/aws4_request"),
            std::string::npos);
}

TEST_F(S3Test, WrongRegionIsAskedAgainInTheBucketsRegion) {
  transport_
      .enqueue(http::Response{
          301,
          {{"x-amz-bucket-region", "eu-west-1"}},
          "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access "
          "must be addressed using the specified endpoint.</Message></Error>"})
      .enqueue(200, "data");
  auto client = s3(false);
  auto object = client.getObject("trail-bucket", "k");
  ASSERT_TRUE(object) << to_string(object.error());
  EXPECT_EQ(transport_.lastRequest().url, "https://trail-bucket.s3.eu-west-1.amazonaws.com/k");
  EXPECT_NE(transport_.lastRequest().header("Authorization")->find("/eu-west-1/s3/aws4_request"),
            std::string::npos);
}

TEST_F(S3Test, MissingKeyIsNotFoundNamingTheObject) {
  transport_.enqueue(404,
                     "<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                     "exist.</Message><Key>k</Key></Error>");
  auto client = s3(true);
  auto object = client.getObject("b", "k");
  ASSERT_FALSE(object);
  EXPECT_EQ(object.error().code, ErrorCode::NotFound);
  EXPECT_NE(object.error().message.find("s3://b/k"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::aws
