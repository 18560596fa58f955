#pragma once
// The runtime loop (Runtime API, NOTES.md §1): next → handle → response or error, until the API
// fails. Written as a step (one invocation) that tests drive with a fake Runtime API; the loop
// is only `while (step(...) == Continue)`. Between invocations the process may be frozen for
// any time, so nothing here waits on a clock.

#include <functional>
#include <memory>

#include "lambda/handler.h"
#include "lambda/log.h"
#include "lambda/runtime_api.h"

namespace trailwall::lambda {

// What lies around an invocation outside the handler: the request id on log lines and the
// _X_AMZN_TRACE_ID variable (ProcessInvocationScope); tests record the calls.
class InvocationScope {
 public:
  virtual ~InvocationScope() = default;
  virtual void enter(const Invocation& invocation) = 0;
  virtual void leave() = 0;
};

// The production scope: the request id on every log line of the invocation (LambdaLogSink) and
// _X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id (Lambda does not set it for provided runtimes;
// AWS SDKs and the X-Ray daemon read it), removed when the header is absent.
class ProcessInvocationScope final : public InvocationScope {
 public:
  explicit ProcessInvocationScope(std::shared_ptr<LambdaLogSink> sink) : sink_(std::move(sink)) {}
  void enter(const Invocation& invocation) override;
  void leave() override;

 private:
  std::shared_ptr<LambdaLogSink> sink_;
};

enum class Step {
  Continue,
  Stop,  // the Runtime API failed: exit (Lambda starts a fresh runtime)
};

using InvocationHandler = std::function<Reply(const Invocation&)>;

// One turn: waits for an invocation, handles it, posts the reply. A response the API refuses as
// too large (413) is replaced by an error saying so. Any other failure of the API stops.
[[nodiscard]] Step step(RuntimeApi& api, const InvocationHandler& handler, InvocationScope& scope);

// Turns until a step stops; the process exit code (1: the loop ends only when the API fails).
[[nodiscard]] int runLoop(RuntimeApi& api, const InvocationHandler& handler,
                          InvocationScope& scope);

}  // namespace trailwall::lambda
