#include "lambda/loop.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace trailwall::lambda {
namespace {

// A Runtime API of the test's own: scripted invocations (or failures) for /next, and every
// post recorded; a post can be scripted to fail.
class FakeRuntimeApi final : public RuntimeApi {
 public:
  struct Posted {
    std::string kind;  // response, error, init_error
    std::string request_id;
    std::string body;
    std::string error_type;
  };

  void add(Invocation invocation) { next_.emplace_back(std::move(invocation)); }
  void addFailure(Error error) { next_.emplace_back(std::move(error)); }
  void failNextResponse(Error error) { response_error_ = std::move(error); }

  Result<Invocation> next() override {
    if (next_.empty()) return trailwall::fail(ErrorCode::Remote, "Runtime API next: HTTP 500");
    auto item = std::move(next_.front());
    next_.pop_front();
    if (auto* error = std::get_if<Error>(&item)) return std::unexpected(*error);
    return std::get<Invocation>(std::move(item));
  }
  Status respond(const std::string& request_id, const std::string& body) override {
    posted.push_back({"response", request_id, body, ""});
    if (response_error_) {
      auto error = *response_error_;
      response_error_.reset();
      return std::unexpected(error);
    }
    return {};
  }
  Status fail(const std::string& request_id, const FunctionError& error) override {
    posted.push_back({"error", request_id, error.message, error.type});
    return {};
  }
  Status initError(const FunctionError& error) override {
    posted.push_back({"init_error", "", error.message, error.type});
    return {};
  }

  std::vector<Posted> posted;

 private:
  std::deque<std::variant<Invocation, Error>> next_;
  std::optional<Error> response_error_;
};

class RecordingScope final : public InvocationScope {
 public:
  void enter(const Invocation& invocation) override {
    events.push_back("enter " + invocation.request_id + " " + invocation.trace_id);
  }
  void leave() override { events.push_back("leave"); }
  std::vector<std::string> events;
};

Invocation invocation(std::string id, std::string body) {
  Invocation inv;
  inv.request_id = std::move(id);
  inv.body = std::move(body);
  inv.trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700";
  return inv;
}

TEST(Loop, EachInvocationIsAnsweredInsideItsScope) {
  FakeRuntimeApi api;
  RecordingScope scope;
  api.add(invocation("r-1", "ok"));
  api.add(invocation("r-2", "bad"));
  const InvocationHandler handler = [&scope](const Invocation& inv) {
    scope.events.push_back("handle " + inv.request_id);
    if (inv.body == "bad") return Reply{FunctionError{"Function.RunFailed", "it failed"}, {}};
    return Reply{std::nullopt, "{\"done\":true}"};
  };
  EXPECT_EQ(step(api, handler, scope), Step::Continue);
  EXPECT_EQ(step(api, handler, scope), Step::Continue);
  ASSERT_EQ(api.posted.size(), 2U);
  EXPECT_EQ(api.posted[0].kind, "response");
  EXPECT_EQ(api.posted[0].request_id, "r-1");
  EXPECT_EQ(api.posted[0].body, "{\"done\":true}");
  EXPECT_EQ(api.posted[1].kind, "error");
  EXPECT_EQ(api.posted[1].request_id, "r-2");
  EXPECT_EQ(api.posted[1].error_type, "Function.RunFailed");
  EXPECT_EQ(api.posted[1].body, "it failed");
  EXPECT_EQ(scope.events,
            (std::vector<std::string>{
                "enter r-1 Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700", "handle r-1", "leave",
                "enter r-2 Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700", "handle r-2", "leave"}));
}

TEST(Loop, TheLoopEndsWhenNextFails) {
  FakeRuntimeApi api;
  RecordingScope scope;
  api.add(invocation("r-1", "ok"));
  api.addFailure(Error{ErrorCode::Remote, "Runtime API next: HTTP 500"});
  int handled = 0;
  const InvocationHandler handler = [&handled](const Invocation&) {
    ++handled;
    return Reply{std::nullopt, "{}"};
  };
  EXPECT_EQ(runLoop(api, handler, scope), 1);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(api.posted.size(), 1U);
}

TEST(Loop, AResponseTooLargeForLambdaBecomesAnError) {
  FakeRuntimeApi api;
  RecordingScope scope;
  api.add(invocation("r-1", "ok"));
  api.failNextResponse(Error{ErrorCode::InvalidInput, "Runtime API response: HTTP 413"});
  const InvocationHandler handler = [](const Invocation&) {
    return Reply{std::nullopt, std::string(100, 'x')};
  };
  EXPECT_EQ(step(api, handler, scope), Step::Continue);
  ASSERT_EQ(api.posted.size(), 2U);
  EXPECT_EQ(api.posted[1].kind, "error");
  EXPECT_EQ(api.posted[1].error_type, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(api.posted[1].body,
            "the response (100 bytes) is larger than Lambda accepts: Runtime API response: HTTP "
            "413");
}

TEST(Loop, AFailedPostStopsTheLoop) {
  FakeRuntimeApi api;
  RecordingScope scope;
  api.add(invocation("r-1", "ok"));
  api.add(invocation("r-2", "ok"));
  api.failNextResponse(Error{ErrorCode::Remote, "Runtime API response: HTTP 500"});
  const InvocationHandler handler = [](const Invocation&) { return Reply{std::nullopt, "{}"}; };
  EXPECT_EQ(step(api, handler, scope), Step::Stop);
  EXPECT_EQ(scope.events.back(), "leave");
}

}  // namespace
}  // namespace trailwall::lambda

namespace trailwall::lambda {
namespace {

std::string readAll(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
  return text;
}

TEST(ProcessScope, EveryLineOfAnInvocationCarriesItsRequestIdAndTheTraceIdIsSet) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  auto sink = std::make_shared<LambdaLogSink>(LogFormat::Json, out);
  spdlog::logger logger("scope-test", sink);
  ProcessInvocationScope scope(sink);

  Invocation invocation;
  invocation.request_id = "r-1";
  invocation.trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1";
  scope.enter(invocation);
  logger.info("event=inside");
  EXPECT_STREQ(std::getenv("_X_AMZN_TRACE_ID"),
               "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1");
  scope.leave();
  logger.info("event=outside");
  invocation.trace_id.clear();
  scope.enter(invocation);
  EXPECT_EQ(std::getenv("_X_AMZN_TRACE_ID"), nullptr);  // no header: no stale trace id
  scope.leave();

  const auto text = readAll(out);
  std::fclose(out);
  const auto newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const auto first = nlohmann::json::parse(text.substr(0, newline));
  const auto second = nlohmann::json::parse(text.substr(newline + 1));
  EXPECT_EQ(first["requestId"], "r-1");
  EXPECT_EQ(first["event"], "inside");
  EXPECT_FALSE(second.contains("requestId"));
  EXPECT_EQ(second["event"], "outside");
}

}  // namespace
}  // namespace trailwall::lambda
