#include "http/fake_transport.h"

#include <gtest/gtest.h>

namespace trailwall::http {
namespace {

TEST(FakeTransport, AnswersScriptedResponsesInOrderAndRecordsRequests) {
  FakeTransport fake;
  fake.enqueue(200, "first").enqueue(503, "second");
  auto a = fake.send(Request{"GET", "http://h/a", {}, "", {}});
  auto b = fake.send(Request{"POST", "http://h/b", {{"X-A", "1"}}, "body", {}});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "first");
  EXPECT_EQ(b->status, 503);
  ASSERT_EQ(fake.requestCount(), 2u);
  EXPECT_EQ(fake.requests()[0].url, "http://h/a");
  EXPECT_EQ(fake.lastRequest().body, "body");
  EXPECT_EQ(fake.pendingResponses(), 0u);
}

TEST(FakeTransport, ScriptedTransportErrorIsAnError) {
  FakeTransport fake;
  fake.enqueueError(Error{ErrorCode::Timeout, "timed out"});
  auto r = fake.send(Request{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
}

TEST(FakeTransport, HandlerAnswersAfterTheScriptRunsOut) {
  int calls = 0;
  FakeTransport fake([&calls](const Request& request) -> Result<Response> {
    ++calls;
    return Response{200, {}, request.url};
  });
  fake.enqueue(404, "scripted");
  EXPECT_EQ(fake.send(Request{"GET", "http://h/1", {}, "", {}})->status, 404);
  EXPECT_EQ(fake.send(Request{"GET", "http://h/2", {}, "", {}})->body, "http://h/2");
  EXPECT_EQ(calls, 1);
}

TEST(FakeTransport, UnscriptedRequestGetsAnUnmistakableFailureStatus) {
  FakeTransport fake;
  auto r = fake.send(Request{"GET", "http://h/x", {}, "", {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 599);
}

TEST(Response, HeaderLookupIgnoresCase) {
  Response r{200, {{"Content-Type", "text/xml"}, {"x-amz-request-id", "abc"}}, ""};
  EXPECT_EQ(r.header("content-type"), "text/xml");
  EXPECT_EQ(r.header("X-Amz-Request-Id"), "abc");
  EXPECT_FALSE(r.header("missing"));
}

}  // namespace
}  // namespace trailwall::http
