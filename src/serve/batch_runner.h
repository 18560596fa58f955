#pragma once
// What the daemon asks of a run: a batch of deliveries (SQS message bodies) → one reconcile →
// an outcome per delivery, and a summary for the metrics and the status page. The daemon owns
// the queue; the runner owns decoding, AWS, the firewall and the commit. A runner never throws
// and never fails as a whole: a failure is Outcome::Retry for the deliveries it concerns and
// the error in the summary.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace trailwall::serve {

// One SQS message as a runner sees it.
struct Delivery {
  std::string id;    // the SQS MessageId: how logs and errors name it
  std::string body;  // an EventBridge event, an S3 notification or an SNS envelope of one
};

enum class Outcome {
  Done,        // its changes are committed, or nothing needed doing: delete it
  Retry,       // not done (a failed run, an S3 object that could not be read): deliver again
  Unreadable,  // can never be read: left to the queue's redrive policy, named in the log
};

enum class RunKind {
  Scoped,  // what the deliveries name
  Full,    // everything (the periodic reconcile); the deliveries ride along
};

[[nodiscard]] const char* to_string(Outcome outcome);
[[nodiscard]] const char* to_string(RunKind kind);

// A managed rule as the status page shows it: the description holds its provenance.
struct ManagedRule {
  std::string name;
  std::string description;
  std::vector<std::string> source;
  std::vector<std::string> destination;
  std::vector<std::string> application;
  std::vector<std::string> service;
};

// What one run did.
struct RunSummary {
  RunKind kind = RunKind::Scoped;
  std::chrono::system_clock::time_point started;
  std::chrono::milliseconds duration{0};
  bool ok = false;
  std::string error;  // when !ok: what failed, for people
  // The error's kind (ErrorCode name: "Network", "Conflict", …) and the step it failed in
  // ("read", "check", "hold", "apply", "aws", "input"), for the metrics.
  std::string error_code;
  std::string error_step;
  std::size_t deliveries = 0;
  std::map<std::string, int> events;       // changes by CloudTrail event name
  std::map<std::string, int> ignored;      // ignored records by reason
  std::vector<std::string> changes;        // "+ name", "~ name", "- name" as planned
  bool nothing_to_do = false;              // nothing in scope, or an empty plan
  std::optional<std::int64_t> commit_job;  // the job that committed the changes
  std::chrono::milliseconds commit_duration{0};
  bool commit_attempted = false;  // a write was made and a commit asked for
  std::size_t aws_calls = 0;
  std::map<std::string, int> firewall_requests;  // by kind, this run only
  // The managed rules after the run, when the run read the rulebase.
  std::optional<std::vector<ManagedRule>> managed_rules;
  // Each firewall the run touched (issue 13): its name → whether its run succeeded. With several,
  // `changes` lines start with "name: " and `error` names the firewall.
  std::map<std::string, bool> firewalls;
};

struct RunResult {
  std::vector<Outcome> outcomes;  // one per delivery, same order
  RunSummary summary;
};

class BatchRunner {
 public:
  virtual ~BatchRunner() = default;
  // Runs one batch. Once `stop` is requested (the daemon is shutting down) a run that has not
  // written yet writes nothing and its deliveries are Retry; a write already made is committed
  // or reverted, never left in the candidate.
  [[nodiscard]] virtual RunResult run(const std::vector<Delivery>& deliveries, RunKind kind,
                                      std::stop_token stop) = 0;
};

}  // namespace trailwall::serve
