#include "lambda/handler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/run_report.h"
#include "lambda/payload.h"
#include "runner/log_text.h"

namespace trailwall::lambda {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// The run report of a batch that is done: its one firewall run, or "nothing in scope".
std::string reportJson(const runner::BatchResult& result, engine::Mode mode) {
  if (!result.runs.empty() && result.runs.front().report) {
    return cli::runReportJson(*result.runs.front().report, &result.decoded);
  }
  engine::RunReport nothing;
  nothing.mode = mode;
  nothing.nothing_in_scope = true;
  return cli::runReportJson(nothing, &result.decoded);
}

bool ranOutOfTime(const runner::BatchResult& result) {
  for (const auto& run : result.runs) {
    if (run.error && run.error->code == ErrorCode::Timeout) return true;
  }
  return false;
}

}  // namespace

Reply Handler::handle(const Invocation& invocation) {
  auto payload = splitPayload(invocation.body, invocation.request_id);
  if (!payload) {
    spdlog::error("event=invalid_event error={}", runner::quoteValue(payload.error().message));
    return Reply{FunctionError{kInvalidEvent, payload.error().message}, {}};
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (invocation.deadline) {
    const auto left = duration_cast<milliseconds>(*invocation.deadline - clock_.now());
    deadline = clock_.steadyNow() + left - options_.reply_reserve;
    spdlog::info("event=invocation deliveries={} sqs={} fifo={} ms_left={}",
                 payload->deliveries.size(), payload->sqs, payload->fifo, left.count());
  } else {
    spdlog::info("event=invocation deliveries={} sqs={} fifo={}", payload->deliveries.size(),
                 payload->sqs, payload->fifo);
  }

  const auto result = runner_.run(payload->deliveries, deadline);
  spdlog::info("event=invocation_done done={} retry={} unreadable={}",
               result.count(runner::Status::Done), result.count(runner::Status::Retry),
               result.count(runner::Status::Unreadable));
  if (payload->sqs) {
    return Reply{std::nullopt, batchItemFailures(result.outcomes, payload->fifo)};
  }
  const auto& outcome = result.outcomes.front();
  switch (outcome.status) {
    case runner::Status::Done:
      return Reply{std::nullopt, reportJson(result, runner_.options().mode)};
    case runner::Status::Unreadable:
      return Reply{FunctionError{kUnreadableEvent, outcome.reason}, {}};
    case runner::Status::Retry:
      return Reply{
          FunctionError{ranOutOfTime(result) ? kDeadlineExceeded : kRunFailed, outcome.reason}, {}};
  }
  return Reply{FunctionError{kRunFailed, outcome.reason}, {}};
}

}  // namespace trailwall::lambda
