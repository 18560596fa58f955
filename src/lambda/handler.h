#pragma once
// The function itself, as a step the loop calls once per invocation: the event → deliveries
// (payload.h) → one runner batch with the invocation's deadline → what to post. Tests call it
// directly with a FakeClock, fake firewalls and fake S3.

#include <chrono>
#include <optional>
#include <string>

#include "common/clock.h"
#include "lambda/runtime_api.h"
#include "runner/runner.h"

namespace trailwall::lambda {

struct HandlerOptions {
  // Kept free at the end of an invocation to post the answer: the batch's deadline is the
  // invocation's less this.
  std::chrono::milliseconds reply_reserve{std::chrono::seconds(2)};
};

// What to post for an invocation: /response with `body`, or /error with `error`.
struct Reply {
  std::optional<FunctionError> error;
  std::string body;
};

// Error types of a failed invocation (Lambda-Runtime-Function-Error-Type).
inline constexpr const char* kInvalidEvent = "Function.InvalidEvent";
inline constexpr const char* kUnreadableEvent = "Function.UnreadableEvent";
inline constexpr const char* kRunFailed = "Function.RunFailed";
inline constexpr const char* kDeadlineExceeded = "Function.DeadlineExceeded";

class Handler {
 public:
  Handler(runner::Runner& runner, Clock& clock, HandlerOptions options = {})
      : runner_(runner), clock_(clock), options_(options) {}

  // SQS batch: always a response, {"batchItemFailures": […]} naming the messages that are not
  // done (FIFO: from the first of them on). Any other event: the run report as JSON when done,
  // else an error (the reason of its outcome) so that Lambda delivers it again.
  [[nodiscard]] Reply handle(const Invocation& invocation);

 private:
  runner::Runner& runner_;
  Clock& clock_;
  HandlerOptions options_;
};

}  // namespace trailwall::lambda
