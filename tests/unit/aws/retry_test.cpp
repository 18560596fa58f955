// The SDKs' standard retry mode as ServiceClient applies it (retry.h): settings, the errors it
// retries, backoff, the retry quota, per-attempt timeouts and the messages when it gives up.
#include "aws/retry.h"

#include <gtest/gtest.h>

#include "aws/environment.h"
#include "aws/service_client.h"
#include "aws/shared_config.h"
#include "http/fake_transport.h"

namespace trailwall::aws {
namespace {

using namespace std::chrono_literals;

Result<RetrySettings> settings(MapEnvironment::Map env, std::string_view config = "") {
  const MapEnvironment environment(std::move(env));
  const auto shared = SharedConfig::parse(config, "");
  EXPECT_TRUE(shared);
  return resolveRetrySettings(environment, *shared);
}

TEST(RetrySettings, StandardModeWithThreeAttemptsAndAQuotaByDefault) {
  const auto s = settings({});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->policy.mode, RetryMode::Standard);
  EXPECT_EQ(s->policy.max_attempts, 3);
  EXPECT_EQ(s->policy.base, 1000ms);
  EXPECT_EQ(s->policy.cap, 20000ms);
  ASSERT_NE(s->policy.quota, nullptr);
  EXPECT_EQ(s->policy.quota->available(), 500);
  EXPECT_EQ(s->note, "");
}

TEST(RetrySettings, TheEnvironmentWinsOverTheProfile) {
  const std::string config =
      "[default]\nmax_attempts = 7\nretry_mode = legacy\n"
      "[profile fast]\nmax_attempts = 2\n";
  const auto profile = settings({}, config);
  ASSERT_TRUE(profile) << profile.error().message;
  EXPECT_EQ(profile->policy.mode, RetryMode::Legacy);
  EXPECT_EQ(profile->policy.max_attempts, 7);
  EXPECT_EQ(profile->policy.quota, nullptr);  // legacy: no quota
  const auto env = settings({{"AWS_MAX_ATTEMPTS", "4"}, {"AWS_RETRY_MODE", "Standard"}}, config);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->policy.mode, RetryMode::Standard);
  EXPECT_EQ(env->policy.max_attempts, 4);
  EXPECT_NE(env->policy.quota, nullptr);
  const auto named = settings({{"AWS_PROFILE", "fast"}}, config);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->policy.max_attempts, 2);
  const auto legacy = settings({{"AWS_RETRY_MODE", "legacy"}});
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->policy.max_attempts, 5);
}

TEST(RetrySettings, AdaptiveRunsAsStandardWithANote) {
  const auto s = settings({{"AWS_RETRY_MODE", "adaptive"}});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->policy.mode, RetryMode::Adaptive);
  EXPECT_EQ(s->policy.max_attempts, 3);
  EXPECT_NE(s->policy.quota, nullptr);
  EXPECT_EQ(s->note,
            "AWS_RETRY_MODE is adaptive: trailwall retries as in standard mode (adaptive mode's "
            "client-side rate limiting is not implemented)");
}

TEST(RetrySettings, BadValuesAreErrorsNamingTheSettingAndTheValue) {
  const auto error = [](MapEnvironment::Map env, std::string_view config = "") {
    const auto s = settings(std::move(env), config);
    EXPECT_FALSE(s);
    return s ? std::string() : s.error().message;
  };
  EXPECT_EQ(error({{"AWS_RETRY_MODE", "fast"}}),
            "AWS_RETRY_MODE is 'fast': expected standard, adaptive or legacy");
  for (const char* bad : {"0", "-1", "three", "3.5", "101", " "}) {
    EXPECT_EQ(error({{"AWS_MAX_ATTEMPTS", bad}}),
              std::string("AWS_MAX_ATTEMPTS is '") + bad +
                  "': expected a whole number of attempts from 1 to 100");
  }
  EXPECT_EQ(error({}, "[default]\nmax_attempts = lots\n"),
            "max_attempts in profile 'default' is 'lots': expected a whole number of attempts "
            "from 1 to 100");
  EXPECT_EQ(error({}, "[default]\nretry_mode = eager\n"),
            "retry_mode in profile 'default' is 'eager': expected standard, adaptive or legacy");
  const auto s = settings({{"AWS_MAX_ATTEMPTS", "1"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->policy.max_attempts, 1);
}

TEST(RetryQuota, RetriesCostTokensAndSuccessesGiveThemBack) {
  RetryQuota quota;
  EXPECT_EQ(quota.acquire(false), 5);
  EXPECT_EQ(quota.acquire(true), 10);
  EXPECT_EQ(quota.available(), 485);
  quota.release(10);  // the retry after the timeout succeeded
  EXPECT_EQ(quota.available(), 495);
  quota.release(0);  // a call that needed no retry
  EXPECT_EQ(quota.available(), 496);
  for (int i = 0; i < 10; ++i) quota.release(0);
  EXPECT_EQ(quota.available(), 500);  // never above the capacity
  RetryQuota small(12);
  EXPECT_EQ(small.acquire(true), 10);
  EXPECT_EQ(small.acquire(false), 0);  // 2 left, a retry costs 5
  EXPECT_EQ(small.available(), 2);
}

TEST(Backoff, FullJitterOfOneSecondDoublingUpToTwentySeconds) {
  const RetryPolicy standard;
  EXPECT_EQ(backoffDelay(standard, 0, 0.5), 500ms);
  EXPECT_EQ(backoffDelay(standard, 1, 0.5), 1000ms);
  EXPECT_EQ(backoffDelay(standard, 3, 0.999999), 7999ms);
  EXPECT_EQ(backoffDelay(standard, 5, 0.999999), 19999ms);  // 32 s capped at 20 s
  EXPECT_EQ(backoffDelay(standard, 40, 0.5), 10000ms);
  EXPECT_EQ(backoffDelay(standard, 2, 0.0), 0ms);
}

constexpr std::string_view kEndpoint = "https://ec2.us-east-1.amazonaws.com";

class StandardRetryTest : public ::testing::Test {
 protected:
  ServiceClient client(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return ServiceClient(
        ClientContext{transport_, credentials_, clock_, random_, "us-east-1", policy_, timeout},
        kEc2, std::string(kEndpoint));
  }
  static http::Request describe() {
    return http::Request{"POST", "/", {}, "Action=DescribeVpcs&Version=2016-11-15", {}};
  }
  static http::Response ec2Error(int status, std::string_view code) {
    return http::Response{status,
                          {},
                          "<Response><Errors><Error><Code>" + std::string(code) +
                              "</Code><Message>m</Message></Error></Errors><RequestID>r</"
                              "RequestID></Response>"};
  }
  http::FakeTransport transport_;
  StaticCredentialsProvider credentials_{Credentials{"AKID", "secret", "", {}, "test"}};
  FakeClock clock_{std::chrono::sys_days(std::chrono::year(2024) / 5 / 1)};
  FakeRandom random_{0.5};
  RetryPolicy policy_{3, 1000ms, 20000ms, std::make_shared<RetryQuota>(), RetryMode::Standard};
};

// The SDKs' standard list (retry.h): every code is retried and the second attempt succeeds.
TEST_F(StandardRetryTest, ThrottlingAndTransientCodesAreRetried) {
  for (const char* code :
       {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException"}) {
    transport_.clearRequests();
    transport_.enqueue(ec2Error(400, code)).enqueue(200, "<ok/>");
    auto c = client();
    EXPECT_TRUE(c.call(describe(), "DescribeVpcs")) << code;
    EXPECT_EQ(transport_.requestCount(), 2u) << code;
  }
  for (const int status : {500, 502, 503, 504}) {
    transport_.clearRequests();
    transport_.enqueue(status, "").enqueue(200, "<ok/>");
    auto c = client();
    EXPECT_TRUE(c.call(describe(), "DescribeVpcs")) << status;
    EXPECT_EQ(transport_.requestCount(), 2u) << status;
  }
}

// Clients that read answers themselves (EC2's NotFound ids, S3) turn them into errors with
// errorOf(), which says the same.
TEST_F(StandardRetryTest, ErrorOfAnAnswerFromSendSaysHowOftenItWasTried) {
  transport_.setHandler(
      [](const http::Request&) { return Result<http::Response>(ec2Error(503, "Unavailable")); });
  auto c = client();
  auto r = c.send(describe(), "DescribeVpcs");
  ASSERT_TRUE(r);
  EXPECT_EQ(c.errorOf(*r, "DescribeVpcs").message,
            "EC2 DescribeVpcs: Unavailable: m (HTTP 503, request id r); gave up after 3 attempts");
  transport_.clearRequests();
  transport_.setHandler({});
  transport_.enqueue(ec2Error(400, "InvalidParameterValue"));
  auto once = c.send(describe(), "DescribeVpcs");
  ASSERT_TRUE(once);
  EXPECT_EQ(c.errorOf(*once, "DescribeVpcs").message,
            "EC2 DescribeVpcs: InvalidParameterValue: m (HTTP 400, request id r)");
}

TEST_F(StandardRetryTest, OtherErrorsAreNotRetried) {
  for (const auto& [status, code] :
       {std::pair{400, "InvalidParameterValue"}, std::pair{501, "NotImplemented"},
        std::pair{403, "UnauthorizedOperation"}, std::pair{400, "DryRunOperation"}}) {
    transport_.clearRequests();
    transport_.enqueue(ec2Error(status, code));
    auto c = client();
    EXPECT_FALSE(c.call(describe(), "DescribeVpcs"));
    EXPECT_EQ(transport_.requestCount(), 1u) << code;
  }
  EXPECT_EQ(clock_.totalSlept(), 0ms);
}

TEST_F(StandardRetryTest, ThrottlingIsRetriedWithBackoffUntilTheAttemptsRunOut) {
  transport_.setHandler([](const http::Request&) {
    return Result<http::Response>(ec2Error(503, "RequestLimitExceeded"));
  });
  auto c = client();
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Throttled);
  EXPECT_EQ(r.error().message,
            "EC2 DescribeVpcs: RequestLimitExceeded: m (HTTP 503, request id r); gave up after 3 "
            "attempts");
  EXPECT_EQ(transport_.requestCount(), 3u);
  EXPECT_EQ(clock_.totalSlept(), 500ms + 1000ms);  // unit 0.5 of 1 s, then of 2 s
  EXPECT_EQ(policy_.quota->available(), 490);      // two retries at 5 tokens
}

TEST_F(StandardRetryTest, ASuccessGivesTheQuotaBack) {
  transport_.enqueue(503, "").enqueue(200, "<ok/>").enqueue(200, "<ok/>");
  auto c = client();
  ASSERT_TRUE(c.call(describe(), "DescribeVpcs"));
  EXPECT_EQ(policy_.quota->available(), 500);  // 5 paid, 5 given back
  EXPECT_EQ(policy_.quota->acquire(false), 5);
  ASSERT_TRUE(c.call(describe(), "DescribeVpcs"));
  EXPECT_EQ(policy_.quota->available(), 496);  // a first-attempt success gives back 1
}

// An outage fails fast once the shared quota is spent, instead of every call waiting out its
// retries.
TEST_F(StandardRetryTest, AnEmptyQuotaStopsRetrying) {
  transport_.setHandler([](const http::Request&) {
    return Result<http::Response>(http::Response{500, {}, ""});
  });
  auto c = client();
  int calls = 0;
  while (policy_.quota->available() >= RetryQuota::kRetryCost && calls < 1000) {
    EXPECT_FALSE(c.call(describe(), "DescribeVpcs"));
    ++calls;
  }
  EXPECT_EQ(calls, 50);  // 2 retries a call, 10 tokens: 500 tokens last 50 calls
  transport_.clearRequests();
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(transport_.requestCount(), 1u);
  EXPECT_EQ(r.error().message,
            "EC2 DescribeVpcs: HTTP 500 (HTTP 500); not retried after 1 attempt: the retry quota "
            "is used up");
}

TEST_F(StandardRetryTest, TimeoutsCostMoreAndTheMessageNamesEndpointAndLimit) {
  transport_.setHandler([](const http::Request& r) -> Result<http::Response> {
    EXPECT_EQ(r.timeout, 2000ms);  // the per-attempt timeout reaches the transport
    return fail(
        ErrorCode::Timeout,
        "Operation timed out after 2000 milliseconds with 0 bytes received (" + r.url + ")");
  });
  auto c = client(2000ms);
  auto r = c.call(describe(), "DescribeVpcs");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_EQ(r.error().message,
            "EC2 DescribeVpcs: no answer from https://ec2.us-east-1.amazonaws.com after 3 "
            "attempts (each limited to 2 s): Operation timed out after 2000 milliseconds with 0 "
            "bytes received (https://ec2.us-east-1.amazonaws.com/)");
  EXPECT_EQ(policy_.quota->available(), 480);   // two retries at 10 tokens
  auto s = c.send(describe(), "DescribeVpcs");  // send() says the same
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.substr(0, 75),
            "EC2 DescribeVpcs: no answer from https://ec2.us-east-1.amazonaws.com after ");
}

TEST_F(StandardRetryTest, ARequestsOwnTimeoutWins) {
  transport_.enqueue(200, "<ok/>");
  auto c = client(2000ms);
  auto request = describe();
  request.timeout = 30000ms;
  ASSERT_TRUE(c.call(request, "DescribeVpcs"));
  EXPECT_EQ(transport_.lastRequest().timeout, 30000ms);
}

TEST_F(StandardRetryTest, ConnectionFailuresAreRetried) {
  transport_.enqueueError(Error{ErrorCode::Network, "Connection reset by peer (x)"})
      .enqueueError(Error{ErrorCode::Network, "Recv failure: Connection reset by peer (x)"})
      .enqueue(200, "<ok/>");
  auto c = client();
  ASSERT_TRUE(c.call(describe(), "DescribeVpcs"));
  EXPECT_EQ(transport_.requestCount(), 3u);
  EXPECT_EQ(policy_.quota->available(), 495);  // 10 paid, the last retry's 5 given back
}

TEST_F(StandardRetryTest, AnonymousCredentialsSendTheRequestUnsigned) {
  AnonymousCredentialsProvider anonymous;
  ServiceClient c(ClientContext{transport_, anonymous, clock_, random_, "us-east-1", policy_, {}},
                  kSts, "https://sts.us-east-1.amazonaws.com");
  transport_.enqueue(200, "<ok/>");
  ASSERT_TRUE(c.call(describe(), "AssumeRoleWithWebIdentity"));
  EXPECT_FALSE(transport_.lastRequest().header("Authorization"));
  EXPECT_FALSE(transport_.lastRequest().header("X-Amz-Date"));
}

}  // namespace
}  // namespace trailwall::aws
