#pragma once
// What the daemon has done, for /metrics, /healthz and the status page. The daemon's thread
// records into a Monitor; the HTTP threads take a Snapshot (a copy under the lock) and render
// it without holding anything.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "serve/batch_runner.h"
#include "serve/scheduler.h"

namespace trailwall::serve {

using SystemTime = std::chrono::system_clock::time_point;

// A Prometheus histogram: cumulative buckets at `bounds` (seconds), plus sum and count.
struct Histogram {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // per bucket, not cumulative; one more for +Inf
  double sum = 0;
  std::uint64_t count = 0;

  explicit Histogram(std::vector<double> upper_bounds = {});
  void observe(double value);
};

// One run on the status page.
struct RunRecord {
  RunSummary summary;
  std::map<std::string, int> fates;  // messages by Fate name
};

using LabelPair = std::pair<std::string, std::string>;

struct Snapshot {
  SystemTime now;
  SystemTime started;
  std::string queue_url;
  bool fifo = false;
  bool stopping = false;
  std::size_t held = 0;                                   // messages received and not yet settled
  std::optional<std::pair<RunKind, SystemTime>> running;  // the run in flight and its start
  std::optional<SystemTime> next_reconcile;
  std::deque<RunRecord> runs;  // most recent first
  std::optional<SystemTime> last_run;
  bool last_run_ok = false;
  std::optional<SystemTime> last_success;
  std::optional<SystemTime> receive_failing_since;
  std::string receive_error;
  std::optional<std::vector<ManagedRule>> managed_rules;
  std::optional<SystemTime> managed_rules_as_of;

  // Counters (monotonic since start).
  std::uint64_t messages_received = 0;
  std::map<std::string, std::uint64_t> messages;           // by fate
  std::map<LabelPair, std::uint64_t> events;               // (event name, outcome)
  std::map<std::string, std::uint64_t> ignored;            // by reason
  std::map<LabelPair, std::uint64_t> runs_total;           // (kind, outcome)
  std::map<std::string, std::uint64_t> commits;            // by outcome
  std::map<std::string, std::uint64_t> aws_requests;       // by kind
  std::map<LabelPair, std::uint64_t> aws_errors;           // (kind, error)
  std::map<std::string, std::uint64_t> firewall_requests;  // by kind
  std::map<LabelPair, std::uint64_t> firewall_errors;      // (step, error)
  std::map<LabelPair, std::uint64_t> firewall_runs;        // (firewall name, outcome)
  std::map<std::string, std::uint64_t> queue_refusals;     // by operation
  Histogram commit_seconds;
  Histogram run_seconds;
};

class Monitor {
 public:
  Monitor(std::string queue_url, SystemTime started, std::size_t keep_runs);

  void setQueue(bool fifo);
  // SQS requests the daemon made itself (a batch call over N handles is ceil(N / 10) requests),
  // and the error that ended the call if it failed.
  void queueCall(std::string_view operation, const Error* error, std::size_t requests = 1);
  // Entries of a batch call SQS refused.
  void queueRefused(std::string_view operation, std::size_t count);
  void received(std::size_t count, SystemTime at);
  void receiveFailed(const Error& error, SystemTime at);
  void runStarted(RunKind kind, SystemTime at);
  void runFinished(const RunSummary& summary, const std::vector<Settled>& settled,
                   SystemTime finished);
  void scheduler(const Scheduler& scheduler, std::optional<SystemTime> next_reconcile);
  void stopping();

  [[nodiscard]] Snapshot snapshot(SystemTime now) const;

 private:
  mutable std::mutex mutex_;
  Snapshot state_;
  std::size_t keep_runs_;
};

}  // namespace trailwall::serve
