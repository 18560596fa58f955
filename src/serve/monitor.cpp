#include "serve/monitor.h"

#include <algorithm>

namespace trailwall::serve {
namespace {

// Commits take 10-60 s on a real device; runs add AWS reads and the already-allowed check.
const std::vector<double> kCommitBuckets = {0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300};
const std::vector<double> kRunBuckets = {0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600};

bool isFirewallStep(const std::string& step) {
  return step == "read" || step == "check" || step == "hold" || step == "apply";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto at = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  ++counts[static_cast<std::size_t>(at)];
  sum += value;
  ++count;
}

Monitor::Monitor(std::string queue_url, SystemTime started, std::size_t keep_runs)
    : keep_runs_(std::max<std::size_t>(keep_runs, 1)) {
  state_.queue_url = std::move(queue_url);
  state_.started = started;
  state_.commit_seconds = Histogram(kCommitBuckets);
  state_.run_seconds = Histogram(kRunBuckets);
}

void Monitor::setQueue(bool fifo) {
  const std::lock_guard lock(mutex_);
  state_.fifo = fifo;
}

void Monitor::queueCall(std::string_view operation, const Error* error, std::size_t requests) {
  const std::lock_guard lock(mutex_);
  state_.aws_requests[std::string(operation)] += requests;
  if (error != nullptr) {
    ++state_.aws_errors[{std::string(operation), std::string(errorLabel(error->code))}];
  }
}

void Monitor::queueRefused(std::string_view operation, std::size_t count) {
  const std::lock_guard lock(mutex_);
  state_.queue_refusals[std::string(operation)] += count;
}

void Monitor::received(std::size_t count, SystemTime /*at*/) {
  const std::lock_guard lock(mutex_);
  state_.messages_received += count;
  state_.receive_failing_since.reset();
  state_.receive_error.clear();
}

void Monitor::receiveFailed(const Error& error, SystemTime at) {
  const std::lock_guard lock(mutex_);
  if (!state_.receive_failing_since) state_.receive_failing_since = at;
  state_.receive_error = to_string(error);
}

void Monitor::runStarted(RunKind kind, SystemTime at) {
  const std::lock_guard lock(mutex_);
  state_.running = std::pair{kind, at};
}

void Monitor::runFinished(const RunSummary& summary, const std::vector<Settled>& settled,
                          SystemTime finished) {
  const std::lock_guard lock(mutex_);
  auto& s = state_;
  s.running.reset();
  RunRecord record{summary, {}};
  record.summary.managed_rules.reset();  // kept once, below, not per run
  for (const auto& m : settled) {
    ++record.fates[to_string(m.fate)];
    ++s.messages[to_string(m.fate)];
  }
  const std::string outcome = summary.ok ? "ok" : "failed";
  ++s.runs_total[{to_string(summary.kind), outcome}];
  for (const auto& [name, ok] : summary.firewalls) ++s.firewall_runs[{name, ok ? "ok" : "failed"}];
  s.run_seconds.observe(std::chrono::duration<double>(summary.duration).count());
  for (const auto& [name, count] : summary.events) {
    s.events[{name, summary.ok ? "done" : "failed"}] += static_cast<std::uint64_t>(count);
  }
  for (const auto& [reason, count] : summary.ignored) {
    s.ignored[reason] += static_cast<std::uint64_t>(count);
  }
  if (summary.commit_job) {
    ++s.commits["ok"];
    s.commit_seconds.observe(std::chrono::duration<double>(summary.commit_duration).count());
  } else if (summary.commit_attempted) {
    ++s.commits["failed"];
  }
  if (summary.aws_calls > 0) s.aws_requests["ec2"] += summary.aws_calls;
  for (const auto& [kind, count] : summary.firewall_requests) {
    s.firewall_requests[kind] += static_cast<std::uint64_t>(count);
  }
  if (!summary.ok && !summary.error_code.empty()) {
    if (isFirewallStep(summary.error_step)) {
      ++s.firewall_errors[{summary.error_step, summary.error_code}];
    } else if (summary.error_step == "aws") {
      ++s.aws_errors[{"ec2", summary.error_code}];
    }
  }
  if (summary.managed_rules) {
    s.managed_rules = summary.managed_rules;
    s.managed_rules_as_of = finished;
  }
  s.last_run = finished;
  s.last_run_ok = summary.ok;
  if (summary.ok) s.last_success = finished;
  s.runs.push_front(std::move(record));
  while (s.runs.size() > keep_runs_) s.runs.pop_back();
}

void Monitor::scheduler(const Scheduler& scheduler, std::optional<SystemTime> next_reconcile) {
  const std::lock_guard lock(mutex_);
  state_.held = scheduler.held();
  state_.next_reconcile = next_reconcile;
}

void Monitor::stopping() {
  const std::lock_guard lock(mutex_);
  state_.stopping = true;
}

Snapshot Monitor::snapshot(SystemTime now) const {
  const std::lock_guard lock(mutex_);
  Snapshot copy = state_;
  copy.now = now;
  return copy;
}

}  // namespace trailwall::serve
