#include "lambda/loop.h"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "runner/log_text.h"

namespace trailwall::lambda {
namespace {

using runner::quoteValue;

// Leaves the invocation however the step ends.
struct Entered {
  InvocationScope& scope;
  ~Entered() { scope.leave(); }
};

}  // namespace

void ProcessInvocationScope::enter(const Invocation& invocation) {
  sink_->setRequestId(invocation.request_id);
  if (invocation.trace_id.empty()) {
    ::unsetenv("_X_AMZN_TRACE_ID");
  } else {
    ::setenv("_X_AMZN_TRACE_ID", invocation.trace_id.c_str(), 1);
  }
}

void ProcessInvocationScope::leave() {
  sink_->setRequestId({});
}

Step step(RuntimeApi& api, const InvocationHandler& handler, InvocationScope& scope) {
  auto invocation = api.next();
  if (!invocation) {
    spdlog::error("event=runtime_api_failed call=next error={}",
                  quoteValue(to_string(invocation.error())));
    return Step::Stop;
  }
  scope.enter(*invocation);
  const Entered entered{scope};
  const Reply reply = handler(*invocation);
  Status posted;
  if (reply.error) {
    spdlog::error("event=invocation_failed type={} error={}", reply.error->type,
                  quoteValue(reply.error->message));
    posted = api.fail(invocation->request_id, *reply.error);
  } else {
    posted = api.respond(invocation->request_id, reply.body);
    if (!posted && posted.error().code == ErrorCode::InvalidInput) {
      const FunctionError too_large{
          "Function.ResponseSizeTooLarge",
          "the response (" + std::to_string(reply.body.size()) +
              " bytes) is larger than Lambda accepts: " + posted.error().message};
      spdlog::error("event=invocation_failed type={} error={}", too_large.type,
                    quoteValue(too_large.message));
      posted = api.fail(invocation->request_id, too_large);
    }
  }
  if (!posted) {
    spdlog::error("event=runtime_api_failed call={} error={}", reply.error ? "error" : "response",
                  quoteValue(to_string(posted.error())));
    return Step::Stop;
  }
  return Step::Continue;
}

int runLoop(RuntimeApi& api, const InvocationHandler& handler, InvocationScope& scope) {
  while (step(api, handler, scope) == Step::Continue) {
  }
  return 1;
}

}  // namespace trailwall::lambda
