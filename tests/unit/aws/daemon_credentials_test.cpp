// Where daemons run (issue 9): on EC2 the region and the credentials come from instance metadata
// (IMDSv2), on Kubernetes from a web identity token exchanged at STS. Both against loopback
// stand-ins of the metadata service and STS, through the real SocketTransport and AwsSession; the
// clock is a FakeClock, so expiry and refresh need no waiting.
#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "aws/session.h"
#include "aws/timestamps.h"
#include "http/socket_transport.h"
#include "support/loopback_server.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const auto kStart = std::chrono::sys_days(std::chrono::year(2025) / 3 / 1) + 9h;
constexpr std::string_view kRole = "arn:aws:iam::111122223333:role/trailwall-daemon";

// The EC2 instance metadata service: IMDSv2 only (a GET without the session token is refused).
class MetadataStandIn {
 public:
  explicit MetadataStandIn(const Clock& clock) : clock_(clock) {
    server_->Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      ++token_calls_;
      EXPECT_EQ(req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
      res.set_content("IMDS-SESSION-TOKEN", "text/plain");
    });
    server_->Get(
        R"(/latest/meta-data/(.*))", [this](const httplib::Request& req, httplib::Response& res) {
          if (req.get_header_value("X-aws-ec2-metadata-token") != "IMDS-SESSION-TOKEN") {
            res.status = 401;
            return;
          }
          const std::string path = req.matches[1];
          if (path == "placement/region") {
            res.set_content("eu-west-3", "text/plain");
          } else if (path == "iam/security-credentials/") {
            res.set_content("trailwall-daemon\n", "text/plain");
          } else if (path == "iam/security-credentials/trailwall-daemon") {
            ++credential_calls_;
            res.set_content(R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS)" +
                                std::to_string(credential_calls_.load()) +
                                R"(","SecretAccessKey":"imds-secret","Token":"imds-token",)"
                                R"("Expiration":")" +
                                formatIso8601(clock_.now() + 6h) + R"("})",
                            "application/json");
          } else {
            res.status = 404;
          }
        });
    server_.start();
  }
  [[nodiscard]] std::string url() const { return server_.url(); }
  std::atomic<int> token_calls_{0};
  std::atomic<int> credential_calls_{0};

 private:
  const Clock& clock_;
  test::LoopbackServer server_;
};

// STS AssumeRoleWithWebIdentity: answers credentials valid for 15 minutes from the clock's now,
// or refuses with AccessDenied, or with an InvalidIdentityToken message that quotes the token.
class StsStandIn {
 public:
  enum class Mode { Grant, Deny, QuoteToken };
  explicit StsStandIn(const Clock& clock) : clock_(clock) {
    server_->Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++calls_;
      signed_ = signed_ || req.has_header("Authorization");
      action_ = req.get_param_value("Action");
      role_ = req.get_param_value("RoleArn");
      session_name_ = req.get_param_value("RoleSessionName");
      tokens_.push_back(req.get_param_value("WebIdentityToken"));
      res.set_header("x-amzn-RequestId", "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
      if (mode_ == Mode::Deny) {
        res.status = 403;
        res.set_content(
            R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>)",
            "text/xml");
        return;
      }
      if (mode_ == Mode::QuoteToken) {
        res.status = 400;
        res.set_content(
            R"(<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Token )" +
                tokens_.back() +
                R"( is not valid</Message></Error><RequestId>r</RequestId></ErrorResponse>)",
            "text/xml");
        return;
      }
      res.set_content(
          R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWEB)" +
              std::to_string(calls_) +
              R"(</AccessKeyId><SecretAccessKey>web-secret</SecretAccessKey><SessionToken>web-session</SessionToken><Expiration>)" +
              formatIso8601(clock_.now() + 15min) +
              R"(</Expiration></Credentials><SubjectFromWebIdentityToken>system:serviceaccount:fw:trailwall</SubjectFromWebIdentityToken></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>)",
          "text/xml");
    });
    server_.start();
  }
  [[nodiscard]] std::string url() const { return server_.url(); }
  void setMode(Mode mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
  }
  [[nodiscard]] int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::mutex mutex_;
  bool signed_ = false;
  std::string action_, role_, session_name_;
  std::vector<std::string> tokens_;

 private:
  const Clock& clock_;
  Mode mode_ = Mode::Grant;
  int calls_ = 0;
  test::LoopbackServer server_;
};

class DaemonCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("trailwall_daemon_creds_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    env_.set("AWS_CONFIG_FILE", (dir_ / "config").string());
    env_.set("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "credentials").string());
    env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_.url());
    env_.set("AWS_ENDPOINT_URL_STS", sts_.url());
  }
  void TearDown() override { fs::remove_all(dir_); }
  void writeFile(const fs::path& path, std::string_view text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  Result<std::unique_ptr<AwsSession>> session() {
    return AwsSession::create(env_, transport_, clock_, random_, SessionOptions{});
  }
  void useWebIdentity() {
    writeFile(dir_ / "token", "eyJhbGciOiJSUzI1NiJ9.first-token.sig\n");
    env_.set("AWS_REGION", "eu-central-1");
    env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", (dir_ / "token").string());
    env_.set("AWS_ROLE_ARN", std::string(kRole));
    env_.set("AWS_ROLE_SESSION_NAME", "trailwall-pod-7");
  }

  FakeClock clock_{kStart};
  FakeRandom random_{0.5};
  MetadataStandIn imds_{clock_};
  StsStandIn sts_{clock_};
  http::SocketTransport transport_;
  MapEnvironment env_;
  fs::path dir_;
};

TEST_F(DaemonCredentialsTest, OnEc2TheRegionAndTheCredentialsComeFromInstanceMetadata) {
  auto s = session();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->region(), "eu-west-3");
  EXPECT_EQ((*s)->notes(), std::vector<std::string>{"region eu-west-3 from EC2 instance metadata"});
  auto c = (*s)->credentials().credentials();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(c->source, "EC2 instance metadata (role trailwall-daemon)");
  EXPECT_EQ(imds_.credential_calls_.load(), 1);
  // Cached until five minutes before they expire (6 h), then fetched again.
  clock_.advance(5h + 50min);
  ASSERT_TRUE((*s)->credentials().credentials());
  EXPECT_EQ(imds_.credential_calls_.load(), 1);
  clock_.advance(6min);
  auto refreshed = (*s)->credentials().credentials();
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->access_key_id, "ASIAIMDS2");
}

TEST_F(DaemonCredentialsTest, ARegionNamedElsewhereWinsOverInstanceMetadata) {
  env_.set("AWS_REGION", "us-east-2");
  auto s = session();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->region(), "us-east-2");
  EXPECT_EQ(imds_.token_calls_.load(), 0);
  auto fallback = AwsSession::create(env_, transport_, clock_, random_,
                                     SessionOptions{std::nullopt, "ap-south-1", std::nullopt});
  ASSERT_TRUE(fallback);
  EXPECT_EQ((*fallback)->region(), "us-east-2");
  env_.unset("AWS_REGION");
  auto flag = AwsSession::create(env_, transport_, clock_, random_,
                                 SessionOptions{std::nullopt, "ap-south-1", std::nullopt});
  ASSERT_TRUE(flag);
  EXPECT_EQ((*flag)->region(), "ap-south-1");  // --region comes before instance metadata
  EXPECT_EQ(imds_.token_calls_.load(), 0);
}

TEST_F(DaemonCredentialsTest, OffEc2NoRegionSaysWhereToSetItAndWhatMetadataSaid) {
  env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1");
  auto s = session();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::Config);
  const std::string expected =
      "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in profile 'default'), or "
      "run on EC2 (instance metadata: http://127.0.0.1:1 not reachable (not on EC2?): ";
  EXPECT_EQ(s.error().message.substr(0, expected.size()), expected) << s.error().message;
  env_.set("AWS_EC2_METADATA_DISABLED", "true");
  auto disabled = session();
  ASSERT_FALSE(disabled);
  EXPECT_EQ(disabled.error().message,
            "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or region in profile "
            "'default'), or run on EC2 (instance metadata: disabled by AWS_EC2_METADATA_DISABLED)");
}

TEST_F(DaemonCredentialsTest, WebIdentityAssumesTheRoleUnsignedAndRefreshesBeforeExpiry) {
  useWebIdentity();
  auto s = session();
  ASSERT_TRUE(s) << s.error().message;
  auto c = (*s)->credentials().credentials();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAWEB1");
  EXPECT_EQ(c->session_token, "web-session");
  EXPECT_EQ(c->source,
            "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, role "
            "arn:aws:iam::111122223333:role/trailwall-daemon)");
  {
    std::lock_guard lock(sts_.mutex_);
    EXPECT_FALSE(sts_.signed_);  // the token is the proof; no signature
    EXPECT_EQ(sts_.action_, "AssumeRoleWithWebIdentity");
    EXPECT_EQ(sts_.role_, kRole);
    EXPECT_EQ(sts_.session_name_, "trailwall-pod-7");
    EXPECT_EQ(sts_.tokens_, std::vector<std::string>{"eyJhbGciOiJSUzI1NiJ9.first-token.sig"});
  }
  EXPECT_EQ(imds_.token_calls_.load(), 0);  // the chain stopped at web identity
  // Kubernetes rotates the token file; the next exchange reads the new one. The credentials
  // (15 minutes) are reused until 5 minutes before they expire.
  writeFile(dir_ / "token", "eyJhbGciOiJSUzI1NiJ9.second-token.sig");
  clock_.advance(9min);
  ASSERT_TRUE((*s)->credentials().credentials());
  EXPECT_EQ(sts_.calls(), 1);
  clock_.advance(1min + 1s);
  auto refreshed = (*s)->credentials().credentials();
  ASSERT_TRUE(refreshed) << refreshed.error().message;
  EXPECT_EQ(refreshed->access_key_id, "ASIAWEB2");
  std::lock_guard lock(sts_.mutex_);
  EXPECT_EQ(sts_.tokens_.back(), "eyJhbGciOiJSUzI1NiJ9.second-token.sig");
}

TEST_F(DaemonCredentialsTest, EnvironmentKeysComeBeforeWebIdentityWhichComesBeforeProfiles) {
  useWebIdentity();
  writeFile(dir_ / "credentials",
            "[default]\naws_access_key_id = AKIAPROFILE\n"
            "aws_secret_access_key = profile-secret\n");
  auto s = session();
  ASSERT_TRUE(s);
  auto web = (*s)->credentials().credentials();
  ASSERT_TRUE(web) << web.error().message;
  EXPECT_EQ(web->access_key_id, "ASIAWEB1");
  env_.set("AWS_ACCESS_KEY_ID", "AKIAENV");
  env_.set("AWS_SECRET_ACCESS_KEY", "env-secret");
  auto again = session();
  ASSERT_TRUE(again);
  auto env = (*again)->credentials().credentials();
  ASSERT_TRUE(env);
  EXPECT_EQ(env->access_key_id, "AKIAENV");
  EXPECT_EQ(sts_.calls(), 1);
}

TEST_F(DaemonCredentialsTest, AWebIdentityProfileWorksToo) {
  writeFile(dir_ / "token", "eyJ.profile-token.sig");
  writeFile(dir_ / "config",
            "[profile k8s]\nregion = eu-central-1\nrole_arn = " + std::string(kRole) +
                "\nweb_identity_token_file = " + (dir_ / "token").string() +
                "\nrole_session_name = fw-sync\n");
  env_.set("AWS_PROFILE", "k8s");
  auto s = session();
  ASSERT_TRUE(s) << s.error().message;
  auto c = (*s)->credentials().credentials();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAWEB1");
  EXPECT_EQ(c->source,
            "profile 'k8s' (web identity, role arn:aws:iam::111122223333:role/trailwall-daemon)");
  std::lock_guard lock(sts_.mutex_);
  EXPECT_EQ(sts_.session_name_, "fw-sync");
  EXPECT_EQ(sts_.tokens_, std::vector<std::string>{"eyJ.profile-token.sig"});
}

TEST_F(DaemonCredentialsTest, AMissingTokenFileIsAClearError) {
  useWebIdentity();
  env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", (dir_ / "missing").string());
  auto s = session();
  ASSERT_TRUE(s);
  auto c = (*s)->credentials().credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Config);
  EXPECT_EQ(c.error().message, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE " +
                                   (dir_ / "missing").string() +
                                   " cannot be read: No such file or directory (after trying "
                                   "environment variables (AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY not set))");
  EXPECT_EQ(sts_.calls(), 0);
  writeFile(dir_ / "empty", "\n");
  env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", (dir_ / "empty").string());
  auto empty = (*s)->credentials().credentials();
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE " +
                                       (dir_ / "empty").string() +
                                       " is empty (after trying environment variables "
                                       "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set))");
}

TEST_F(DaemonCredentialsTest, HalfAWebIdentityConfigurationIsAnError) {
  useWebIdentity();
  env_.unset("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto s = session();
  ASSERT_TRUE(s);
  auto c = (*s)->credentials().credentials();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::Config);
  EXPECT_EQ(
      c.error().message,
      "web identity: AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not; web identity "
      "needs both (after trying environment variables (AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY not set))");
}

TEST_F(DaemonCredentialsTest, StsRefusalsNameTheRoleAndNeverTheToken) {
  useWebIdentity();
  sts_.setMode(StsStandIn::Mode::Deny);
  auto s = session();
  ASSERT_TRUE(s);
  auto denied = (*s)->credentials().credentials();
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::Denied);
  const std::string file = (dir_ / "token").string();
  EXPECT_EQ(denied.error().message,
            "web identity: assuming arn:aws:iam::111122223333:role/trailwall-daemon with the "
            "token of AWS_WEB_IDENTITY_TOKEN_FILE " +
                file +
                ": STS AssumeRoleWithWebIdentity: AccessDenied: Not authorized to perform "
                "sts:AssumeRoleWithWebIdentity (HTTP 403, request id "
                "c6104cbe-af31-11e0-8154-cbc7ccf896c7); the IAM policy must allow "
                "sts:AssumeRoleWithWebIdentity (after trying environment variables "
                "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set))");
  EXPECT_EQ(sts_.calls(), 1);  // a refusal is not retried
  sts_.setMode(StsStandIn::Mode::QuoteToken);
  auto invalid = (*s)->credentials().credentials();
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().message.find("first-token"), std::string::npos)
      << invalid.error().message;
  EXPECT_NE(invalid.error().message.find("InvalidIdentityToken: Token *** is not valid"),
            std::string::npos)
      << invalid.error().message;
}

}  // namespace
}  // namespace trailwall::aws
