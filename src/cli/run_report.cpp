#include "cli/run_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cloudtrail/report.h"
#include "policy/plan_format.h"
#include "policy/proof.h"

namespace trailwall::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kPlanPlaceholder = "\x01plan\x01";

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

std::string pendingText(const engine::RunReport& report) {
  if (report.pending.empty()) return "";
  std::string out =
      fmt::format("uncommitted changes of trailwall's administrator in the candidate: {}\n",
                  fmt::join(report.pending.nodes, ", "));
  if (report.mode != engine::Mode::Apply) {
    out +=
        "  (a run that stopped before its commit, or a run writing now; this dry run leaves them, "
        "a real run reverts them once it holds the firewall; the plan above is against the "
        "candidate with them)\n";
  }
  return out;
}

std::string holdText(const engine::RunReport& report) {
  if (!report.hold) return "";
  const auto& hold = *report.hold;
  std::string out = fmt::format("firewall held by run {}", hold.run_id);
  if (!hold.waited_for.empty()) {
    out += fmt::format(" after waiting {} for {}", seconds(hold.waited),
                       fmt::join(hold.waited_for, "; "));
  }
  out += "\n";
  if (!hold.took_over.empty()) {
    out += fmt::format("  took over the hold of {} (older than the lease: a crashed run)\n",
                       hold.took_over);
  }
  if (report.leftovers_reverted) {
    out += "  reverted uncommitted changes of trailwall's administrator left by a stopped run\n";
  }
  if (report.replanned) {
    out += "  the firewall changed while this run waited: planned again against it\n";
  }
  return out;
}

std::string_view kindText(policy::ProofFlow::Kind kind) {
  return kind == policy::ProofFlow::Kind::Intended ? "intended" : "removed";
}

std::string proofText(const engine::RunReport& report, bool verbose) {
  if (!report.proof) return "";
  const auto& proof = *report.proof;
  const auto not_enforced = proof.notEnforced();
  std::string out = fmt::format(
      "proof of enforcement: {} flow(s), {} security-policy-match test(s): {} enforced, {} not "
      "enforced, {} unproven in {}\n",
      proof.results.size(), proof.tests,
      proof.results.size() - not_enforced - static_cast<std::size_t>(proof.unproven), not_enforced,
      proof.unproven, seconds(report.proof_time));
  if (!proof.error.empty()) {
    out += fmt::format("  the firewall could not be asked: {}\n", proof.error);
  }
  for (const auto& r : proof.results) {
    if (r.verdict == policy::Verdict::Enforced && !verbose) continue;
    const std::string flow =
        r.item.flow.rule.empty() ? std::string("(no sample flow)") : policy::flowText(r.item.flow);
    out +=
        fmt::format("  {} {} flow of '{}': {}: {}\n",
                    r.verdict == policy::Verdict::NotEnforced ? "NOT ENFORCED"
                                                              : std::string(to_string(r.verdict)),
                    kindText(r.item.kind), r.item.rule, flow, r.reason);
  }
  return out;
}

std::string verifyText(const engine::RunReport& report) {
  if (report.mode != engine::Mode::Verify) return "";
  const auto& plan = report.plan;
  std::string out;
  for (const auto& rule : plan.add_rules)
    out += fmt::format("  missing managed rule '{}'\n", rule.name);
  for (const auto& rule : plan.delete_rules) {
    out += fmt::format("  extra managed rule '{}' (AWS no longer calls for it)\n", rule.name);
  }
  for (const auto& edit : plan.edit_rules) {
    out += fmt::format("  managed rule '{}' differs from AWS in {}\n", edit.after.name,
                       fmt::join(edit.changed, ", "));
  }
  for (const auto& name : plan.move_rules) {
    out += fmt::format("  managed rule '{}' is outside the managed block above the bottom rule\n",
                       name);
  }
  for (const auto& service : plan.add_services) {
    out += fmt::format("  missing service object '{}'\n", service.name);
  }
  for (const auto& service : plan.delete_services) {
    out += fmt::format("  extra managed service object '{}'\n", service.name);
  }
  for (const auto& group : plan.set_address_groups) {
    out += fmt::format("  missing or different address group '{}'\n", group.name);
  }
  for (const auto& group : plan.delete_address_groups) {
    out += fmt::format("  extra managed address group '{}'\n", group.name);
  }
  if (plan.add_tag) out += fmt::format("  missing tag '{}'\n", plan.add_tag->name);
  if (plan.delete_tag) out += fmt::format("  unused managed tag '{}'\n", plan.delete_tag->name);
  const auto not_enforced = report.proof ? report.proof->notEnforced() : 0;
  if (report.agrees()) return "verify: AWS and the firewall agree\n";
  return fmt::format(
             "verify: {} difference(s) between AWS and the firewall, {} flow(s) not "
             "enforced\n",
             plan.changeCount(), not_enforced) +
         out;
}

Json proofJson(const engine::RunReport& report) {
  if (!report.proof) return nullptr;
  const auto& proof = *report.proof;
  Json results = Json::array();
  for (const auto& r : proof.results) {
    const auto& f = r.item.flow;
    Json flow = nullptr;
    if (!f.rule.empty()) {
      flow = {{"source", policy::sampleAddress(f.source).toString()},
              {"destination", f.destination.toString()},
              {"protocol", f.protocol.name()},
              {"port", f.protocol.hasPorts() ? Json(f.ports.first()) : Json(nullptr)},
              {"application", f.application}};
    }
    results.push_back({{"kind", kindText(r.item.kind)},
                       {"rule", r.item.rule},
                       {"flow", std::move(flow)},
                       {"verdict", to_string(r.verdict)},
                       {"matched_rule", r.matched_rule},
                       {"matched_action", r.matched_action},
                       {"matched_managed", r.matched_managed},
                       {"reason", r.reason}});
  }
  const auto not_enforced = proof.notEnforced();
  return {{"enforced", proof.enforced() && proof.error.empty()},
          {"flows", proof.results.size()},
          {"tests", proof.tests},
          {"not_enforced", not_enforced},
          {"unproven", proof.unproven},
          {"error", proof.error.empty() ? Json(nullptr) : Json(proof.error)},
          {"ms", report.proof_time.count()},
          {"results", std::move(results)}};
}

// The tag layout's User-ID registrations and a migration's steps.
std::string registrationsText(const engine::RunReport& report, bool verbose) {
  std::string out;
  if (report.migration) {
    const auto& m = *report.migration;
    out += fmt::format(
        "migration to the tag layout in two commits: 1. add the DAG rules beside {} old rule(s) "
        "and prove them with security-policy-match, 2. delete the old rules{}\n",
        m.old_rules.size(),
        m.completed ? " (done)"
                    : (m.first_step && m.first_step->committed ? " (step 1 done)" : ""));
    if (m.first_proof) {
      out += fmt::format("  step 1 proof: {} flow(s), {} not admitted, {} unproven\n",
                         m.first_proof->results.size(), m.first_proof->notEnforced(),
                         m.first_proof->unproven);
    }
  }
  if (!report.registrations) return out;
  const auto& r = *report.registrations;
  const auto& c = r.changes;
  if (r.leaving) {
    out += fmt::format(
        "user-id: leaving the tag layout: {} registration(s) of trailwall's to remove\n",
        c.removed);
  } else {
    out += fmt::format(
        "user-id: {} mapping(s) wanted, {} registered; {} to register, {} to unregister{}; {} "
        "other mapping(s) left alone\n",
        r.desired, r.registered, c.added, c.removed,
        r.refresh ? fmt::format(", {} refreshed (timeouts restart)", c.refreshed) : "", r.others);
  }
  if (verbose || c.added + c.removed <= 20) {
    for (const auto& [address, tags] : c.unregister_tags) {
      out += fmt::format("- registration {} {}\n", address.toString(), fmt::join(tags, ","));
    }
    for (const auto& [address, tags] : c.register_tags) {
      if (r.refresh) continue;
      out += fmt::format("+ registration {} {}\n", address.toString(), fmt::join(tags, ","));
    }
  }
  if (r.sent) {
    out += fmt::format("registered: {} request(s), {} registered, {} unregistered, no commit\n",
                       r.sent->requests, r.sent->registered, r.sent->unregistered);
  }
  return out;
}

}  // namespace

std::string outcomeText(const engine::RunReport& report) {
  const auto& o = report.outcome;
  const int changes = report.applied ? report.applied->changes : 0;
  if (report.mode != engine::Mode::Apply) return "nothing was written (dry run)";
  if (!o.written) {
    if (report.plan.empty() && o.registered) {
      return "registrations sent through User-ID; nothing to commit";
    }
    if (report.plan.empty() && report.registrationsPending()) {
      return "the registrations were not sent; nothing was written to the firewall";
    }
    if (report.plan.empty()) return "nothing was written to the firewall";
    return fmt::format("nothing was written to the firewall ({} planned change(s) not made)",
                       report.plan.changeCount());
  }
  if (o.committed) return fmt::format("{} change(s) written and committed", changes);
  const std::string job = report.applied && report.applied->commit_job
                              ? fmt::format(" (job {})", *report.applied->commit_job)
                              : "";
  if (o.commit_unknown) {
    return fmt::format(
        "{} change(s) written; whether they were committed{} is not known (the next run finds "
        "out); not reverted",
        changes, job);
  }
  if (o.reverted) {
    return fmt::format("{} change(s) written and reverted; nothing committed", changes);
  }
  return fmt::format(
      "{} change(s) written but not committed; they stay in the candidate until the run that "
      "holds the firewall reverts them",
      changes);
}

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
  policy::appendPlanText(out, report.plan);
  out += registrationsText(report, verbose);
  for (const auto& warning : report.warnings) out += fmt::format("warning: {}\n", warning);
  out += pendingText(report);
  out += holdText(report);
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
    if (!a.commit_lookup.empty()) out += fmt::format("  {}\n", a.commit_lookup);
    if (a.push) out += fmt::format("  push: {}\n", a.push->summary());
    if (a.audit_comments > 0) out += fmt::format("  audit comments: {} set\n", a.audit_comments);
    if (a.audit_comments_unsupported) {
      out += fmt::format("  audit comments: not set: {}\n", a.audit_comment_error);
    } else if (!a.audit_comment_error.empty()) {
      out += fmt::format("  audit comments: failed (the run went on): {}\n", a.audit_comment_error);
    }
    if (a.lock_wait.count() > 0) {
      out += fmt::format(
          "  waited {} for the firewall (another run's hold or another "
          "administrator's lock)\n",
          seconds(a.lock_wait));
    }
    if (verbose) {
      for (const auto& line : a.commit_details) out += fmt::format("  commit: {}\n", line);
    }
    for (const auto& line : a.commit_warnings) out += fmt::format("  commit warning: {}\n", line);
  } else if (report.mode == engine::Mode::Plan && !report.plan.empty()) {
    out += "dry run: nothing written\n";
  }
  out += proofText(report, verbose);
  out += verifyText(report);
  out += firewallRequestsText(report.firewall_requests);
  out += fmt::format("took {}\n", seconds(report.timings.total));
  return out;
}

std::string runReportJson(const engine::RunReport& report, const cloudtrail::Decoded* events,
                          const Error* error, const std::vector<Error>& input_errors) {
  Json j;
  j["ok"] = error == nullptr && input_errors.empty();
  j["error"] = error != nullptr
                   ? Json{{"kind", errorLabel(error->code)}, {"message", error->message}}
                   : Json(nullptr);
  if (!input_errors.empty()) {
    Json inputs = Json::array();
    for (const auto& e : input_errors) {
      inputs.push_back({{"kind", errorLabel(e.code)}, {"message", e.message}});
    }
    j["input_errors"] = std::move(inputs);
  }
  if (report.registrations) {
    const auto& r = *report.registrations;
    Json regs = {{"desired", r.desired},
                 {"registered", r.registered},
                 {"others", r.others},
                 {"refresh", r.refresh},
                 {"leaving", r.leaving},
                 {"added", r.changes.added},
                 {"refreshed", r.changes.refreshed},
                 {"removed", r.changes.removed},
                 {"addresses_after", r.changes.addresses_after}};
    if (r.sent) {
      regs["sent"] = {{"requests", r.sent->requests},
                      {"registered", r.sent->registered},
                      {"unregistered", r.sent->unregistered},
                      {"ok", r.sent->sent}};
    }
    j["registrations"] = std::move(regs);
  }
  if (report.migration) {
    const auto& m = *report.migration;
    Json migration = {{"old_rules", m.old_rules}, {"completed", m.completed}};
    if (m.first_step) {
      migration["first_commit_job"] =
          m.first_step->commit_job ? Json(*m.first_step->commit_job) : Json(nullptr);
    }
    if (m.first_proof) {
      migration["first_proof"] = {{"flows", m.first_proof->results.size()},
                                  {"not_enforced", m.first_proof->notEnforced()},
                                  {"unproven", m.first_proof->unproven}};
    }
    j["migration"] = std::move(migration);
  }
  j["outcome"] = {{"registered", report.outcome.registered},
                  {"written", report.outcome.written},
                  {"committed", report.outcome.committed},
                  {"commit_unknown", report.outcome.commit_unknown},
                  {"reverted", report.outcome.reverted},
                  {"not_done", error != nullptr ? outcomeText(report) : ""}};
  j["mode"] = report.mode == engine::Mode::Apply    ? "apply"
              : report.mode == engine::Mode::Verify ? "verify"
                                                    : "plan";
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
  j["plan"] = kPlanPlaceholder;  // spliced in below: a plan of 100,000 rules is not parsed again
  j["warnings"] = report.warnings;
  j["pending_changes"] = {{"nodes", report.pending.nodes},
                          {"others", report.pending.others},
                          {"reverted", report.leftovers_reverted},
                          {"left", report.mode != engine::Mode::Apply && !report.pending.empty()}};
  if (report.hold) {
    j["hold"] = {{"run_id", report.hold->run_id},
                 {"waited_ms", report.hold->waited.count()},
                 {"waited_for", report.hold->waited_for},
                 {"took_over", report.hold->took_over}};
  } else {
    j["hold"] = nullptr;
  }
  j["replanned"] = report.replanned;
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
                    {"commit_warnings", a.commit_warnings},
                    {"written", a.written},
                    {"committed", a.committed},
                    {"commit_unknown", a.commit_unknown},
                    {"reverted", a.reverted},
                    {"commit_lookup", a.commit_lookup},
                    {"audit_comments",
                     {{"set", a.audit_comments},
                      {"supported", !a.audit_comments_unsupported},
                      {"error", a.audit_comment_error}}}};
    applied["commit_job"] = a.commit_job ? Json(*a.commit_job) : Json(nullptr);
    if (a.push) {
      const auto& p = *a.push;
      Json devices = Json::array();
      for (const auto& d : p.devices) {
        devices.push_back({{"serial", d.serial},
                           {"name", d.name},
                           {"status", d.status},
                           {"result", panos::to_string(d.result)},
                           {"details", d.details}});
      }
      applied["push"] = {{"device_group", p.device_group},
                         {"action", panos::to_string(p.action)},
                         {"panorama_version", p.version},
                         {"job", p.job ? Json(*p.job) : Json(nullptr)},
                         {"pushed", p.pushed},
                         {"deferred", p.deferred},
                         {"out_of_sync_before", p.out_of_sync},
                         {"unpushed_by", p.unpushed_by},
                         {"devices", std::move(devices)},
                         {"summary", p.summary()}};
    }
    j["applied"] = std::move(applied);
  }
  j["proof"] = proofJson(report);
  if (report.mode == engine::Mode::Verify) {
    const auto& plan = report.plan;
    Json missing = Json::array(), extra = Json::array(), differ = Json::array();
    for (const auto& rule : plan.add_rules) missing.push_back(rule.name);
    for (const auto& rule : plan.delete_rules) extra.push_back(rule.name);
    for (const auto& edit : plan.edit_rules) {
      differ.push_back({{"rule", edit.after.name}, {"fields", edit.changed}});
    }
    Json missing_services = Json::array(), extra_services = Json::array();
    for (const auto& s : plan.add_services) missing_services.push_back(s.name);
    for (const auto& s : plan.delete_services) extra_services.push_back(s.name);
    j["verify"] = {{"agree", report.agrees()},
                   {"missing_rules", std::move(missing)},
                   {"extra_rules", std::move(extra)},
                   {"differing_rules", std::move(differ)},
                   {"misplaced_rules", plan.move_rules},
                   {"missing_services", std::move(missing_services)},
                   {"extra_services", std::move(extra_services)},
                   {"not_enforced", report.proof ? report.proof->notEnforced() : 0}};
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
  std::string out = j.dump(2) + "\n";
  // The placeholder as dump(2) writes it at depth 1: a raw newline and two spaces before a key
  // occur only between tokens, never inside a string, so this cannot match report text.
  const std::string marker = "\n  \"plan\": \"\\u0001plan\\u0001\"";
  const auto at = out.find(marker);
  if (at == std::string::npos) return out;  // cannot happen: the key is written above
  std::string plan = policy::planToJson(report.plan);
  while (!plan.empty() && plan.back() == '\n') plan.pop_back();
  std::string spliced;
  spliced.reserve(out.size() + plan.size() + plan.size() / 8);
  spliced.append(out, 0, at);
  spliced += "\n  \"plan\": ";
  for (const char c : plan) {  // indented one level deeper, as dump(2) writes a nested value
    spliced += c;
    if (c == '\n') spliced += "  ";
  }
  spliced.append(out, at + marker.size());
  return spliced;
}

std::string fleetReportText(const std::vector<FirewallReport>& firewalls,
                            const cloudtrail::Decoded* events, bool verbose) {
  std::string out;
  if (events != nullptr) out += eventsText(*events);
  std::vector<std::string> failed;
  for (const auto& fw : firewalls) {
    out += fmt::format("== firewall {} ==\n", fw.firewall);
    if (fw.report != nullptr) out += runReportText(*fw.report, nullptr, verbose);
    if (fw.error != nullptr) {
      failed.push_back(fw.firewall);
      out += fmt::format("error: {}\n", to_string(*fw.error));
      out += fmt::format("not done: {}\n",
                         fw.report != nullptr ? outcomeText(*fw.report) : "the run did not start");
    }
  }
  if (failed.empty()) {
    out += fmt::format("firewalls: all {} done\n", firewalls.size());
  } else {
    out += fmt::format("firewalls: {} of {} failed: {}\n", failed.size(), firewalls.size(),
                       fmt::join(failed, ", "));
  }
  return out;
}

std::string fleetReportJson(const std::vector<FirewallReport>& firewalls,
                            const cloudtrail::Decoded* events,
                            const std::vector<Error>& input_errors) {
  Json j;
  Json failed = Json::array();
  Json first_error = nullptr;
  Json each = Json::array();
  for (const auto& fw : firewalls) {
    const engine::RunReport empty;
    Json one = {{"firewall", fw.firewall}};
    one.update(
        Json::parse(runReportJson(fw.report != nullptr ? *fw.report : empty, nullptr, fw.error)));
    if (fw.report == nullptr) one["outcome"]["not_done"] = "the run did not start";
    if (fw.error != nullptr) {
      failed.push_back(fw.firewall);
      if (first_error.is_null()) {
        first_error = {{"kind", one["error"]["kind"]},
                       {"message", fmt::format("firewall {}: {}", fw.firewall, fw.error->message)}};
      }
    }
    each.push_back(std::move(one));
  }
  j["ok"] = failed.empty() && input_errors.empty();
  j["error"] = std::move(first_error);
  j["failed"] = std::move(failed);
  if (events != nullptr) {
    const auto with_events = Json::parse(runReportJson(engine::RunReport{}, events));
    if (with_events.contains("events")) j["events"] = with_events["events"];
  }
  if (!input_errors.empty()) {
    Json inputs = Json::array();
    for (const auto& e : input_errors) {
      inputs.push_back({{"kind", errorLabel(e.code)}, {"message", e.message}});
    }
    j["input_errors"] = std::move(inputs);
  }
  j["firewalls"] = std::move(each);
  return j.dump(2) + "\n";
}

}  // namespace trailwall::cli
