// S3, SQS, Secrets Manager, SSM and STS clients against moto_server with signature checking.
// Fixtures are created with signed raw requests (ServiceClient), as any AWS client would.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws/ec2_client.h"
#include "aws/s3_client.h"
#include "aws/secrets_client.h"
#include "aws/session.h"
#include "aws/sqs_client.h"
#include "aws/sts_client.h"
#include "http/socket_transport.h"
#include "http/url.h"
#include "support/moto_server.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

constexpr ServiceInfo kIam{"IAM", "iam", "iam", "iam", "IAM"};

class MotoServices : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { moto_.start(); }
  static void TearDownTestSuite() { moto_.stop(); }
  void SetUp() override {
    ASSERT_TRUE(moto_) << moto_.error();
    admin_ = std::make_unique<StaticCredentialsProvider>(moto_->adminCredentials());
  }
  ClientContext context(CredentialsProvider* credentials = nullptr) {
    return ClientContext{
        transport_, credentials ? *credentials : *admin_, clock_, random_, moto_->region(), {}};
  }
  // A signed request for setting up fixtures; fails the test on any error.
  void setup(const ServiceInfo& service, http::Request request, std::string_view what) {
    ServiceClient client(context(), service, moto_->endpoint());
    auto r = client.call(std::move(request), what);
    ASSERT_TRUE(r) << what << ": " << to_string(r.error());
  }
  void jsonSetup(const ServiceInfo& service, const std::string& target, const std::string& body,
                 const std::string& content_type = "application/x-amz-json-1.1") {
    setup(service,
          http::Request{
              "POST", "/", {{"Content-Type", content_type}, {"X-Amz-Target", target}}, body, {}},
          target);
  }
  void querySetup(const ServiceInfo& service,
                  std::vector<std::pair<std::string, std::string>> params) {
    const std::string action = params.front().second;
    setup(service,
          http::Request{"POST",
                        "/",
                        {{"Content-Type", "application/x-www-form-urlencoded"}},
                        http::formEncode(params),
                        {}},
          action);
  }

  static inline test::SuiteMoto moto_;
  std::unique_ptr<StaticCredentialsProvider> admin_;
  http::SocketTransport transport_;
  SystemClock clock_;
  SystemRandom random_;
};

TEST_F(MotoServices, S3GetObjectReturnsTheStoredGzipBytes) {
  const std::string gz(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00\x43\xbf\xa6\xa3\x02\x00\x00\x00",
      22);
  // A space must be encoded in the path. (moto's signature check cannot verify keys with '+',
  // '=' or ':' even from boto3, so those are covered by the unit tests only.)
  const std::string key =
      "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/123456789012_CloudTrail_us-east-1 "
      "20240501T1200Z_x.json.gz";
  setup(kS3, http::Request{"PUT", "/trail-bucket", {}, "", {}}, "CreateBucket");
  setup(kS3,
        http::Request{"PUT",
                      "/trail-bucket/" + http::percentEncode(key, true),
                      {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}},
                      gz,
                      {}},
        "PutObject");
  S3Client s3(
      context(), [this](const std::string&) { return moto_->endpoint(); }, true);
  auto object = s3.getObject("trail-bucket", key);
  ASSERT_TRUE(object) << to_string(object.error()) << "\n" << moto_->log();
  EXPECT_EQ(object->body, gz);
  auto missing = s3.getObject("trail-bucket", "AWSLogs/none.json.gz");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound) << to_string(missing.error());
}

TEST_F(MotoServices, SqsReceiveChangeVisibilityAndDeleteInBatches) {
  jsonSetup(kSqs, "AmazonSQS.CreateQueue", R"({"QueueName":"trailwall-events"})",
            "application/x-amz-json-1.0");
  const std::string queue = moto_->endpoint() + "/" + moto_->accountId() + "/trailwall-events";
  for (int i = 0; i < 12; ++i) {
    jsonSetup(
        kSqs, "AmazonSQS.SendMessage",
        R"({"QueueUrl":")" + queue + R"(","MessageBody":"event )" + std::to_string(i) + R"("})",
        "application/x-amz-json-1.0");
  }
  SqsClient sqs(context(), moto_->endpoint());
  auto first = sqs.receiveMessages(queue, SqsReceive{10, 1s, 300s});
  ASSERT_TRUE(first) << to_string(first.error());
  ASSERT_EQ(first->size(), 10u);
  EXPECT_EQ((*first)[0].body, "event 0");
  // Give one back at once; delete the other nine.
  ASSERT_TRUE(sqs.changeMessageVisibility(queue, (*first)[0].receipt_handle, 0s));
  std::vector<std::string> handles;
  for (std::size_t i = 1; i < first->size(); ++i) {
    handles.push_back((*first)[i].receipt_handle);
  }
  auto deleted = sqs.deleteMessages(queue, handles);
  ASSERT_TRUE(deleted) << to_string(deleted.error());
  EXPECT_TRUE(deleted->empty());
  auto second = sqs.receiveMessages(queue, SqsReceive{10, 1s, 300s});
  ASSERT_TRUE(second);
  std::set<std::string> bodies;
  std::vector<std::string> rest;
  for (const auto& m : *second) {
    bodies.insert(m.body);
    rest.push_back(m.receipt_handle);
  }
  EXPECT_EQ(bodies, (std::set<std::string>{"event 0", "event 10", "event 11"}));
  ASSERT_TRUE(sqs.deleteMessages(queue, rest));
  const auto start = std::chrono::steady_clock::now();
  auto empty = sqs.receiveMessages(queue, SqsReceive{10, 1s, {}});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);  // it did wait: a long poll
  auto missing = sqs.receiveMessages(queue + "-missing", SqsReceive{1, 0s, {}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound) << to_string(missing.error());
}

TEST_F(MotoServices, SecretsManagerAndSsmReturnTheValues) {
  jsonSetup(kSecretsManager, "secretsmanager.CreateSecret",
            R"({"Name":"trailwall/pa-key","SecretString":"LUFQSUtFWS1tb3Rv"})");
  jsonSetup(kSsm, "AmazonSSM.PutParameter",
            R"({"Name":"/trailwall/pa-key","Value":"k3y-from-ssm","Type":"SecureString"})");
  SecretsManagerClient sm(context(), moto_->endpoint());
  auto secret = sm.getSecretValue("trailwall/pa-key");
  ASSERT_TRUE(secret) << to_string(secret.error());
  EXPECT_EQ(secret->value, "LUFQSUtFWS1tb3Rv");
  EXPECT_EQ(secret->name, "trailwall/pa-key");
  auto missing = sm.getSecretValue("trailwall/none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  SsmClient ssm(context(), moto_->endpoint());
  auto parameter = ssm.getParameter("/trailwall/pa-key");
  ASSERT_TRUE(parameter) << to_string(parameter.error());
  EXPECT_EQ(parameter->value, "k3y-from-ssm");
  EXPECT_EQ(parameter->type, "SecureString");
  EXPECT_EQ(ssm.getParameter("/trailwall/none").error().code, ErrorCode::NotFound);
}

TEST_F(MotoServices, AssumedRolesSignCallsForTheirAccountAndProfilesAssumeThem) {
  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]})";
  const std::string read =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","sts:GetCallerIdentity"],"Resource":"*"}]})";
  querySetup(kIam, {{"Action", "CreateRole"},
                    {"Version", "2010-05-08"},
                    {"RoleName", "trailwall-read"},
                    {"AssumeRolePolicyDocument", trust}});
  querySetup(kIam, {{"Action", "PutRolePolicy"},
                    {"Version", "2010-05-08"},
                    {"RoleName", "trailwall-read"},
                    {"PolicyName", "read"},
                    {"PolicyDocument", read}});
  const std::string role = "arn:aws:iam::" + moto_->accountId() + ":role/trailwall-read";

  // One role per account: calls for that account are signed with the role's session.
  auto assume = makeStsAssumeRole(transport_, clock_, random_, moto_->region(), moto_->endpoint());
  AccountCredentials accounts(*admin_, assume, clock_);
  AssumeRoleParams params;
  params.role_arn = role;
  params.session_name = "trailwall-test";
  accounts.addRole(moto_->accountId(), params);
  auto& account = accounts.forAccount(moto_->accountId());
  auto creds = account.credentials();
  ASSERT_TRUE(creds) << to_string(creds.error());
  EXPECT_FALSE(creds->session_token.empty());
  Ec2Client ec2(context(&account), moto_->endpoint());
  auto vpcs = ec2.describeVpcs({});
  ASSERT_TRUE(vpcs) << to_string(vpcs.error()) << "\n" << moto_->log();
  StsClient sts(context(&account), moto_->endpoint());
  auto me = sts.getCallerIdentity();
  ASSERT_TRUE(me);
  EXPECT_NE(me->arn.find("assumed-role/trailwall-read/trailwall-test"), std::string::npos);

  // The same through a profile with role_arn + source_profile, from the shared files.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("trailwall-aws-profile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config") << "[profile reader]\nrole_arn = " << role
                                << "\nsource_profile = base\nrole_session_name = from-profile\n"
                                   "region = "
                                << moto_->region() << "\n";
  std::ofstream(dir / "credentials")
      << "[base]\naws_access_key_id = " << moto_->adminCredentials().access_key_id
      << "\naws_secret_access_key = " << moto_->adminCredentials().secret_access_key << "\n";
  MapEnvironment env{{{"AWS_PROFILE", "reader"},
                      {"AWS_CONFIG_FILE", (dir / "config").string()},
                      {"AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string()},
                      {"AWS_ENDPOINT_URL", moto_->endpoint()},
                      {"AWS_EC2_METADATA_DISABLED", "true"}}};
  auto session = AwsSession::create(env, transport_, clock_, random_);
  ASSERT_TRUE(session) << to_string(session.error());
  auto profile_me = (*session)->sts()->getCallerIdentity();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(profile_me) << to_string(profile_me.error());
  EXPECT_NE(profile_me->arn.find("assumed-role/trailwall-read/from-profile"), std::string::npos);
  EXPECT_EQ((*session)->credentials().credentials()->source,
            "profile 'reader' (role " + role + ")");
}

}  // namespace
}  // namespace trailwall::aws
