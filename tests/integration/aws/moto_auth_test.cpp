// Against moto_server with signature checking on: correctly signed requests pass, a request
// signed with a wrong secret fails with an authentication error.
#include <gtest/gtest.h>

#include "aws/ec2_client.h"
#include "aws/sts_client.h"
#include "http/socket_transport.h"
#include "support/moto_server.h"

namespace trailwall::aws {
namespace {

class MotoAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_.start(); }
  static void TearDownTestSuite() { moto_.stop(); }
  void SetUp() override { ASSERT_TRUE(moto_) << moto_.error(); }
  ClientContext context(CredentialsProvider& credentials) {
    return ClientContext{transport_, credentials, clock_, random_, moto_->region(), {}};
  }

  static inline test::SuiteMoto moto_;
  http::SocketTransport transport_;
  SystemClock clock_;
  SystemRandom random_;
};

TEST_F(MotoAuth, CorrectlySignedRequestsPass) {
  StaticCredentialsProvider admin(moto_->adminCredentials());
  Ec2Client ec2(context(admin), moto_->endpoint());
  auto vpcs = ec2.describeVpcs({});
  ASSERT_TRUE(vpcs) << to_string(vpcs.error()) << "\n" << moto_->log();
  EXPECT_FALSE(vpcs->items.empty());  // moto's default VPC
  StsClient sts(context(admin), moto_->endpoint());
  auto me = sts.getCallerIdentity();
  ASSERT_TRUE(me) << to_string(me.error());
  EXPECT_EQ(me->account, moto_->accountId());
}

TEST_F(MotoAuth, RequestSignedWithAWrongSecretOrUnknownKeyFails) {
  auto wrong = moto_->adminCredentials();
  wrong.secret_access_key += "x";
  StaticCredentialsProvider bad(wrong);
  Ec2Client ec2(context(bad), moto_->endpoint());
  auto vpcs = ec2.describeVpcs({});
  ASSERT_FALSE(vpcs);
  EXPECT_EQ(vpcs.error().code, ErrorCode::Auth) << to_string(vpcs.error());
  EXPECT_EQ(vpcs.error().message.find(wrong.secret_access_key), std::string::npos);
  EXPECT_EQ(ec2.client().requestsSent(), 1u);  // an auth failure is not retried

  StaticCredentialsProvider unknown(Credentials{"AKIAUNKNOWNKEY000000", "secret", "", {}, "t"});
  Ec2Client unknown_ec2(context(unknown), moto_->endpoint());
  auto refused = unknown_ec2.describeVpcs({});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::Auth) << to_string(refused.error());
}

}  // namespace
}  // namespace trailwall::aws
