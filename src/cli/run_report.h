#pragma once
// What a run did, for people (text) and machines (JSON): events read and ignored with reasons,
// AWS calls, the already-allowed check, the plan, the write and the commit job, firewall
// requests and timings (issue: "each run reports what it did").
//
// JSON: {"ok": true|false, "error": {"kind", "message"}|null, "outcome": {"written",
// "committed", "commit_unknown", "reverted", "not_done"}, "mode": "plan"|"apply", "events":
// {"records", "changes", "log_files", "ignored":
// {"total", "by_reason"}, "errors"}?, "scope": {...}?, "aws": {"calls", "summary"},
// "inventory": {"instances", "security_groups", "gone"}, "check": {"flows", "allowed", "tests",
// "untested"}, "plan": <plan JSON>, "applied": {"write_requests", "multi_config", "commit_job",
// "commit_ms", "rules_added", "rules_edited", "rules_moved", "rules_deleted", …}?,
// "warnings": [...], "pending_changes": {"nodes", "others", "left"|"reverted"}, "hold": {"run_id",
// "waited_ms", "waited_for", "took_over"}?, "replanned", "firewall_requests": {"total",
// "by_kind"}, "timings_ms": {...}}.

#include <string>
#include <vector>

#include "cloudtrail/change.h"
#include "engine/engine.h"

namespace trailwall::cli {

// `events` is null for runs without events (plan, apply, reconcile).
[[nodiscard]] std::string runReportText(const engine::RunReport& report,
                                        const cloudtrail::Decoded* events, bool verbose);
// `error`: the run failed (what was done up to then is in `report`). `input_errors`: inputs that
// could not be read and bad records (the run itself may have succeeded; "ok" is false then).
[[nodiscard]] std::string runReportJson(const engine::RunReport& report,
                                        const cloudtrail::Decoded* events,
                                        const Error* error = nullptr,
                                        const std::vector<Error>& input_errors = {});
// One firewall's part of a fleet's run (issue 13): its report (what it did, also when it failed;
// null when it was not started) and its error (null when it succeeded).
struct FirewallReport {
  std::string firewall;
  const engine::RunReport* report = nullptr;
  const Error* error = nullptr;
};

// A fleet's run, for people: each firewall's report under its name, then which failed.
[[nodiscard]] std::string fleetReportText(const std::vector<FirewallReport>& firewalls,
                                          const cloudtrail::Decoded* events, bool verbose);
// A fleet's run, for machines: {"ok", "error" (the first failure, naming its firewall) | null,
// "failed": [names], "events"?, "input_errors"?, "firewalls": [each firewall's runReportJson
// object with "firewall": name first]}.
[[nodiscard]] std::string fleetReportJson(const std::vector<FirewallReport>& firewalls,
                                          const cloudtrail::Decoded* events,
                                          const std::vector<Error>& input_errors = {});

// What was and was not done to the firewall, in one sentence ("nothing was written to the
// firewall", "3 change(s) written and reverted; nothing committed", …).
[[nodiscard]] std::string outcomeText(const engine::RunReport& report);

}  // namespace trailwall::cli
