#include "cli/run_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cloudtrail/report.h"
#include "policy/plan_format.h"

namespace trailwall::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:.1f} s", static_cast<double>(ms.count()) / 1000.0);
}

std::string eventsText(const cloudtrail::Decoded& events) {
  std::string out = fmt::format("events: {} record(s), {} acted on, {} ignored", events.records,
                                events.changes.size(), events.ignoredTotal());
  std::vector<std::string> reasons;
  for (std::size_t i = 0; i < cloudtrail::kIgnoreReasonCount; ++i) {
    if (events.ignored_count[i] > 0) {
      reasons.push_back(fmt::format("{} {}", to_string(static_cast<cloudtrail::IgnoreReason>(i)),
                                    events.ignored_count[i]));
    }
  }
  if (!reasons.empty()) out += fmt::format(" ({})", fmt::join(reasons, ", "));
  if (!events.errors.empty()) out += fmt::format(", {} bad", events.errors.size());
  return out + "\n";
}

std::string firewallRequestsText(const panos::RequestCounts& counts) {
  std::vector<std::string> kinds;
  for (const auto& [kind, n] : counts.by_kind) kinds.push_back(fmt::format("{} {}", kind, n));
  return fmt::format("firewall: {} request(s){}\n", counts.total(),
                     kinds.empty() ? "" : fmt::format(" ({})", fmt::join(kinds, ", ")));
}

}  // namespace

std::string runReportText(const engine::RunReport& report, const cloudtrail::Decoded* events,
                          bool verbose) {
  std::string out;
  if (events != nullptr) out += eventsText(*events);
  if (report.nothing_in_scope) {
    out += "nothing to look at: no AWS call, no firewall request\n";
    return out;
  }
  if (report.aws_calls == 0 && report.aws_call_summaries.empty()) {
    out += "aws: not contacted (inventory given)\n";
  } else {
    // Each summary reads "9 EC2 calls (DescribeInstances 2, …)", one per account and region.
    out += fmt::format("aws: {} in {}\n", fmt::join(report.aws_call_summaries, "; "),
                       seconds(report.timings.load));
  }
  for (const auto& why : report.widened) out += fmt::format("  load widened: {}\n", why);
  out +=
      fmt::format("inventory: {} instance(s), {} security group(s), {} gone; {} desired rule(s)\n",
                  report.instances, report.security_groups, report.gone, report.desired_rules);
  if (report.flows_checked > 0) {
    out +=
        fmt::format("already allowed: {} of {} flow(s), {} security-policy-match test(s){} in {}\n",
                    report.flows_allowed, report.flows_checked, report.policy_match_tests,
                    report.untested_flows > 0
                        ? fmt::format(", {} untested (over the bound)", report.untested_flows)
                        : "",
                    seconds(report.timings.check));
  }
  out += policy::planToText(report.plan);
  if (report.applied) {
    const auto& a = *report.applied;
    out +=
        fmt::format("applied: {} added, {} changed, {} moved, {} deleted in {} write request(s){}",
                    a.rules_added, a.rules_edited, a.rules_moved, a.rules_deleted, a.write_requests,
                    a.multi_config ? " (one multi-config)" : "");
    if (a.commit_job) {
      out += fmt::format("; commit job {} OK in {}", *a.commit_job, seconds(a.commit_duration));
    }
    out += "\n";
    if (a.lock_wait.count() > 0) {
      out += fmt::format("  waited {} for another administrator's lock\n", seconds(a.lock_wait));
    }
    if (verbose) {
      for (const auto& line : a.commit_details) out += fmt::format("  commit: {}\n", line);
    }
    for (const auto& line : a.commit_warnings) out += fmt::format("  commit warning: {}\n", line);
  } else if (report.mode == engine::Mode::Plan && !report.plan.empty()) {
    out += "dry run: nothing written\n";
  }
  out += firewallRequestsText(report.firewall_requests);
  out += fmt::format("took {}\n", seconds(report.timings.total));
  return out;
}

std::string runReportJson(const engine::RunReport& report, const cloudtrail::Decoded* events) {
  Json j;
  j["mode"] = report.mode == engine::Mode::Apply ? "apply" : "plan";
  if (events != nullptr) {
    j["events"] = Json::parse(cloudtrail::toJson(*events, false));
  }
  j["nothing_in_scope"] = report.nothing_in_scope;
  j["aws"] = {{"calls", report.aws_calls},
              {"summary", report.aws_call_summaries},
              {"widened", report.widened}};
  j["inventory"] = {{"instances", report.instances},
                    {"security_groups", report.security_groups},
                    {"gone", report.gone},
                    {"desired_rules", report.desired_rules}};
  j["check"] = {{"flows", report.flows_checked},
                {"allowed", report.flows_allowed},
                {"tests", report.policy_match_tests},
                {"untested", report.untested_flows}};
  j["plan"] = Json::parse(policy::planToJson(report.plan));
  if (report.applied) {
    const auto& a = *report.applied;
    Json applied = {{"rules_added", a.rules_added},
                    {"rules_edited", a.rules_edited},
                    {"rules_moved", a.rules_moved},
                    {"rules_deleted", a.rules_deleted},
                    {"services_added", a.services_added},
                    {"services_deleted", a.services_deleted},
                    {"tag_added", a.tag_added},
                    {"tag_deleted", a.tag_deleted},
                    {"write_requests", a.write_requests},
                    {"multi_config", a.multi_config},
                    {"commit_ms", a.commit_duration.count()},
                    {"lock_wait_ms", a.lock_wait.count()},
                    {"commit_details", a.commit_details},
                    {"commit_warnings", a.commit_warnings}};
    applied["commit_job"] = a.commit_job ? Json(*a.commit_job) : Json(nullptr);
    j["applied"] = std::move(applied);
  }
  Json by_kind = Json::object();
  for (const auto& [kind, n] : report.firewall_requests.by_kind) by_kind[kind] = n;
  j["firewall_requests"] = {{"total", report.firewall_requests.total()},
                            {"config", report.firewall_requests.config()},
                            {"commits", report.firewall_requests.commits()},
                            {"by_kind", std::move(by_kind)}};
  j["timings_ms"] = {{"load", report.timings.load.count()},
                     {"read_firewall", report.timings.read_firewall.count()},
                     {"check", report.timings.check.count()},
                     {"apply", report.timings.apply.count()},
                     {"total", report.timings.total.count()}};
  return j.dump(2) + "\n";
}

}  // namespace trailwall::cli
