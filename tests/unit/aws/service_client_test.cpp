#include "aws/service_client.h"

#include <gtest/gtest.h>

#include "aws/sts_client.h"
#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

const auto kClockStart = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + 12h;

class ServiceClientTest : public ::testing::Test {
 protected:
  ServiceClient client(RetryPolicy retry = {}) {
    return ServiceClient(
        ClientContext{transport_, credentials_, clock_, random_, "us-east-1", retry}, kEc2,
        "https://ec2.us-east-1.amazonaws.com/");
  }
  static http::Request describe() {
    return http::Request{"POST", "/", {}, "Action=DescribeVpcs&Version=2016-11-15", {}};
  }
  http::FakeTransport transport_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "secret", "token", {}, "test"}};
  FakeClock clock_{kClockStart};
  FakeRandom random_{0.5};
};

TEST_F(ServiceClientTest, SignsWithTheClockAndTheSessionToken) {
  transport_.enqueue(200, "<ok/>");
  auto c = client();
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_TRUE(r);
  const auto& sent = transport_.lastRequest();
  EXPECT_EQ(sent.url, "https://ec2.us-east-1.amazonaws.com/");
  const http::Response h{0, sent.headers, ""};
  EXPECT_EQ(h.header("X-Amz-Date"), "20240501T120000Z");
  EXPECT_EQ(h.header("X-Amz-Security-Token"), "token");
  EXPECT_TRUE(
      h.header("Authorization")
          ->starts_with("AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/ec2/aws4_request"));
}

TEST_F(ServiceClientTest, RetriesThrottlingAnd5xxWithFullJitterBackoff) {
  transport_
      .enqueue(
          400,
          "<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>")
      .enqueue(503, "")
      .enqueueError(Error{ErrorCode::Network, "connection reset"})
      .enqueue(200, "<ok/>");
  auto c = client(RetryPolicy{5, 100ms, 20000ms});
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(transport_.requestCount(), 4u);
  EXPECT_EQ(c.requestsSent(), 4u);
  // unit 0.5 of 100, 200, 400 ms.
  EXPECT_EQ(clock_.totalSlept(), 50ms + 100ms + 200ms);
}

TEST_F(ServiceClientTest, BackoffIsCappedAndJittered) {
  const RetryPolicy p{10, 100ms, 1000ms};
  EXPECT_EQ(backoffDelay(p, 0, 0.999), 99ms);
  EXPECT_EQ(backoffDelay(p, 3, 0.5), 400ms);
  EXPECT_EQ(backoffDelay(p, 8, 0.5), 500ms);
  EXPECT_EQ(backoffDelay(p, 60, 0.0), 0ms);
}

TEST_F(ServiceClientTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  transport_.setHandler([](const http::Request&) -> Result<http::Response> {
    return http::Response{503,
                          {},
                          "<Response><Errors><Error><Code>Unavailable</Code><Message>try "
                          "later</Message></Error></Errors></Response>"};
  });
  auto c = client(RetryPolicy{3, 100ms, 20000ms});
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(transport_.requestCount(), 3u);
  EXPECT_EQ(r.error().code, ErrorCode::Remote);
  EXPECT_NE(r.error().message.find("EC2 DescribeVpcs: Unavailable: try later (HTTP 503"),
            std::string::npos);
}

TEST_F(ServiceClientTest, ClientErrorsAreNotRetried) {
  transport_.enqueue(
      403,
      "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized "
      "to perform this operation.</Message></Error></Errors></Response>");
  auto c = client();
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Denied);
  EXPECT_EQ(transport_.requestCount(), 1u);
  EXPECT_EQ(clock_.totalSlept(), 0ms);
}

TEST_F(ServiceClientTest, CorrectsClockSkewFromTheDateHeaderOnce) {
  transport_
      .enqueue(http::Response{
          400,
          {{"Date", "Wed, 01 May 2024 12:30:00 GMT"}},
          "<Response><Errors><Error><Code>RequestExpired</Code></Error></Errors></Response>"})
      .enqueue(200, "<ok/>");
  auto c = client();
  ASSERT_TRUE(c.call(describe(), "DescribeVpcs"));
  EXPECT_EQ(transport_.lastRequest().header("X-Amz-Date"), "20240501T123000Z");
  EXPECT_EQ(clock_.totalSlept(), 0ms);
}

TEST_F(ServiceClientTest, ErrorsNeverCarryTheSecretOrToken) {
  transport_.enqueue(403,
                     "<Error><Code>SignatureDoesNotMatch</Code><Message>we computed with secret "
                     "and token</Message></Error>");
  auto c = client();
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("secret and"), std::string::npos);
  EXPECT_EQ(r.error().message.find("token"), std::string::npos) << r.error().message;
}

TEST_F(ServiceClientTest, StsAssumeRoleSendsTheQueryAndParsesCredentials) {
  transport_.enqueue(200, R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAROLE</AccessKeyId>
      <SecretAccessKey>rolesecret</SecretAccessKey>
      <SessionToken>roletoken</SessionToken>
      <Expiration>2024-05-01T13:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>
</AssumeRoleResponse>)");
  auto assume = makeStsAssumeRole(transport_, clock_, random_, "us-east-1",
                                  "https://sts.us-east-1.amazonaws.com");
  AssumeRoleParams p;
  p.role_arn = "arn:aws:iam::123:role/r";
  p.external_id = "ext";
  auto c = assume(credentials_, p);
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->access_key_id, "ASIAROLE");
  EXPECT_EQ(c->session_token, "roletoken");
  EXPECT_TRUE(c->expiration.has_value());
  const auto& body = transport_.lastRequest().body;
  EXPECT_NE(body.find("Action=AssumeRole"), std::string::npos);
  EXPECT_NE(body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fr"), std::string::npos);
  EXPECT_NE(body.find("ExternalId=ext"), std::string::npos);
  EXPECT_NE(transport_.lastRequest().header("Authorization")->find("/sts/aws4_request"),
            std::string::npos);
}

TEST(StsParse, IncompleteCredentialsAreAnError) {
  EXPECT_FALSE(parseAssumeRoleResponse(
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId></"
      "Credentials></AssumeRoleResult></AssumeRoleResponse>"));
  EXPECT_FALSE(parseAssumeRoleResponse("not xml"));
  auto id = parseGetCallerIdentityResponse(
      "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</"
      "Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></"
      "GetCallerIdentityResponse>");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->account, "123456789012");
}

}  // namespace
}  // namespace trailwall::aws
