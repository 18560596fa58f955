#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws/environment.h"
#include "aws/shared_config.h"
#include "aws/timestamps.h"
#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + 12h;

// A fake STS: remembers what it was asked and hands out numbered credentials.
struct FakeSts {
  int calls = 0;
  std::vector<std::string> source_keys;
  std::vector<AssumeRoleParams> params;
  std::chrono::system_clock::time_point expiration = kNow + 1h;
  AssumeRoleFn fn() {
    return [this](CredentialsProvider& source, const AssumeRoleParams& p) -> Result<Credentials> {
      auto s = source.credentials();
      if (!s) {
        return std::unexpected(s.error());
      }
      ++calls;
      source_keys.push_back(s->access_key_id);
      params.push_back(p);
      return Credentials{"ASIA" + std::to_string(calls), "rolesecret", "roletoken", expiration, ""};
    };
  }
};

class CredentialsTest : public ::testing::Test {
 protected:
  std::unique_ptr<CredentialsChain> chain(std::string_view config_text = "",
                                          std::string_view credentials_text = "") {
    config_ = std::make_unique<SharedConfig>(*SharedConfig::parse(config_text, credentials_text));
    return makeDefaultCredentialsChain(env_, *config_, transport_, clock_, sts_.fn());
  }
  MapEnvironment env_{{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://imds.test"}}};
  http::FakeTransport transport_;
  FakeClock clock_{kNow};
  FakeSts sts_;
  std::unique_ptr<SharedConfig> config_;
};

TEST_F(CredentialsTest, EnvironmentComesFirstAndCarriesTheSessionToken) {
  env_.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.set("AWS_SECRET_ACCESS_KEY", "envsecret");
  env_.set("AWS_SESSION_TOKEN", "envtoken");
  auto c =
      chain("", "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=s\n")->credentials();
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token, "envtoken");
  EXPECT_EQ(c->source, "environment variables");
  EXPECT_EQ(transport_.requestCount(), 0u);
}

TEST_F(CredentialsTest, NothingConfiguredSaysWhichSourcesWereTried) {
  transport_.setHandler([](const http::Request&) -> Result<http::Response> {
    return std::unexpected(Error{ErrorCode::Timeout, "timed out"});
  });
  auto c = chain()->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Auth);
  const auto& m = c.error().message;
  for (const char* source : {"environment variables", "shared config profile 'default'",
                             "container credentials", "EC2 instance metadata"}) {
    EXPECT_NE(m.find(source), std::string::npos) << m;
  }
  EXPECT_NE(m.find("AWS_ACCESS_KEY_ID"), std::string::npos) << m;
}

TEST_F(CredentialsTest, ProfileFromAwsProfileWithStaticKeys) {
  env_.set("AWS_PROFILE", "dev");
  auto c = chain("[profile dev]\nregion=us-east-1\n",
                 "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=devsecret\n"
                 "aws_session_token=devtoken\n")
               ->credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDDEV");
  EXPECT_EQ(c->session_token, "devtoken");
  EXPECT_EQ(c->source, "profile 'dev'");
}

TEST_F(CredentialsTest, MissingExplicitProfileIsAConfigError) {
  env_.set("AWS_PROFILE", "nope");
  auto c = chain()->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Config);
  EXPECT_NE(c.error().message.find("'nope'"), std::string::npos);
}

TEST_F(CredentialsTest, RoleArnWithSourceProfileAssumesTheRoleWithTheSourceKeys) {
  env_.set("AWS_PROFILE", "prod");
  auto provider = chain(
      "[profile prod]\nrole_arn=arn:aws:iam::123456789012:role/trailwall\nsource_profile=base\n"
      "external_id=ext-1\nrole_session_name=tw\nduration_seconds=900\n",
      "[base]\naws_access_key_id=AKIDBASE\naws_secret_access_key=basesecret\n");
  auto c = provider->credentials();
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->source, "profile 'prod' (role arn:aws:iam::123456789012:role/trailwall)");
  ASSERT_EQ(sts_.calls, 1);
  EXPECT_EQ(sts_.source_keys[0], "AKIDBASE");
  EXPECT_EQ(sts_.params[0].role_arn, "arn:aws:iam::123456789012:role/trailwall");
  EXPECT_EQ(sts_.params[0].external_id, "ext-1");
  EXPECT_EQ(sts_.params[0].session_name, "tw");
  EXPECT_EQ(sts_.params[0].duration, 900s);
}

TEST_F(CredentialsTest, SourceProfileLoopIsAConfigError) {
  env_.set("AWS_PROFILE", "a");
  auto c = chain(
               "[profile a]\nrole_arn=arn:aws:iam::1:role/a\nsource_profile=b\n"
               "[profile b]\nrole_arn=arn:aws:iam::1:role/b\nsource_profile=a\n")
               ->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Config);
  EXPECT_NE(c.error().message.find("loop"), std::string::npos);
}

TEST_F(CredentialsTest, RoleCredentialsAreCachedAndRefreshedBeforeExpiry) {
  env_.set("AWS_PROFILE", "prod");
  auto provider = chain("[profile prod]\nrole_arn=arn:aws:iam::1:role/r\nsource_profile=base\n",
                        "[base]\naws_access_key_id=AKIDBASE\naws_secret_access_key=s\n");
  ASSERT_TRUE(provider->credentials());
  clock_.advance(50min);  // 10 minutes left: still cached
  EXPECT_EQ(provider->credentials()->access_key_id, "ASIA1");
  EXPECT_EQ(sts_.calls, 1);
  clock_.advance(6min);  // 4 minutes left: inside the refresh window
  sts_.expiration = clock_.now() + 1h;
  EXPECT_EQ(provider->credentials()->access_key_id, "ASIA2");
  EXPECT_EQ(sts_.calls, 2);
}

TEST_F(CredentialsTest, ExpiredCredentialsSaySo) {
  env_.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.set("AWS_SECRET_ACCESS_KEY", "envsecret");
  env_.set("AWS_CREDENTIAL_EXPIRATION", "2024-05-01T11:00:00Z");
  auto c = chain()->credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Auth);
  EXPECT_NE(c.error().message.find("expired at 2024-05-01T11:00:00Z"), std::string::npos);
  EXPECT_EQ(c.error().message.find("envsecret"), std::string::npos);
}

TEST_F(CredentialsTest, ContainerRelativeUriWithAuthorizationToken) {
  env_.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer xyz");
  transport_.enqueue(
      200,
      R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"cs","Token":"ct","Expiration":"2024-05-01T18:00:00Z"})");
  auto c = chain()->credentials();
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->access_key_id, "ASIACONT");
  EXPECT_EQ(c->session_token, "ct");
  EXPECT_EQ(c->expiration, *parseIso8601("2024-05-01T18:00:00Z"));
  ASSERT_EQ(transport_.requestCount(), 1u);
  EXPECT_EQ(transport_.lastRequest().url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(transport_.lastRequest().header("Authorization"), "Bearer xyz");
}

TEST_F(CredentialsTest, ContainerFullUriTokenFileAndHostCheck) {
  const auto token_file = std::filesystem::temp_directory_path() / "trailwall-cred-token";
  std::ofstream(token_file) << "filetoken\n";
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file.string());
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored");
  transport_.enqueue(
      200,
      R"({"AccessKeyId":"ASIAPOD","SecretAccessKey":"ps","Token":"pt","Expiration":"2024-05-01T18:00:00Z"})");
  auto c = chain()->credentials();
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(transport_.lastRequest().header("Authorization"), "filetoken");
  std::filesystem::remove(token_file);

  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/creds");
  auto bad = chain()->credentials();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::Config);
}

TEST_F(CredentialsTest, InstanceMetadataUsesAnImdsV2Token) {
  transport_.setHandler([](const http::Request& r) -> Result<http::Response> {
    const auto& headers = r;
    if (r.method == "PUT" && r.url == "http://imds.test/latest/api/token") {
      EXPECT_EQ(headers.header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
      return http::Response{200, {}, "TOKEN123"};
    }
    if (headers.header("X-aws-ec2-metadata-token") != "TOKEN123") {
      return http::Response{401, {}, ""};
    }
    if (r.url == "http://imds.test/latest/meta-data/iam/security-credentials/") {
      return http::Response{200, {}, "trailwall-role\n"};
    }
    if (r.url == "http://imds.test/latest/meta-data/iam/security-credentials/trailwall-role") {
      return http::Response{
          200,
          {},
          R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"is","Token":"it","Expiration":"2024-05-01T18:00:00Z"})"};
    }
    return http::Response{404, {}, ""};
  });
  auto c = chain()->credentials();
  ASSERT_TRUE(c) << to_string(c.error());
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->source, "EC2 instance metadata (role trailwall-role)");
  EXPECT_EQ(transport_.requestCount(), 3u);
}

TEST_F(CredentialsTest, InstanceMetadataCanBeDisabled) {
  env_.set("AWS_EC2_METADATA_DISABLED", "true");
  auto c = chain()->credentials();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("AWS_EC2_METADATA_DISABLED"), std::string::npos);
  EXPECT_EQ(transport_.requestCount(), 0u);
}

TEST_F(CredentialsTest, FailedRefreshKeepsStillValidCredentials) {
  env_.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds");
  transport_.enqueue(
      200,
      R"({"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2024-05-01T12:10:00Z"})");
  auto provider = chain();
  ASSERT_TRUE(provider->credentials());
  clock_.advance(6min);  // 4 minutes left: refresh, which fails
  transport_.enqueue(500, "").enqueue(500, "");
  auto c = provider->credentials();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIA1");
  clock_.advance(5min);  // expired now, and the endpoint still fails
  transport_.enqueue(500, "").enqueue(500, "");
  EXPECT_FALSE(provider->credentials());
}

TEST(AccountCredentials, OneRolePerConfiguredAccount) {
  FakeClock clock{kNow};
  FakeSts sts;
  StaticCredentialsProvider base(Credentials{"AKIDBASE", "s", "", {}, "base"});
  AccountCredentials accounts(base, sts.fn(), clock);
  AssumeRoleParams p;
  p.role_arn = "arn:aws:iam::222222222222:role/trailwall-read";
  accounts.addRole("222222222222", p);
  EXPECT_EQ(accounts.forAccount("111111111111").credentials()->access_key_id, "AKIDBASE");
  EXPECT_EQ(accounts.forAccount("222222222222").credentials()->access_key_id, "ASIA1");
  EXPECT_EQ(accounts.forAccount("222222222222").credentials()->access_key_id, "ASIA1");
  EXPECT_EQ(sts.calls, 1);
  EXPECT_EQ(sts.source_keys[0], "AKIDBASE");
}

TEST(Credentials, DescribeNeverShowsTheSecretOrToken) {
  Credentials c{"AKIDX", "thesecret", "thetoken", {}, "environment variables"};
  EXPECT_EQ(c.describe(), "access key AKIDX from environment variables");
}

}  // namespace
}  // namespace trailwall::aws
