#include "panos/firewall.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <map>
#include <set>

#include "panos/xml_util.h"
#include "policy/naming.h"
#include "policy/rulebase_xml.h"

namespace trailwall::panos {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::optional<ConfigOp> placementOp(const std::string& xpath, const policy::Placement& placement,
                                    bool new_rule) {
  if (placement.where == policy::Placement::Where::Before) {
    return ConfigOp::move(xpath, MoveWhere::Before, placement.rule);
  }
  // A rule set on a new entry is appended at the end already.
  if (new_rule) {
    return std::nullopt;
  }
  return ConfigOp::move(xpath, MoveWhere::Bottom);
}

// Does any node of the candidate tree carry this administrator's uncommitted-change mark
// (admin="NAME" dirtyId=… on a get, API-NOTES §3.1)?
bool touchedBy(const pugi::xml_node& result, std::string_view admin) {
  if (admin.empty()) {
    return false;
  }
  return static_cast<bool>(result.find_node([&](const pugi::xml_node& node) {
    const auto attribute = node.attribute("admin");
    return !attribute.empty() && admin == attribute.value();
  }));
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    if (!text.empty()) {
      text += " | ";
    }
    text += line;
  }
  return text;
}

std::string seconds(milliseconds duration) {
  return std::to_string(duration.count() / 1000);
}

}  // namespace

ApplyReport plannedCounts(const policy::Plan& plan) {
  ApplyReport report;
  report.rules_added = static_cast<int>(plan.add_rules.size());
  report.rules_edited = static_cast<int>(plan.edit_rules.size());
  report.rules_moved = static_cast<int>(plan.move_rules.size());
  report.rules_deleted = static_cast<int>(plan.delete_rules.size());
  report.services_added = static_cast<int>(plan.add_services.size());
  report.services_deleted = static_cast<int>(plan.delete_services.size());
  report.tag_added = plan.add_tag.has_value();
  report.tag_deleted = plan.delete_tag.has_value();
  return report;
}

Result<std::vector<ConfigOp>> planOps(const policy::Plan& plan, const ConfigPaths& paths) {
  using policy::Render;
  std::vector<ConfigOp> ops;
  // Appends the op built from a checked xpath (and element), or keeps the first error.
  Status status;
  const auto add = [&](const std::string& context, Result<std::string> xpath,
                       Result<std::string> element, auto make) {
    if (!status) {
      return;
    }
    if (!xpath || !element) {
      status = std::unexpected((!xpath ? xpath.error() : element.error()).withContext(context));
      return;
    }
    make(std::move(*xpath), std::move(*element));
  };
  const auto set = [&](std::string xpath, std::string element) {
    ops.push_back(ConfigOp::set(std::move(xpath), std::move(element)));
  };
  const auto remove = [&](std::string xpath, std::string) {
    ops.push_back(ConfigOp::remove(std::move(xpath)));
  };
  const auto place = [&](bool new_rule) {
    return [&, new_rule](std::string xpath, std::string) {
      if (auto move = placementOp(xpath, plan.placement, new_rule)) {
        ops.push_back(std::move(*move));
      }
    };
  };
  const Result<std::string> none = std::string();

  if (plan.add_tag) {
    const auto& tag = *plan.add_tag;
    auto valid = policy::validateName(tag.name, "tag");
    add("tag '" + tag.name + "'", valid ? paths.tag(tag.name) : std::unexpected(valid.error()),
        policy::renderTag(tag, Render::ChildrenOnly), set);
  }
  for (const auto& service : plan.add_services) {
    add("service object '" + service.name + "'", paths.service(service.name),
        policy::renderService(service, Render::ChildrenOnly), set);
  }
  for (const auto& rule : plan.add_rules) {
    const std::string context = "rule '" + rule.name + "'";
    add(context, paths.rule(rule.name), policy::renderRule(rule, Render::ChildrenOnly), set);
    add(context, paths.rule(rule.name), none, place(/*new_rule=*/true));
  }
  for (const auto& edit : plan.edit_rules) {
    // edit replaces the node at the xpath, so the element is the whole <entry> (API-NOTES §3.1).
    add("rule '" + edit.after.name + "'", paths.rule(edit.after.name),
        policy::renderRule(edit.after, Render::Whole), [&](std::string xpath, std::string element) {
          ops.push_back(ConfigOp::edit(std::move(xpath), std::move(element)));
        });
  }
  for (const auto& name : plan.move_rules) {
    add("rule '" + name + "'", paths.rule(name), none, place(/*new_rule=*/false));
  }
  for (const auto& rule : plan.delete_rules) {
    add("rule '" + rule.name + "'", paths.rule(rule.name), none, remove);
  }
  for (const auto& service : plan.delete_services) {
    add("service object '" + service.name + "'", paths.service(service.name), none, remove);
  }
  if (plan.delete_tag) {
    add("tag '" + plan.delete_tag->name + "'", paths.tag(plan.delete_tag->name), none, remove);
  }
  if (!status) {
    return std::unexpected(status.error());
  }
  return ops;
}

PolicyMatchQuery policyMatchQuery(const policy::Flow& flow, const FirewallOptions& options) {
  PolicyMatchQuery query;
  query.from = options.from_zone;
  query.to = options.to_zone;
  query.source = policy::sampleAddress(flow.source).toString();
  query.destination = flow.destination.toString();
  query.protocol = flow.protocol.isAll() ? 0 : flow.protocol.value();
  if (flow.protocol.hasPorts()) {
    query.destination_port = flow.ports.first();
  }
  if (flow.application != "any") {
    query.application = flow.application;
  }
  query.show_all = true;
  return query;
}

bool allowedByUnmanagedRule(const std::vector<MatchedRule>& matches,
                            const policy::Rulebase& rulebase, std::string_view managed_tag) {
  for (const auto& match : matches) {
    const policy::SecurityRule* rule = rulebase.findRule(match.name);
    if (rule != nullptr && policy::isManagedRule(*rule, managed_tag)) {
      continue;
    }
    const std::string& action =
        match.action.empty() && rule != nullptr ? rule->action : match.action;
    return action == "allow";
  }
  return false;
}

Result<PanOsFirewall> PanOsFirewall::create(PanOsClient& client, Clock& clock,
                                            FirewallOptions options) {
  auto paths = ConfigPaths::forLocation(options.location);
  if (!paths) {
    return fail(ErrorCode::Config, paths.error().message);
  }
  options.lock_poll_interval = std::max(options.lock_poll_interval, milliseconds(1));
  options.max_policy_match_tests = std::max(options.max_policy_match_tests, 0);
  return PanOsFirewall(client, clock, std::move(options), std::move(*paths));
}

Result<policy::Rulebase> PanOsFirewall::readRulebase() {
  const std::string where =
      "vsys '" + options_.location.vsys + "' of device '" + options_.location.device + "'";
  auto reply = client_->get(paths_.vsys());
  if (reply && reply->found && options_.revert_leftovers &&
      touchedBy(reply->response.result(), client_->admin())) {
    // A run died between write and commit. Its changes would be committed with ours (or rolled
    // back by strict multi-config) without the plan knowing: start from a clean candidate.
    if (auto reverted = client_->revertOwnChanges(); !reverted) {
      return std::unexpected(reverted.error());
    }
    reverted_leftovers_ = true;
    reply = client_->get(paths_.vsys());
  }
  if (!reply) {
    return std::unexpected(reply.error().withContext("reading the rulebase of " + where));
  }
  if (!reply->found) {
    return fail(ErrorCode::NotFound, where + " is not in the firewall's candidate configuration");
  }
  auto rulebase =
      policy::parseRulebaseXml(renderXml(reply->response.root()), options_.location.vsys);
  if (!rulebase) {
    return std::unexpected(rulebase.error().withContext("reading the rulebase of " + where));
  }
  snapshot_ = *rulebase;
  return rulebase;
}

Result<AllowedReport> PanOsFirewall::alreadyAllowed(const std::vector<policy::Flow>& flows) {
  AllowedReport report;
  if (flows.empty()) {
    return report;
  }
  if (!snapshot_) {
    if (auto read = readRulebase(); !read) {
      return std::unexpected(read.error());
    }
  }
  const std::string vsys = options_.location.vsys == "vsys1" ? "" : options_.location.vsys;

  // One test per distinct query, up to the bound; the rest count as not allowed.
  std::map<std::string, std::size_t> query_of_command;  // command → index into `queries`
  std::vector<PolicyMatchQuery> queries;
  std::set<std::string> untested;  // distinct queries beyond the bound
  std::vector<std::optional<std::size_t>> query_of_flow(flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const auto& flow = flows[i];
    if (flow.protocol.isAll() || flow.protocol.value() == 0) {
      continue;  // no single test can show all traffic allowed
    }
    auto query = policyMatchQuery(flow, options_);
    auto command = policyMatchCommand(query);
    if (!command) {
      return std::unexpected(
          command.error().withContext("checking flow of rule '" + flow.rule + "'"));
    }
    auto it = query_of_command.find(*command);
    if (it == query_of_command.end()) {
      if (static_cast<int>(queries.size()) >= options_.max_policy_match_tests) {
        untested.insert(std::move(*command));
        continue;
      }
      it = query_of_command.emplace(std::move(*command), queries.size()).first;
      queries.push_back(std::move(query));
    }
    query_of_flow[i] = it->second;
  }

  // The tests, a few in flight at once: each is a round trip to the management plane.
  std::vector<Result<std::vector<MatchedRule>>> answers(
      queries.size(), fail(ErrorCode::Internal, "policy-match test not run"));
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t q = next++; q < queries.size(); q = next++) {
      answers[q] = client_->testSecurityPolicyMatch(queries[q], vsys);
    }
  };
  // The first test runs alone, on the connection the rulebase read left open. More workers, each
  // opening its own kept-alive connection (a TLS handshake), join only when that test took
  // longer than a handshake costs: on a device that answers at once, one connection is fastest.
  constexpr auto kSlowAnswer = std::chrono::milliseconds(5);
  const auto first_started = clock_->steadyNow();
  if (!queries.empty()) answers[next++] = client_->testSecurityPolicyMatch(queries[0], vsys);
  const bool slow = clock_->steadyNow() - first_started >= kSlowAnswer;
  const auto workers =
      !slow ? std::size_t{1}
            : std::clamp<std::size_t>(
                  static_cast<std::size_t>(std::max(1, options_.policy_match_concurrency)), 1,
                  std::max<std::size_t>(queries.size(), 1));
  std::vector<std::jthread> threads;
  for (std::size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  threads.clear();  // joins

  std::vector<bool> allowed(queries.size(), false);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    if (!answers[q]) {
      return std::unexpected(
          answers[q].error().withContext("checking whether the firewall already allows " +
                                         queries[q].source + " -> " + queries[q].destination));
    }
    allowed[q] = allowedByUnmanagedRule(*answers[q], *snapshot_, options_.managed_tag);
  }
  report.tests = static_cast<int>(queries.size());
  report.untested = static_cast<int>(untested.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (query_of_flow[i] && allowed[*query_of_flow[i]]) report.allowed.insert(flows[i]);
  }
  return report;
}

std::string PanOsFirewall::othersLocks() {
  std::string text;
  if (auto locks = client_->configLocks()) {
    text = describeLocks(heldByOthers(*locks, client_->admin()), "config");
  }
  if (auto locks = client_->commitLocks()) {
    const auto commit = describeLocks(heldByOthers(*locks, client_->admin()), "commit");
    text += (!text.empty() && !commit.empty() ? "; " : "") + commit;
  }
  return text;
}

template <class Attempt>
auto PanOsFirewall::waitOutConflicts(Attempt&& attempt, std::string_view what, milliseconds& waited)
    -> decltype(attempt()) {
  const auto start = clock_->steadyNow();
  for (;;) {
    auto result = attempt();
    if (result || result.error().code != ErrorCode::Conflict) {
      return result;
    }
    const auto elapsed = duration_cast<milliseconds>(clock_->steadyNow() - start);
    if (elapsed >= options_.lock_wait_timeout) {
      const auto holders = othersLocks();
      return std::unexpected(
          Error{ErrorCode::Conflict,
                std::string(what) + ": still blocked after waiting " + seconds(elapsed) + " s" +
                    (holders.empty() ? std::string() : " (" + holders + ")") +
                    "; trailwall never removes another administrator's lock. Last answer: " +
                    result.error().message});
    }
    clock_->sleepFor(options_.lock_poll_interval);
    waited += options_.lock_poll_interval;
  }
}

Error PanOsFirewall::revertAfter(Error error) {
  snapshot_.reset();
  if (auto reverted = client_->revertOwnChanges(); reverted) {
    error.message += "; trailwall reverted " + client_->admin() + "'s uncommitted changes";
  } else {
    error.message += "; reverting " + client_->admin() + "'s uncommitted changes failed too (" +
                     reverted.error().message + ")";
  }
  return error;
}

Result<ApplyReport> PanOsFirewall::apply(const policy::Plan& plan) {
  ApplyReport report = plannedCounts(plan);
  if (plan.empty()) {
    return report;
  }
  auto ops = planOps(plan, paths_);
  if (!ops) {
    return std::unexpected(ops.error());
  }
  auto written =
      waitOutConflicts([&] { return client_->write(*ops); },
                       "writing " + std::to_string(ops->size()) + " changes", report.lock_wait);
  if (!written) {
    // A refused multi-config changed nothing; changes sent one by one may have been half done.
    return std::unexpected(client_->writesAllOrNothing() ? written.error()
                                                         : revertAfter(written.error()));
  }
  report.multi_config = written->multi_config;
  report.write_requests = written->requests;
  if (snapshot_) {
    snapshot_ = policy::applyPlan(*snapshot_, plan);
  }

  std::string description =
      options_.commit_description + ": +" + std::to_string(report.rules_added) + " ~" +
      std::to_string(report.rules_edited) + " -" + std::to_string(report.rules_deleted) + " rules";
  auto started =
      waitOutConflicts([&] { return client_->commitPartial(description); },
                       "committing " + client_->admin() + "'s changes", report.lock_wait);
  if (!started) {
    return std::unexpected(revertAfter(started.error()));
  }
  if (!started->job_id) {
    return report;  // the writes changed nothing the device counts as a change
  }
  report.commit_job = started->job_id;
  const auto enqueued = clock_->steadyNow();
  auto job = client_->waitForJob(*started->job_id);
  report.commit_duration = duration_cast<milliseconds>(clock_->steadyNow() - enqueued);
  if (!job) {
    // Not reverted: the job may still finish and commit these very changes.
    return std::unexpected(
        job.error().withContext("committing " + client_->admin() + "'s changes"));
  }
  report.commit_details = job->details;
  report.commit_warnings = job->warnings;
  if (job->result != JobResult::Ok) {
    return std::unexpected(
        revertAfter(Error{ErrorCode::Remote, "commit job " + std::to_string(job->id) + " " +
                                                 std::string(to_string(job->result)) + ": " +
                                                 joinLines(job->details)}));
  }
  return report;
}

}  // namespace trailwall::panos
