#pragma once
// What a run did, for people (text) and machines (JSON): events read and ignored with reasons,
// AWS calls, the already-allowed check, the plan, the write and the commit job, firewall
// requests and timings (issue: "each run reports what it did").
//
// JSON: {"mode": "plan"|"apply", "events": {"records", "changes", "log_files", "ignored":
// {"total", "by_reason"}, "errors"}?, "scope": {...}?, "aws": {"calls", "summary"},
// "inventory": {"instances", "security_groups", "gone"}, "check": {"flows", "allowed", "tests",
// "untested"}, "plan": <plan JSON>, "applied": {"write_requests", "multi_config", "commit_job",
// "commit_ms", "rules_added", "rules_edited", "rules_moved", "rules_deleted", …}?,
// "firewall_requests": {"total", "by_kind"}, "timings_ms": {...}}.

#include <string>

#include "cloudtrail/change.h"
#include "engine/engine.h"

namespace trailwall::cli {

// `events` is null for runs without events (plan, apply, reconcile).
[[nodiscard]] std::string runReportText(const engine::RunReport& report,
                                        const cloudtrail::Decoded* events, bool verbose);
[[nodiscard]] std::string runReportJson(const engine::RunReport& report,
                                        const cloudtrail::Decoded* events);

}  // namespace trailwall::cli
