#include "panos/firewall.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "panos/xml_util.h"
#include "policy/naming.h"
#include "policy/provenance.h"
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
  report.origin = plan.origin;
  report.changes = static_cast<int>(plan.changeCount());
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

std::string auditCommentText(std::string_view description) {
  const auto origin = policy::descriptionOrigin(description);
  if (origin.size() == description.size()) {
    return std::string(policy::utf8Prefix(policy::cleanText(description), kMaxAuditCommentLength));
  }
  const auto provenance = description.substr(origin.size() + policy::kProvenanceSeparator.size());
  return policy::withProvenance(origin, provenance, kMaxAuditCommentLength);
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
  for (const auto& group : plan.set_address_groups) {
    add("address group '" + group.name + "'", paths.addressGroup(group.name),
        policy::renderAddressGroup(group, Render::ChildrenOnly), set);
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
  for (const auto& group : plan.delete_address_groups) {
    add("address group '" + group.name + "'", paths.addressGroup(group.name), none, remove);
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
    // A rule the read did not see (committed by another run since) counts as managed when its
    // name says so: another run's managed rule must not make a flow look allowed.
    const bool managed = rule != nullptr ? policy::isManagedRule(*rule, managed_tag)
                                         : policy::managedRuleOwner(match.name).has_value();
    if (managed) {
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
  if (auto ok = validateRunId(options.run_id); !ok) {
    return std::unexpected(ok.error());
  }
  options.lock_poll_interval = std::max(options.lock_poll_interval, milliseconds(1));
  options.max_policy_match_tests = std::max(options.max_policy_match_tests, 0);
  return PanOsFirewall(client, clock, std::move(options), std::move(*paths));
}

Status PanOsFirewall::readShared() {
  // trailwall never writes /config/shared, so one read per run is enough.
  policy::Rulebase shared;
  for (const char* part : {"service", "tag"}) {
    const std::string xpath = std::string("/config/shared/") + part;
    auto reply = client_->get(xpath);
    if (!reply) {
      return std::unexpected(reply.error().withContext("reading the firewall's shared objects"));
    }
    if (!reply->found) {
      continue;
    }
    auto parsed = policy::parseRulebaseXml(renderXml(reply->response.root()));
    if (!parsed) {
      return std::unexpected(parsed.error().withContext("reading " + xpath));
    }
    // A get of /config/shared/service holds <service> (read as services, or as shared ones
    // when the device wraps it in <shared>).
    for (auto* from : {&parsed->services, &parsed->shared_services}) {
      std::move(from->begin(), from->end(), std::back_inserter(shared.shared_services));
    }
    for (auto* from : {&parsed->tags, &parsed->shared_tags}) {
      std::move(from->begin(), from->end(), std::back_inserter(shared.shared_tags));
    }
  }
  shared_ = std::move(shared);
  return {};
}

namespace {

// A device group entry of a Panorama get as the vsys entry the rulebase reader knows: its objects,
// and the configured rulebase (pre- or post-) as <rulebase>. The other rulebase is not managed.
std::string deviceGroupAsVsys(const pugi::xml_node& result, const Location& location) {
  pugi::xml_document doc;
  auto entry = doc.append_child("entry");
  entry.append_attribute("name").set_value(location.device_group.c_str());
  auto rulebase = entry.append_child("rulebase");
  const std::string wanted(to_string(location.rulebase));
  auto group = result.find_child_by_attribute("entry", "name", location.device_group.c_str());
  if (!group) group = result.child("entry");
  for (const auto& child : group.children()) {
    const std::string_view name = child.name();
    if (name == wanted) {
      for (const auto& part : child.children()) rulebase.append_copy(part);
    } else if (name == "service" || name == "service-group" || name == "tag" ||
               name == "address-group" || name == "address") {
      entry.append_copy(child);
    }
  }
  return renderXml(entry);
}

}  // namespace

Result<policy::Rulebase> PanOsFirewall::readRulebase() {
  const std::string where =
      panorama()
          ? fmt::format("{} of device group '{}' on Panorama",
                        to_string(options_.location.rulebase), options_.location.device_group)
          : "vsys '" + options_.location.vsys + "' of device '" + options_.location.device + "'";
  unpushed_ = false;  // a new run: what an earlier run left unpushed is Verify's to report
  auto reply = client_->get(paths_.vsys());
  if (!reply) {
    return std::unexpected(reply.error().withContext("reading the rulebase of " + where));
  }
  if (!reply->found) {
    return fail(ErrorCode::NotFound, where + " is not in the " +
                                         (panorama() ? "Panorama's" : "firewall's") +
                                         " candidate configuration");
  }
  if (!shared_) {
    if (auto ok = readShared(); !ok) {
      return std::unexpected(ok.error());
    }
  }
  pending_ = pendingChangesIn(reply->response.result(), client_->admin());
  if (!pending_.empty()) {
    spdlog::warn(
        "event=uncommitted_changes admin={} nodes={} first=\"{}\" note=\"left by a run that "
        "stopped before its commit, or being written by a run that holds the firewall\"",
        client_->admin(), pending_.nodes.size(), pending_.nodes.front());
  }
  auto rulebase = policy::parseRulebaseXml(
      panorama() ? deviceGroupAsVsys(reply->response.result(), options_.location)
                 : renderXml(reply->response.root()),
      options_.location.vsys);
  if (!rulebase) {
    return std::unexpected(rulebase.error().withContext("reading the rulebase of " + where));
  }
  rulebase->shared_services = shared_->shared_services;
  rulebase->shared_tags = shared_->shared_tags;
  snapshot_ = *rulebase;
  return rulebase;
}

Result<bool> PanOsFirewall::unmarkedChangesPending() {
  if (!pending_.empty() || pending_.others) {
    return false;  // marks are there: whose changes they are is known (or cannot be told)
  }
  auto pending = client_->hasPendingChanges();
  if (!pending) {
    return std::unexpected(pending.error().withContext("asking whether changes are pending"));
  }
  return *pending;
}

Result<PanOsFirewall::Queries> PanOsFirewall::distinctQueries(
    const std::vector<policy::Flow>& flows, bool show_all) const {
  // One test per distinct query, up to the bound; the rest are not asked.
  Queries out;
  out.of_flow.resize(flows.size());
  std::map<std::string, std::size_t> query_of_command;  // command → index into `queries`
  std::set<std::string> untested;                       // distinct queries beyond the bound
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const auto& flow = flows[i];
    if (flow.protocol.isAll() || flow.protocol.value() == 0) {
      continue;  // no single test can show all traffic allowed
    }
    auto query = policyMatchQuery(flow, options_);
    query.show_all = show_all;
    auto command = policyMatchCommand(query);
    if (!command) {
      return std::unexpected(
          command.error().withContext("checking flow of rule '" + flow.rule + "'"));
    }
    auto it = query_of_command.find(*command);
    if (it == query_of_command.end()) {
      if (static_cast<int>(out.queries.size()) >= options_.max_policy_match_tests) {
        untested.insert(std::move(*command));
        continue;
      }
      it = query_of_command.emplace(std::move(*command), out.queries.size()).first;
      out.queries.push_back(std::move(query));
    }
    out.of_flow[i] = it->second;
  }
  out.untested = static_cast<int>(untested.size());
  return out;
}

void PanOsFirewall::concurrently(std::size_t count, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) task(i);
  };
  // The first request runs alone, on the connection the rulebase read left open. More workers,
  // each opening its own kept-alive connection (a TLS handshake), join only when that request
  // took longer than a handshake costs: on a device that answers at once, one connection is
  // fastest.
  constexpr auto kSlowAnswer = std::chrono::milliseconds(5);
  const auto first_started = clock_->steadyNow();
  if (count > 0) task(next++);
  const bool slow = clock_->steadyNow() - first_started >= kSlowAnswer;
  const auto workers =
      !slow ? std::size_t{1}
            : std::clamp<std::size_t>(
                  static_cast<std::size_t>(std::max(1, options_.policy_match_concurrency)), 1,
                  std::max<std::size_t>(count, 1));
  std::vector<std::jthread> threads;
  for (std::size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  threads.clear();  // joins
}

std::vector<Result<std::vector<MatchedRule>>> PanOsFirewall::runTests(
    const std::vector<PolicyMatchQuery>& queries) {
  const std::string vsys = options_.location.vsys == "vsys1" ? "" : options_.location.vsys;
  std::vector<Result<std::vector<MatchedRule>>> answers(
      queries.size(), fail(ErrorCode::Internal, "policy-match test not run"));
  PanOsClient* device = deviceClient();
  concurrently(queries.size(), [&](std::size_t q) {
    answers[q] = device->testSecurityPolicyMatch(queries[q], vsys);
  });
  return answers;
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
  auto queries = distinctQueries(flows, /*show_all=*/true);
  if (!queries) {
    return std::unexpected(queries.error());
  }
  if (deviceClient() == nullptr) {  // Panorama without a managed firewall to ask
    report.untested = static_cast<int>(queries->queries.size()) + queries->untested;
    return report;
  }
  const auto answers = runTests(queries->queries);
  std::vector<bool> allowed(answers.size(), false);
  for (std::size_t q = 0; q < answers.size(); ++q) {
    if (!answers[q]) {
      return std::unexpected(answers[q].error().withContext(
          "checking whether the firewall already allows " + queries->queries[q].source + " -> " +
          queries->queries[q].destination));
    }
    allowed[q] = allowedByUnmanagedRule(*answers[q], *snapshot_, options_.managed_tag);
  }
  report.tests = static_cast<int>(answers.size());
  report.untested = queries->untested;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (queries->of_flow[i] && allowed[*queries->of_flow[i]]) report.allowed.insert(flows[i]);
  }
  return report;
}

Result<MatchAnswers> PanOsFirewall::matchFlows(const std::vector<policy::Flow>& flows) {
  return match(flows, /*show_all=*/false);
}

Result<MatchAnswers> PanOsFirewall::matchFlowsAll(const std::vector<policy::Flow>& flows) {
  return match(flows, /*show_all=*/true);
}

Result<policy::Mappings> PanOsFirewall::readRegistrations() {
  policy::Mappings all;
  // Paged as the device pages them (API-NOTES §12.4): advance by the entries received, stop at a
  // short page. A bound on pages guards against a device that ignores start-point.
  constexpr std::size_t kMaxPages = 10000;
  PanOsClient* device = deviceClient();
  if (device == nullptr) {
    return fail(ErrorCode::Config,
                "the tag layout through Panorama needs the device group's firewalls "
                "(firewall.device_hosts): User-ID registrations go to them directly");
  }
  std::size_t start = 1;
  for (std::size_t page = 0; page < kMaxPages; ++page) {
    auto reply = device->op(registeredIpCommand(start), options_.location.vsys);
    if (!reply) {
      return std::unexpected(
          reply.error().withContext("reading the firewall's registered addresses"));
    }
    auto parsed = parseRegisteredIps(*reply);
    if (!parsed) return std::unexpected(parsed.error());
    for (auto& [address, tags] : parsed->mappings) all[address].merge(tags);
    if (parsed->entries < kRegisteredIpPageSize) return all;
    start += parsed->entries;
  }
  return fail(ErrorCode::Remote,
              fmt::format("the firewall's registered addresses did not end after {} pages of {}",
                          kMaxPages, kRegisteredIpPageSize));
}

Status PanOsFirewall::sendRegistrations(const policy::RegistrationChanges& changes,
                                        std::int64_t timeout_seconds, Hold& hold,
                                        RegistrationReport& report) {
  if (changes.empty()) {
    report.sent = true;
    return {};
  }
  auto messages = uidMessages(changes, timeout_seconds);
  if (!messages) return std::unexpected(messages.error().withContext("building User-ID messages"));
  if (auto still = hold.verify(); !still) return still;
  // A firewall gets its registrations itself; through Panorama every managed firewall given does.
  std::vector<PanOsClient*> targets = panorama() ? devices_ : std::vector<PanOsClient*>{client_};
  if (targets.empty()) {
    return fail(ErrorCode::Config,
                "the tag layout through Panorama needs the device group's firewalls "
                "(firewall.device_hosts): User-ID registrations go to them directly");
  }
  std::vector<std::string> failures;
  for (PanOsClient* target : targets) {
    for (const auto& message : *messages) {
      ++report.requests;
      auto reply = target->userId(message, options_.location.vsys);
      if (!reply) return std::unexpected(reply.error());
      report.ignored += reply->ignored;
      failures.insert(failures.end(), reply->failures.begin(), reply->failures.end());
    }
  }
  for (const auto& [address, tags] : changes.register_tags) report.registered += tags.size();
  for (const auto& [address, tags] : changes.unregister_tags) report.unregistered += tags.size();
  if (!failures.empty()) {
    std::string first;
    for (std::size_t i = 0; i < failures.size() && i < 5; ++i) {
      first += (i == 0 ? "" : "; ") + failures[i];
    }
    return fail(ErrorCode::Remote,
                fmt::format("the firewall refused {} User-ID entries: {}{}", failures.size(), first,
                            failures.size() > 5 ? "; …" : ""));
  }
  report.sent = true;
  return {};
}

Result<MatchAnswers> PanOsFirewall::match(const std::vector<policy::Flow>& flows, bool show_all) {
  MatchAnswers report;
  report.matches.resize(flows.size());
  if (flows.empty()) {
    return report;
  }
  // Without show-all the device answers with the rule that decides the flow (API-NOTES §6.1).
  auto queries = distinctQueries(flows, show_all);
  if (!queries) {
    return std::unexpected(queries.error());
  }
  if (deviceClient() == nullptr || unpushed_) {  // Panorama: no firewall to ask, or not pushed
    report.untested = static_cast<int>(queries->queries.size()) + queries->untested;
    return report;
  }
  auto answers = runTests(queries->queries);
  for (std::size_t q = 0; q < answers.size(); ++q) {
    if (!answers[q]) {
      return std::unexpected(answers[q].error().withContext(
          "asking the firewall which rule decides " + queries->queries[q].source + " -> " +
          queries->queries[q].destination));
    }
  }
  report.tests = static_cast<int>(answers.size());
  report.untested = queries->untested;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (queries->of_flow[i]) report.matches[i] = *answers[*queries->of_flow[i]];
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

Error PanOsFirewall::revertAfter(Error error, ApplyReport& report) {
  snapshot_.reset();
  if (auto reverted = client_->revertOwnChanges(); reverted) {
    report.reverted = true;
    error.message += "; trailwall reverted " + client_->admin() + "'s uncommitted changes";
  } else {
    error.message += "; reverting " + client_->admin() + "'s uncommitted changes failed too (" +
                     reverted.error().message + "); the next run reverts them";
  }
  return error;
}

std::string commitDescription(const FirewallOptions& options, const ApplyReport& counts) {
  const auto head = fmt::format("{} run {}: ", options.commit_description, options.run_id);
  const auto tail = fmt::format("+{} ~{} -{} rules", counts.rules_added, counts.rules_edited,
                                counts.rules_deleted);
  std::string origin = policy::cleanText(counts.origin);
  const std::size_t room =
      policy::kMaxCommitDescriptionLength -
      std::min<std::size_t>(head.size() + tail.size() + 2, policy::kMaxCommitDescriptionLength);
  if (origin.size() > room) {
    origin = room > 3 ? std::string(policy::utf8Prefix(origin, room - 3)) + "..." : std::string();
  }
  return head + (origin.empty() ? std::string() : origin + ", ") + tail;
}

bool isRunsCommit(const Job& job, std::string_view admin, std::string_view run_id) {
  const std::string marker = fmt::format("run {}:", run_id);
  return job.type == "Commit" && job.user == admin &&
         job.description.find(marker) != std::string::npos;
}

PendingChanges pendingChangesIn(const pugi::xml_node& result, std::string_view admin,
                                std::size_t limit) {
  PendingChanges pending;
  std::set<std::string> seen;
  std::size_t more = 0;
  for (const auto& node : result.select_nodes("descendant-or-self::*[@admin]")) {
    const auto element = node.node();
    if (admin.empty() || admin != element.attribute("admin").value()) {
      pending.others = true;
      continue;
    }
    // The nearest entry says what was changed; its container says what kind of thing it is.
    pugi::xml_node entry = element;
    while (entry && std::string_view(entry.name()) != "entry") entry = entry.parent();
    std::string what;
    if (entry) {
      const std::string_view kind = entry.parent().name();
      const std::string name = entry.attribute("name").value();
      if (kind == "rules") {
        what = "security rule '" + name + "'";
      } else if (kind == "vsys" || kind == "result") {
        what = "vsys '" + name + "'";
      } else if (kind == "service" || kind == "tag" || kind == "address" ||
                 kind == "service-group" || kind == "address-group") {
        what = std::string(kind) + " '" + name + "'";
      } else {
        what = std::string(kind) + " entry '" + name + "'";
      }
    } else {
      what = std::string("<") + element.name() + ">";
    }
    if (!seen.insert(what).second) continue;
    if (pending.nodes.size() < limit) {
      pending.nodes.push_back(std::move(what));
    } else {
      ++more;
    }
  }
  if (more > 0) pending.nodes.push_back(fmt::format("and {} more", more));
  return pending;
}

Result<std::unique_ptr<Hold>> PanOsFirewall::hold() {
  RunLockOptions lock;
  lock.firewall = options_.name.empty() ? options_.location.device : options_.name;
  lock.run_id = options_.run_id;
  lock.wait = options_.lock_wait_timeout;
  lock.lease = options_.hold_lease;
  lock.poll = options_.hold_poll;
  lock.others_poll = options_.lock_poll_interval;
  auto taken = RunLock::take(*client_, *clock_, std::move(lock));
  if (!taken) {
    return std::unexpected(taken.error());
  }
  return std::unique_ptr<Hold>(std::move(*taken));
}

Status PanOsFirewall::waitForOwnCommits() {
  auto jobs = client_->jobs();
  if (!jobs) {
    return std::unexpected(
        jobs.error().withContext("looking for " + client_->admin() + "'s unfinished commits"));
  }
  for (const auto& job : *jobs) {
    if (job.type != "Commit" || job.user != client_->admin() || job.done()) continue;
    spdlog::info("event=wait_for_previous_commit job={} description=\"{}\"", job.id,
                 job.description);
    auto finished = client_->waitForJob(job.id);
    if (!finished) {
      return std::unexpected(finished.error().withContext(
          fmt::format("waiting for {}'s earlier commit (job {}, \"{}\") before reverting "
                      "leftovers",
                      client_->admin(), job.id, job.description)));
    }
  }
  return {};
}

Status PanOsFirewall::revertLeftovers(Hold& hold) {
  (void)hold;  // only callable while holding: nobody else's work can be in the candidate
  if (auto ok = waitForOwnCommits(); !ok) {
    return ok;
  }
  snapshot_.reset();
  if (auto reverted = client_->revertOwnChanges(); !reverted) {
    return std::unexpected(reverted.error());
  }
  spdlog::warn("event=leftovers_reverted admin={} nodes={}", client_->admin(),
               pending_.nodes.size());
  return {};
}

Result<std::optional<Job>> PanOsFirewall::findRunsCommit() {
  auto jobs = client_->jobs();
  if (!jobs) {
    return std::unexpected(jobs.error());
  }
  std::optional<Job> found;
  for (auto& job : *jobs) {
    if (isRunsCommit(job, client_->admin(), options_.run_id) && (!found || job.id > found->id)) {
      found = std::move(job);
    }
  }
  return found;
}

namespace {

// A commit request refused for one of these reasons was not enqueued: no need to look for it.
bool certainlyNotEnqueued(ErrorCode code) {
  return code == ErrorCode::Auth || code == ErrorCode::Denied || code == ErrorCode::InvalidInput ||
         code == ErrorCode::Unsupported || code == ErrorCode::Config ||
         code == ErrorCode::Conflict || code == ErrorCode::NotFound;
}

}  // namespace

Status PanOsFirewall::commit(ApplyReport& report) {
  const std::string what = "committing " + client_->admin() + "'s changes";
  const std::string description = commitDescription(options_, report);
  std::optional<std::int64_t> job_id;
  for (int attempt = 1; !job_id; ++attempt) {
    auto started = waitOutConflicts([&] { return client_->commitPartial(description); }, what,
                                    report.lock_wait);
    if (started) {
      if (!started->job_id) {
        // Nothing to commit right after this run wrote: either a commit of this run is queued
        // already (an earlier request whose answer was lost, resent by a proxy on the way), or the
        // changes were undone.
        auto found = findRunsCommit();
        if (found && *found) {
          job_id = (*found)->id;
          report.commit_lookup = fmt::format(
              "the commit request was answered \"{}\", but job {} of run {} is among the "
              "firewall's jobs (an earlier request whose answer was lost); followed",
              started->message, *job_id, options_.run_id);
          spdlog::warn("event=commit_answer_lost action=followed job={} run={}", *job_id,
                       options_.run_id);
          break;
        }
        return std::unexpected(Error{
            ErrorCode::Conflict,
            fmt::format("{}: the firewall found nothing to commit although run {} had just "
                        "written {} change(s) (\"{}\"): they were undone before the commit "
                        "(another run or an administrator reverted {}'s uncommitted changes); "
                        "nothing was committed",
                        what, options_.run_id, report.changes, started->message,
                        client_->admin())});
      }
      job_id = started->job_id;
      break;
    }
    if (certainlyNotEnqueued(started.error().code)) {
      return std::unexpected(revertAfter(started.error().withContext(what), report));
    }
    // The answer was lost: the commit may be running. Find it before deciding anything.
    const std::string lost = started.error().message;
    auto found = findRunsCommit();
    if (!found) {
      report.commit_unknown = true;
      return std::unexpected(Error{
          ErrorCode::Network,
          fmt::format("{}: the answer to the commit request was lost ({}) and the firewall's job "
                      "list could not be read ({}): whether run {}'s changes are committed is "
                      "not known; they are not reverted (a commit may be running), the next run "
                      "finds out",
                      what, lost, found.error().message, options_.run_id)});
    }
    if (*found) {
      job_id = (*found)->id;
      report.commit_lookup = fmt::format(
          "the answer to the commit request was lost ({}); job {} of run {} found "
          "among the firewall's jobs and followed",
          lost, *job_id, options_.run_id);
      spdlog::warn("event=commit_answer_lost action=followed job={} run={}", *job_id,
                   options_.run_id);
      break;
    }
    if (attempt >= 2) {
      return std::unexpected(revertAfter(
          Error{started.error().code,
                fmt::format("{}: the commit request failed twice and no commit job of run {} is "
                            "among the firewall's jobs ({}); nothing was committed",
                            what, options_.run_id, lost)},
          report));
    }
    report.commit_lookup = fmt::format(
        "the answer to the commit request was lost ({}); no job of run {} among the "
        "firewall's jobs, so the commit was sent again",
        lost, options_.run_id);
    spdlog::warn("event=commit_answer_lost action=resent run={}", options_.run_id);
  }

  report.commit_job = job_id;
  const auto enqueued = clock_->steadyNow();
  auto job = client_->waitForJob(*job_id);
  report.commit_duration = duration_cast<milliseconds>(clock_->steadyNow() - enqueued);
  if (!job) {
    // Not reverted: the job may still finish and commit these very changes.
    report.commit_unknown = true;
    return std::unexpected(job.error().withContext(
        fmt::format("{} (job {}): whether it commits is not known; the changes are not reverted, "
                    "the next run finds out",
                    what, *job_id)));
  }
  report.commit_details = job->details;
  report.commit_warnings = job->warnings;
  if (job->result != JobResult::Ok) {
    return std::unexpected(
        revertAfter(Error{ErrorCode::Remote, "commit job " + std::to_string(job->id) + " " +
                                                 std::string(to_string(job->result)) + ": " +
                                                 joinLines(job->details)},
                    report));
  }
  report.committed = true;
  return {};
}

Status PanOsFirewall::apply(const policy::Plan& plan, Hold& hold, ApplyReport& report) {
  const auto waited = report.lock_wait;
  report = plannedCounts(plan);
  report.lock_wait = waited;
  if (plan.empty()) {
    return {};
  }
  auto ops = planOps(plan, paths_);
  if (!ops) {
    return std::unexpected(ops.error());
  }
  // Panorama: whether the group's firewalls run what Panorama has, asked before anything of this
  // run is committed (afterwards this run's own commit makes them Out of Sync).
  std::optional<PanoramaState> panorama_state;
  if (panorama()) {
    auto state = readPanoramaState();
    if (!state) return std::unexpected(state.error());
    panorama_state = std::move(*state);
  }
  const int before = client_->counts().total();
  auto written =
      waitOutConflicts([&] { return client_->write(*ops); },
                       "writing " + std::to_string(ops->size()) + " changes", report.lock_wait);
  if (!written) {
    // A multi-config the device refused changed nothing. One whose answer was lost may have been
    // carried out, and changes sent one by one may have been half done: this run holds the
    // firewall, so this administrator's uncommitted changes are its own to revert.
    const auto code = written.error().code;
    const bool answer_lost = code == ErrorCode::Network || code == ErrorCode::Timeout ||
                             code == ErrorCode::Remote || code == ErrorCode::Throttled;
    if (client_->writesAllOrNothing() && !answer_lost) {
      return std::unexpected(written.error());
    }
    report.written = client_->counts().total() > before;
    return std::unexpected(revertAfter(written.error(), report));
  }
  report.written = true;
  report.multi_config = written->multi_config;
  report.write_requests = written->requests;
  if (snapshot_) {
    snapshot_ = policy::applyPlan(*snapshot_, plan);
  }
  writeAuditComments(plan, report);
  // Loss of the hold is seen here, before anything is committed. Not reverted: whoever holds the
  // firewall now deals with this administrator's uncommitted changes.
  if (auto still = hold.verify(); !still) {
    return std::unexpected(still.error().withContext(
        "before committing (nothing committed; the changes written stay in the candidate for the "
        "run that holds the firewall to revert)"));
  }
  if (auto committed = commit(report); !committed || !panorama_state) {
    return committed;
  }
  return push(*panorama_state, report);
}

PanOsClient* PanOsFirewall::deviceClient() const {
  if (!panorama()) return client_;
  return devices_.empty() ? nullptr : devices_.front();
}

Result<PanOsFirewall::PanoramaState> PanOsFirewall::readPanoramaState() {
  PanoramaState state;
  if (options_.push == PushPolicy::Never) return state;
  auto info = client_->op(showSystemInfoCommand());
  if (!info) return std::unexpected(info.error().withContext("asking Panorama its version"));
  state.version_text = trimmedText(info->result().child("system").child("sw-version"));
  if (auto version = systemInfoVersion(*info)) {
    state.version = *version;
  } else {
    spdlog::warn("event=panorama_version_unknown note=\"treated as older than 10.2\" error=\"{}\"",
                 version.error().message);
  }
  auto groups = client_->op(showDeviceGroupsCommand());
  if (!groups) {
    return std::unexpected(groups.error().withContext("asking Panorama its device groups"));
  }
  auto devices = parseDeviceGroup(*groups, options_.location.device_group);
  if (!devices) return std::unexpected(devices.error());
  state.devices = std::move(*devices);
  return state;
}

Status PanOsFirewall::push(const PanoramaState& before, ApplyReport& report) {
  const std::string& group = options_.location.device_group;
  PushReport out;
  out.device_group = group;
  out.version = before.version_text;
  for (const auto& device : before.devices) {
    if (!device.inSync()) {
      out.out_of_sync.push_back(device.label() +
                                (device.status.empty() ? " (never pushed)" : " (Out of Sync)"));
    }
  }
  out.action = decidePush(options_.push, before.version, before.devices);
  const auto finish = [&](Status status) {
    report.push = out;
    unpushed_ = !out.pushed;
    return status;
  };
  if (out.action == PushAction::Skip) {
    spdlog::info("event=push_skipped device_group={} policy={} firewalls={}", group,
                 to_string(options_.push), before.devices.size());
    return finish({});
  }
  if (out.action == PushAction::Defer) {
    out.deferred = true;
    if (auto jobs = client_->jobs()) {
      out.unpushed_by = unpushedCommitters(*jobs, group, client_->admin());
    }
    spdlog::warn(
        "event=push_deferred device_group={} version={} unpushed_by=\"{}\" "
        "out_of_sync=\"{}\"",
        group, out.version, fmt::join(out.unpushed_by, ","), fmt::join(out.out_of_sync, ","));
    return finish({});
  }
  const std::string what = fmt::format(
      "pushing device group {} ({}; this run's changes are "
      "committed on Panorama)",
      group, to_string(out.action));
  auto cmd = commitAllCommand(
      group, out.action == PushAction::AdminScoped ? client_->admin() : std::string(),
      fmt::format("{} run {}: push of device group {}", options_.commit_description,
                  options_.run_id, group));
  if (!cmd) return finish(std::unexpected(cmd.error().withContext(what)));
  auto started = client_->commitAll(*cmd);
  if (!started) return finish(std::unexpected(started.error().withContext(what)));
  if (!started->job_id) {
    return finish(fail(ErrorCode::Remote, fmt::format("{}: Panorama started no push job (\"{}\")",
                                                      what, started->message)));
  }
  out.job = started->job_id;
  auto job = client_->waitForJob(*started->job_id);
  if (!job) {
    return finish(std::unexpected(job.error().withContext(fmt::format(
        "{} (job {}): whether it reached the firewalls is not known", what, *started->job_id))));
  }
  out.devices = job->devices;
  if (auto ok = pushResult(*job, group); !ok) {
    return finish(std::unexpected(ok.error()));
  }
  out.pushed = true;
  spdlog::info("event=pushed device_group={} action=\"{}\" job={} firewalls={}", group,
               to_string(out.action), job->id, job->devices.size());
  return finish({});
}

void PanOsFirewall::writeAuditComments(const policy::Plan& plan, ApplyReport& report) {
  std::vector<const policy::SecurityRule*> rules;
  for (const auto& rule : plan.add_rules) rules.push_back(&rule);
  for (const auto& edit : plan.edit_rules) rules.push_back(&edit.after);
  if (rules.empty()) {
    return;
  }
  if (!audit_comments_refused_.empty()) {  // known from an earlier run of this process
    report.audit_comments_unsupported = true;
    report.audit_comment_error = audit_comments_refused_;
    return;
  }
  const auto send = [&](std::size_t i) -> Result<AuditCommentReply> {
    const auto text = auditCommentText(rules[i]->description);
    if (text.empty()) {
      return AuditCommentReply{};  // nothing to say (no description): nothing sent
    }
    auto xpath = paths_.rule(rules[i]->name);
    if (!xpath) {
      return std::unexpected(xpath.error());
    }
    return client_->setAuditComment(*xpath, text);
  };
  // The first one alone finds out whether the device has audit comments at all; the rest go a
  // few at a time, as the policy-match tests do (one request per rule while the firewall is held).
  std::vector<Result<AuditCommentReply>> replies(rules.size(),
                                                 fail(ErrorCode::Internal, "not sent"));
  replies[0] = send(0);
  if (replies[0] && replies[0]->supported && rules.size() > 1) {
    concurrently(rules.size() - 1, [&](std::size_t i) { replies[i + 1] = send(i + 1); });
  }
  std::optional<std::size_t> failed;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto& reply = replies[i];
    if (reply && !reply->supported) {
      audit_comments_refused_ =
          "the firewall does not support audit comments (PAN-OS 9.0+): " + reply->refusal;
      report.audit_comments_unsupported = true;
      report.audit_comment_error = audit_comments_refused_;
      spdlog::warn("event=audit_comments_unsupported firewall={} reply=\"{}\"", options_.name,
                   reply->refusal);
      return;
    }
    if (reply) {
      ++report.audit_comments;
    } else if (!failed) {
      failed = i;
    }
  }
  if (failed) {
    // Not fatal: the commit matters more than the comments, and the descriptions carry the
    // provenance. The first failure is reported (after a failed first one, none was sent).
    const auto& name = rules[*failed]->name;
    const auto error = to_string(replies[*failed].error());
    report.audit_comment_error = fmt::format("rule '{}': {} ({} of {} set)", name, error,
                                             report.audit_comments, rules.size());
    spdlog::warn("event=audit_comment_failed rule={} set={} of={} error=\"{}\"", name,
                 report.audit_comments, rules.size(), error);
  }
}

}  // namespace trailwall::panos
