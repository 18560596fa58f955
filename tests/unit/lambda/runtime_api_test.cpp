#include "lambda/runtime_api.h"

#include <gtest/gtest.h>

#include "http/fake_transport.h"

namespace trailwall::lambda {
namespace {

using namespace std::chrono_literals;

http::Response nextResponse() {
  return http::Response{200,
                        {{"lambda-runtime-aws-request-id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"},
                         {"Lambda-Runtime-Deadline-Ms", "1542409706888"},
                         {"Lambda-Runtime-Invoked-Function-Arn",
                          "arn:aws:lambda:us-east-2:123456789012:function:trailwall"},
                         {"Lambda-Runtime-Trace-Id",
                          "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;"
                          "Sampled=1"}},
                        R"({"detail-type":"Scheduled Event"})"};
}

TEST(RuntimeApi, NextReadsTheInvocationFromItsHeadersAndBody) {
  http::FakeTransport transport;
  transport.enqueue(nextResponse());
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  const auto invocation = api.next();
  ASSERT_TRUE(invocation.has_value()) << invocation.error().message;
  EXPECT_EQ(transport.lastRequest().method, "GET");
  EXPECT_EQ(transport.lastRequest().url,
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next");
  // No total timeout in practice: the sandbox may be frozen for hours between invocations.
  ASSERT_TRUE(transport.lastRequest().timeout.has_value());
  EXPECT_GE(*transport.lastRequest().timeout, std::chrono::hours(24 * 365));
  EXPECT_EQ(invocation->request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(invocation->deadline,
            std::chrono::system_clock::time_point(std::chrono::milliseconds(1542409706888)));
  EXPECT_EQ(invocation->function_arn, "arn:aws:lambda:us-east-2:123456789012:function:trailwall");
  EXPECT_EQ(invocation->trace_id,
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
  EXPECT_EQ(invocation->body, R"({"detail-type":"Scheduled Event"})");
}

TEST(RuntimeApi, NextWithoutARequestIdOrWithABadDeadlineIsAnError) {
  auto response = nextResponse();
  response.headers.erase(response.headers.begin());
  auto missing = parseNext(response);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "Runtime API next: no Lambda-Runtime-Aws-Request-Id header");

  response = nextResponse();
  response.headers[1].second = "soon";
  auto bad = parseNext(response);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "Runtime API next: Lambda-Runtime-Deadline-Ms 'soon' is not a time in milliseconds");

  response = nextResponse();
  response.headers[0].second = "../../init/error";
  auto unsafe = parseNext(response);
  ASSERT_FALSE(unsafe.has_value());
  EXPECT_EQ(unsafe.error().code, ErrorCode::InvalidInput);
}

TEST(RuntimeApi, NextFailsOnA500) {
  http::FakeTransport transport;
  transport.enqueue(500, R"({"errorMessage":"container error","errorType":"ServiceException"})");
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  const auto invocation = api.next();
  ASSERT_FALSE(invocation.has_value());
  EXPECT_EQ(invocation.error().code, ErrorCode::Remote);
  EXPECT_EQ(
      invocation.error().message,
      R"(Runtime API next: HTTP 500 {"errorMessage":"container error","errorType":"ServiceException"})");
}

TEST(RuntimeApi, ResponseIsPostedAsIs) {
  http::FakeTransport transport;
  transport.enqueue(202, R"({"status":"OK"})");
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  ASSERT_TRUE(api.respond("abc-1", R"({"batchItemFailures":[]})").has_value());
  const auto& request = transport.lastRequest();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9001/2018-06-01/runtime/invocation/abc-1/response");
  EXPECT_EQ(request.body, R"({"batchItemFailures":[]})");
  EXPECT_FALSE(request.header("Lambda-Runtime-Function-Error-Type").has_value());
}

TEST(RuntimeApi, ATooLargeResponseIsInvalidInput) {
  http::FakeTransport transport;
  transport.enqueue(
      413,
      R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"})");
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  const auto posted = api.respond("abc-1", "x");
  ASSERT_FALSE(posted.has_value());
  EXPECT_EQ(posted.error().code, ErrorCode::InvalidInput);
}

TEST(RuntimeApi, ErrorsCarryTheirTypeInTheHeaderAndTheBody) {
  http::FakeTransport transport;
  transport.enqueue(202, "").enqueue(202, "");
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  ASSERT_TRUE(api.fail("abc-1", {"Function.RunFailed", "commit job 7 \"FAIL\""}).has_value());
  EXPECT_EQ(transport.lastRequest().url,
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/abc-1/error");
  EXPECT_EQ(transport.lastRequest().header("Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Function.RunFailed"));
  EXPECT_EQ(
      transport.lastRequest().body,
      R"({"errorMessage":"commit job 7 \"FAIL\"","errorType":"Function.RunFailed","stackTrace":[]})");
  ASSERT_TRUE(api.initError({"Runtime.ConfigInvalid", "no firewall"}).has_value());
  EXPECT_EQ(transport.lastRequest().url, "http://127.0.0.1:9001/2018-06-01/runtime/init/error");
  EXPECT_EQ(transport.lastRequest().header("Lambda-Runtime-Function-Error-Type"),
            std::optional<std::string_view>("Runtime.ConfigInvalid"));
}

TEST(RuntimeApi, ARequestIdThatCouldLeaveItsPathIsRefused) {
  http::FakeTransport transport;
  HttpRuntimeApi api(transport, "127.0.0.1:9001");
  EXPECT_FALSE(api.respond("a/../../init/error", "x").has_value());
  EXPECT_EQ(transport.requestCount(), 0U);
}

}  // namespace
}  // namespace trailwall::lambda
