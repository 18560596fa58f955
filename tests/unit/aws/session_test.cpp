#include "aws/session.h"

#include <gtest/gtest.h>

#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  // (A const char*, not an optional<string>: g++ 12 warns falsely on the latter here.)
  Result<std::unique_ptr<AwsSession>> create(const char* region = nullptr) {
    if (region == nullptr) {
      return AwsSession::create(env_, transport_, clock_, random_);
    }
    return AwsSession::create(env_, transport_, clock_, random_, std::string(region));
  }
  MapEnvironment env_{{{"AWS_CONFIG_FILE", "/nonexistent/config"},
                       {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
                       {"AWS_EC2_METADATA_DISABLED", "true"}}};
  http::FakeTransport transport_;
  FakeClock clock_;
  FakeRandom random_;
};

TEST_F(SessionTest, NoRegionAnywhereIsAConfigErrorSayingWhereToSetIt) {
  auto s = create();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::Config);
  EXPECT_NE(s.error().message.find("AWS_REGION"), std::string::npos);
  EXPECT_TRUE(create("eu-west-1"));
}

TEST_F(SessionTest, ClientsGoToTheConfiguredEndpointsSignedForTheRegion) {
  env_.set("AWS_REGION", "eu-central-1");
  env_.set("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:4566");
  env_.set("AWS_ACCESS_KEY_ID", "AKIDSESSION");
  env_.set("AWS_SECRET_ACCESS_KEY", "secret");
  auto s = create();
  ASSERT_TRUE(s) << to_string(s.error());
  EXPECT_TRUE((*s)->hasCustomEndpoint(kEc2));
  EXPECT_FALSE((*s)->hasCustomEndpoint(kSqs));
  EXPECT_EQ((*s)->endpoint(kSts), "https://sts.eu-central-1.amazonaws.com");
  transport_.enqueue(200, "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>");
  ASSERT_TRUE((*s)->ec2()->describeVpcs({}));
  EXPECT_EQ(transport_.lastRequest().url, "http://127.0.0.1:4566/");
  EXPECT_NE(transport_.lastRequest()
                .header("Authorization")
                ->find("Credential=AKIDSESSION/19700101/eu-central-1/ec2/aws4_request"),
            std::string::npos);
}

TEST_F(SessionTest, CredentialsAreLookedUpOnFirstUseAndSayWhatWasTried) {
  env_.set("AWS_REGION", "us-east-1");
  auto s = create();
  ASSERT_TRUE(s);
  EXPECT_EQ(transport_.requestCount(), 0u);
  auto vpcs = (*s)->ec2()->describeVpcs({});
  ASSERT_FALSE(vpcs);
  EXPECT_EQ(vpcs.error().code, ErrorCode::Auth);
  EXPECT_NE(vpcs.error().message.find("EC2 DescribeVpcs: no AWS credentials found; tried"),
            std::string::npos)
      << vpcs.error().message;
  EXPECT_EQ(transport_.requestCount(), 0u);
}

}  // namespace
}  // namespace trailwall::aws
