#include "engine/engine.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/exit_pool.h"
#include "engine/stale_owners.h"
#include "policy/desired.h"
#include "policy/flows.h"
#include "policy/naming.h"

namespace trailwall::engine {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

template <class T>
void append(std::vector<T>& into, std::vector<T>&& from) {
  into.insert(into.end(), std::make_move_iterator(from.begin()),
              std::make_move_iterator(from.end()));
}

// Coverage as explicit ids: an inventory complete for everything covers at least the owners it
// holds. (Owners it does not hold are left alone when merged with a partial inventory; the next
// full reconcile removes their rules.)
inventory::Coverage explicitCoverage(const inventory::Inventory& inv) {
  if (!inv.coverage.everything) return inv.coverage;
  inventory::Coverage coverage;
  for (const auto& group : inv.security_groups) coverage.group_ids.insert(group.id);
  for (const auto& instance : inv.instances) coverage.instance_ids.insert(instance.id);
  return coverage;
}

// At the end of its scope, moves `value` into the exit pool when `keep` (see
// EngineOptions::keep_until_exit); its own destructor then frees nothing.
template <class T>
class KeepUntilExitAtScopeEnd {
 public:
  KeepUntilExitAtScopeEnd(bool keep, T& value) : keep_(keep), value_(value) {}
  KeepUntilExitAtScopeEnd(const KeepUntilExitAtScopeEnd&) = delete;
  KeepUntilExitAtScopeEnd& operator=(const KeepUntilExitAtScopeEnd&) = delete;
  ~KeepUntilExitAtScopeEnd() {
    if (keep_) keepUntilExit(std::move(value_));
  }

 private:
  bool keep_;
  T& value_;
};

std::string describeTarget(const Target& target) {
  if (target.account.empty() && target.region.empty()) return "the default account and region";
  return fmt::format("account {} region {}", target.account.empty() ? "(default)" : target.account,
                     target.region.empty() ? "(default)" : target.region);
}

// Whether a write may start: with a deadline (Engine::setDeadline), only with write_budget
// left before it. Checked before taking the hold and again, holding it, before the write.
Status enoughTimeToWrite(const std::optional<Deadline>& deadline, const Clock& clock,
                         std::size_t changes) {
  if (!deadline) return {};
  const auto now = clock.steadyNow();
  if (now + deadline->write_budget <= deadline->at) return {};
  const auto left = std::max<long long>(duration_cast<milliseconds>(deadline->at - now).count(), 0);
  spdlog::warn("event=deadline_too_close left_ms={} write_budget_ms={} changes={}", left,
               deadline->write_budget.count(), changes);
  return fail(ErrorCode::Timeout,
              fmt::format("not writing {} changes: {} ms left before the deadline, and a write "
                          "and commit are given {} ms; nothing was written",
                          changes, left, deadline->write_budget.count()));
}

}  // namespace

void mergeInventory(inventory::Inventory& into, inventory::Inventory&& from) {
  if (into.coverage.everything && from.coverage.everything) {
    // Both complete: so is the union.
  } else {
    auto a = explicitCoverage(into);
    const auto b = explicitCoverage(from);
    a.group_ids.insert(b.group_ids.begin(), b.group_ids.end());
    a.instance_ids.insert(b.instance_ids.begin(), b.instance_ids.end());
    a.everything = false;
    into.coverage = std::move(a);
  }
  append(into.vpcs, std::move(from.vpcs));
  append(into.subnets, std::move(from.subnets));
  append(into.route_tables, std::move(from.route_tables));
  append(into.instances, std::move(from.instances));
  append(into.network_interfaces, std::move(from.network_interfaces));
  append(into.security_groups, std::move(from.security_groups));
  append(into.prefix_lists, std::move(from.prefix_lists));
  into.gone.merge(from.gone);
}

std::vector<std::string> shadowingRules(const policy::Rulebase& rulebase,
                                        const policy::Options& options) {
  std::vector<std::string> warnings;
  const auto all = [](const policy::Members& members) {
    return members.empty() || (members.size() == 1 && members.front() == "any");
  };
  const auto includes = [](const policy::Members& members, const std::string& zone) {
    return std::find(members.begin(), members.end(), zone) != members.end() ||
           std::find(members.begin(), members.end(), "any") != members.end();
  };
  for (const auto& rule : rulebase.rules) {
    if (!options.bottom_rule.empty() && rule.name == options.bottom_rule) break;
    if (rule.disabled || rule.action == "allow" || rule.action.empty() ||
        policy::isManagedRule(rule, options.managed_tag)) {
      continue;
    }
    if (!includes(rule.from, options.from_zone) || !includes(rule.to, options.to_zone)) continue;
    if (rule.negate_source || rule.negate_destination || !all(rule.source) ||
        !all(rule.destination) || !all(rule.source_user) || !all(rule.category) ||
        !all(rule.application) || !rule.schedule.empty() ||
        !(all(rule.service) || rule.service == policy::Members{"application-default"})) {
      continue;
    }
    warnings.push_back(fmt::format(
        "rule '{}' ({}) above the bottom rule '{}' matches all traffic from zone {} to zone {}: "
        "the managed rules below it would never match",
        rule.name, rule.action, options.bottom_rule.empty() ? "(none)" : options.bottom_rule,
        options.from_zone, options.to_zone));
  }
  return warnings;
}

// What was loaded for the batch, kept so the plan can be made again after the hold. With one
// target (the usual case) its inventory lives in `merged` (not copied: it may hold 100,000
// instances).
struct Engine::Loaded {
  struct PerTarget {
    inventory::Scope asked;
    inventory::Scope used;                          // asked + the widening
    std::optional<inventory::Inventory> inventory;  // empty: moved into `merged`
  };
  std::map<Target, PerTarget> targets;
  std::optional<inventory::Inventory> merged;
  std::optional<policy::Desired> desired;
  std::set<policy::Flow> checked;  // flows asked about already
  policy::FlowSet allowed;

  [[nodiscard]] const inventory::Inventory& of(const PerTarget& per) const {
    return per.inventory ? *per.inventory : *merged;
  }
};

Result<RunReport> Engine::run(const Batch& batch, Mode mode, RunReport* progress) {
  RunReport report;
  report.mode = mode;
  const auto started = clock_.steadyNow();
  run_time_ = clock_.now();
  auto status = runInto(batch, mode, report);
  report.firewall_requests = firewall_.requestCounts();
  report.timings.total = duration_cast<milliseconds>(clock_.steadyNow() - started);
  if (report.applied) {
    report.outcome.written = report.applied->written;
    report.outcome.committed = report.applied->committed;
    report.outcome.commit_unknown = report.applied->commit_unknown;
    report.outcome.reverted = report.applied->reverted;
  }
  if (report.migration && report.migration->first_step) {
    report.outcome.written = report.outcome.written || report.migration->first_step->written;
    report.outcome.committed = report.outcome.committed || report.migration->first_step->committed;
  }
  if (!status) {
    if (progress != nullptr) *progress = std::move(report);  // only a failed run's: no copy
    return std::unexpected(status.error());
  }
  return report;
}

Status Engine::checkRulebase(const policy::Rulebase& rulebase, RunReport& report) const {
  if (engine_options_.require_bottom_rule && !options_.bottom_rule.empty() &&
      rulebase.findRule(options_.bottom_rule) == nullptr) {
    return fail(ErrorCode::Config,
                fmt::format("the bottom rule '{}' (policy.bottom_rule) is not in the firewall's "
                            "rulebase: managed rules go directly above it, so nothing was "
                            "written; create the rule or correct the setting",
                            options_.bottom_rule));
  }
  report.warnings = shadowingRules(rulebase, options_);
  for (const auto& warning : report.warnings) {
    spdlog::warn("event=rulebase_warning text=\"{}\"", warning);
  }
  return {};
}

Status Engine::load(const Batch& batch, const policy::Rulebase& rulebase, Loaded& loaded,
                    RunReport& report) {
  auto since = [this](std::chrono::steady_clock::time_point t) {
    return duration_cast<milliseconds>(clock_.steadyNow() - t);
  };
  const auto step = clock_.steadyNow();
  bool changed = false;
  // The AWS truth for the batch's scope, widened to the groups whose rules still name the
  // scope's addresses (stale_owners.h). A target loaded before is loaded again only when the
  // rulebase now asks for more.
  for (const auto& [target, asked] : batch) {
    if (asked.empty()) continue;
    auto load_scope = [&](const inventory::Scope& scope) -> Result<LoadedInventory> {
      auto loaded_inventory = inventory_.load(target, scope);
      if (!loaded_inventory) {
        return std::unexpected(loaded_inventory.error().withContext(
            "loading the AWS inventory of " + describeTarget(target)));
      }
      report.aws_calls += loaded_inventory->aws_calls;
      if (!loaded_inventory->calls_summary.empty()) {
        report.aws_call_summaries.push_back(loaded_inventory->calls_summary);
      }
      if (loaded_inventory->widened) report.widened.push_back(loaded_inventory->widened_because);
      return loaded_inventory;
    };
    auto known = loaded.targets.find(target);
    if (known == loaded.targets.end()) {
      auto first = load_scope(asked);
      if (!first) return std::unexpected(first.error());
      known = loaded.targets
                  .emplace(target, Loaded::PerTarget{asked, asked, std::move(first->inventory)})
                  .first;
      changed = true;
    }
    auto& per = known->second;
    const auto widening = staleOwners(loaded.of(per), asked, rulebase, options_);
    auto scope = per.used;
    scope.merge(widening.extra);
    if (scope == per.used) continue;
    for (const auto& reason : widening.reasons) {
      spdlog::info("event=scope_widened reason=\"{}\"", reason);
      report.widened.push_back(reason);
    }
    auto wider = load_scope(scope);
    if (!wider) return std::unexpected(wider.error());
    per.used = std::move(scope);
    per.inventory = std::move(wider->inventory);
    changed = true;
  }
  report.targets = loaded.targets.size();
  report.timings.load += since(step);
  if (!changed && loaded.desired) return {};  // nothing new: the desired rules stand
  if (loaded.targets.size() == 1) {
    auto& per = loaded.targets.begin()->second;
    if (per.inventory) loaded.merged = std::move(*per.inventory);
    per.inventory.reset();
  } else {
    std::optional<inventory::Inventory> merged;
    for (const auto& [target, per] : loaded.targets) {
      auto copy = *per.inventory;
      if (!merged) {
        merged = std::move(copy);
      } else {
        mergeInventory(*merged, std::move(copy));
      }
    }
    loaded.merged = std::move(merged);
  }
  report.instances = loaded.merged->instances.size();
  report.security_groups = loaded.merged->security_groups.size();
  report.gone = loaded.merged->gone.size();
  spdlog::info(
      "event=inventory_loaded targets={} aws_calls={} instances={} groups={} gone={} ms={}",
      report.targets, report.aws_calls, report.instances, report.security_groups, report.gone,
      report.timings.load.count());

  // What should exist.
  auto desired = policy::desiredRules(*loaded.merged, options_);
  if (!desired) return std::unexpected(desired.error().withContext("computing the desired rules"));
  report.desired_rules = desired->rules.size();
  loaded.desired = std::move(*desired);
  return {};
}

namespace {

// Asks the firewall about the flows of `desired` not asked about yet; adds the answers.
Status checkFlows(panos::Firewall& firewall, const policy::Desired& desired,
                  const policy::Rulebase& rulebase, const policy::Options& options,
                  std::set<policy::Flow>& checked, policy::FlowSet& allowed, RunReport& report) {
  std::vector<policy::Flow> flows;
  for (auto& flow : policy::flowsToCheck(desired, rulebase, options)) {
    if (!checked.contains(flow)) flows.push_back(std::move(flow));
  }
  if (flows.empty()) return {};
  auto answers = firewall.alreadyAllowed(flows);
  if (!answers) {
    return std::unexpected(
        answers.error().withContext("checking which flows the firewall already allows"));
  }
  checked.insert(flows.begin(), flows.end());
  allowed.insert(answers->allowed.begin(), answers->allowed.end());
  report.flows_checked = checked.size();
  report.flows_allowed = allowed.size();
  report.policy_match_tests += answers->tests;
  report.untested_flows += answers->untested;
  return {};
}

}  // namespace

Status Engine::runInto(const Batch& batch, Mode mode, RunReport& report) {
  auto since = [this](std::chrono::steady_clock::time_point t) {
    return duration_cast<milliseconds>(clock_.steadyNow() - t);
  };

  bool anything = false;
  for (const auto& [target, scope] : batch) anything = anything || !scope.empty();
  if (!anything) {
    report.nothing_in_scope = true;
    spdlog::info(
        "event=run scope=empty note=\"nothing to look at: no AWS call, no firewall request\"");
    return {};
  }

  // 1. The firewall's rulebase (read-only): the plan's other side, and a guide to what else to
  // load.
  auto step = clock_.steadyNow();
  auto rulebase = firewall_.readRulebase();
  if (!rulebase) {
    return std::unexpected(rulebase.error().withContext("reading the firewall's rulebase"));
  }
  report.timings.read_firewall = since(step);
  report.pending = firewall_.pendingChanges();
  spdlog::info("event=rulebase_read rules={} services={} ms={}", rulebase->rules.size(),
               rulebase->services.size(), report.timings.read_firewall.count());
  if (auto ok = checkRulebase(*rulebase, report); !ok) return ok;

  // 2-3. The AWS truth and the desired rules.
  Loaded loaded;
  const KeepUntilExitAtScopeEnd<Loaded> keep{engine_options_.keep_until_exit, loaded};
  if (auto ok = load(batch, *rulebase, loaded, report); !ok) return ok;

  // 4. Flows an administrator's rule already allows get no managed rule. Not in the tag layout:
  // which addresses a DAG rule covers is runtime state, so there is no destination to leave out.
  step = clock_.steadyNow();
  if (options_.layout != policy::Layout::Tag) {
    if (auto ok = checkFlows(firewall_, *loaded.desired, *rulebase, options_, loaded.checked,
                             loaded.allowed, report);
        !ok) {
      return ok;
    }
  }
  report.timings.check = since(step);
  if (report.flows_checked > 0) {
    spdlog::info("event=already_allowed_check flows={} allowed={} tests={} untested={} ms={}",
                 report.flows_checked, report.flows_allowed, report.policy_match_tests,
                 report.untested_flows, report.timings.check.count());
  }

  // 5. The difference. A dry run needs the desired rules no more: moved into the plan, not
  // copied (apply mode may plan again from them after taking the hold).
  auto plan = mode == Mode::Plan
                  ? policy::plan(std::move(*loaded.desired), *rulebase, loaded.allowed, options_)
                  : policy::plan(*loaded.desired, *rulebase, loaded.allowed, options_);
  if (!plan) return std::unexpected(plan.error().withContext("planning"));
  policy::annotate(*plan, engine_options_.events, *loaded.merged, options_, run_time_);
  for (const auto& warning : plan->warnings)
    spdlog::warn("event=plan_warning text=\"{}\"", warning);
  spdlog::info("event=planned changes={} add={} edit={} move={} delete={}", plan->changeCount(),
               plan->add_rules.size(), plan->edit_rules.size(), plan->move_rules.size(),
               plan->delete_rules.size());
  report.plan = std::move(*plan);
  // Tag layout: the registrations to send (read-only here; a dry run sends nothing).
  policy::Mappings registered;
  if (usesRegistrations(*rulebase, options_)) {
    if (auto ok = planRegistrationsNow(*loaded.merged, *rulebase, mode, report, registered); !ok) {
      return ok;
    }
  }
  const bool nothing_to_do =
      report.plan.empty() && (!report.registrations || report.registrations->changes.empty());
  if (mode == Mode::Plan) return {};
  if (mode == Mode::Verify) {
    // Every desired rule's sample flow must be enforced on the firewall as it is now. Services
    // the plan would add are looked up among the desired ones.
    auto lookup = *rulebase;
    for (const auto& d : loaded.desired->rules) {
      if (d.service) lookup.services.push_back(*d.service);
    }
    std::vector<policy::ProofFlow> items;
    std::vector<policy::ProofResult> unprovable;
    for (const auto& d : loaded.desired->rules) {
      auto flow = options_.layout == policy::Layout::Tag
                      ? tagSampleFlow(d, lookup, options_)
                      : policy::sampleFlow(d.rule, lookup, options_);
      if (flow) {
        items.push_back({policy::ProofFlow::Kind::Intended, d.rule.name, std::move(*flow)});
      } else {
        policy::ProofResult result;
        result.item.rule = d.rule.name;
        result.reason = "no sample flow can be made from the rule";
        unprovable.push_back(std::move(result));
      }
    }
    prove(std::move(items), std::move(unprovable), *rulebase, {}, report);
    return {};
  }

  // 6. Apply mode: hold the firewall when there is something to write or to clean up.
  bool leftovers = !report.pending.empty();
  if (nothing_to_do && !leftovers) {
    // A deletion leaves no mark: changes pending that no mark explains may be a stopped run's.
    auto unmarked = firewall_.unmarkedChangesPending();
    if (!unmarked) return std::unexpected(unmarked.error());
    leftovers = *unmarked;
  }
  if (nothing_to_do && !leftovers) return {};
  if (auto ok = enoughTimeToWrite(deadline_, clock_, report.plan.changeCount()); !ok) {
    return ok;
  }
  return applyHolding(batch, loaded, report);
}

Status Engine::applyHolding(const Batch& batch, Loaded& loaded, RunReport& report) {
  const auto step = clock_.steadyNow();
  auto held = firewall_.hold();
  if (!held) return std::unexpected(held.error());
  auto& hold = **held;
  auto finish = [&](Status status) -> Status {
    report.hold = hold.report();
    if (auto released = hold.release(); !released) {
      spdlog::warn("event=hold_release_failed error=\"{}\"", to_string(released.error()));
    }
    report.hold = hold.report();
    report.timings.apply = duration_cast<milliseconds>(clock_.steadyNow() - step);
    return status;
  };

  // Holding the firewall: what is in it now is the last run's committed work, plus leftovers of
  // this administrator that no live run owns any more.
  auto rulebase = firewall_.readRulebase();
  if (!rulebase) {
    return finish(
        std::unexpected(rulebase.error().withContext("reading the firewall's rulebase again")));
  }
  bool revert = !firewall_.pendingChanges().empty();
  if (!revert && report.pending.empty()) {
    auto unmarked = firewall_.unmarkedChangesPending();
    if (!unmarked) return finish(std::unexpected(unmarked.error()));
    revert = *unmarked;
  }
  if (revert) {
    if (auto reverted = firewall_.revertLeftovers(hold); !reverted) {
      return finish(std::unexpected(reverted.error().withContext(
          "reverting uncommitted changes a stopped run left (nothing of this run was written)")));
    }
    report.leftovers_reverted = true;
    rulebase = firewall_.readRulebase();
    if (!rulebase) {
      return finish(
          std::unexpected(rulebase.error().withContext("reading the firewall's rulebase again")));
    }
  }
  if (auto ok = checkRulebase(*rulebase, report); !ok) return finish(ok);
  if (auto ok = load(batch, *rulebase, loaded, report); !ok) return finish(ok);
  if (options_.layout != policy::Layout::Tag) {
    if (auto ok = checkFlows(firewall_, *loaded.desired, *rulebase, options_, loaded.checked,
                             loaded.allowed, report);
        !ok) {
      return finish(ok);
    }
  }
  auto plan = policy::plan(std::move(*loaded.desired), *rulebase, loaded.allowed, options_);
  loaded.desired.reset();
  if (!plan) return finish(std::unexpected(plan.error().withContext("planning")));
  policy::annotate(*plan, engine_options_.events, *loaded.merged, options_, run_time_);
  if (*plan != report.plan) {
    report.replanned = true;
    spdlog::info("event=replanned changes={} note=\"the firewall changed while this run waited\"",
                 plan->changeCount());
  }
  report.plan = std::move(*plan);
  policy::Mappings registered;
  if (usesRegistrations(*rulebase, options_)) {
    if (auto ok = planRegistrationsNow(*loaded.merged, *rulebase, Mode::Apply, report, registered);
        !ok) {
      return finish(ok);
    }
  }
  const bool registrations_pending = report.registrations && !report.registrations->changes.empty();
  if (report.plan.empty() && !registrations_pending) return finish({});

  // The hold may have been waited for: is there still time to write and commit?
  if (auto ok = enoughTimeToWrite(deadline_, clock_, report.plan.changeCount()); !ok) {
    return finish(ok);
  }
  if (report.registrations) return finish(applyTagLayout(*rulebase, registered, hold, report));
  panos::ApplyReport applied;
  applied.lock_wait = hold.report().waited;
  auto status = firewall_.apply(report.plan, hold, applied);
  report.applied = std::move(applied);
  if (!status) return finish(std::unexpected(status.error().withContext("applying the plan")));
  spdlog::info("event=applied write_requests={} multi_config={} commit_job={} commit_ms={}",
               report.applied->write_requests, report.applied->multi_config,
               report.applied->commit_job ? *report.applied->commit_job : 0,
               report.applied->commit_duration.count());
  auto status_after = finish({});
  if (engine_options_.prove && report.applied->committed) {
    // The hold is released: the proof only reads. Asked of the running configuration, which now
    // holds this commit.
    const auto after = policy::applyPlan(*rulebase, report.plan);
    std::vector<policy::ProofResult> unprovable;
    auto items = policy::proofFlows(report.plan, *rulebase, after, options_, &unprovable);
    std::vector<std::string> deleted;
    for (const auto& rule : report.plan.delete_rules) deleted.push_back(rule.name);
    prove(std::move(items), std::move(unprovable), after, deleted, report);
  }
  return status_after;
}

Status Engine::planRegistrationsNow(const inventory::Inventory& inventory,
                                    const policy::Rulebase& rulebase, Mode mode, RunReport& report,
                                    policy::Mappings& registered) {
  auto read = firewall_.readRegistrations();
  if (!read) {
    return std::unexpected(read.error().withContext("reading the firewall's registered addresses"));
  }
  registered = std::move(*read);
  const auto after = policy::applyPlan(rulebase, report.plan);
  auto planned = planRegistrations(inventory, registered, after, options_,
                                   options_.max_registered_ips, mode != Mode::Verify);
  if (!planned) return std::unexpected(planned.error());
  const auto& c = planned->changes;
  spdlog::info(
      "event=registrations_planned desired={} registered={} others={} added={} refreshed={} "
      "removed={} leaving={}",
      planned->desired, planned->registered, planned->others, c.added, c.refreshed, c.removed,
      planned->leaving);
  report.registrations = std::move(*planned);
  report.migration.reset();
  auto old = migratedRules(report.plan, options_);
  if (!old.empty()) {
    report.migration = MigrationReport{};
    report.migration->old_rules = std::move(old);
  }
  return {};
}

namespace {

// The intended flows of the tag-layout rules a plan adds or changes, to addresses that carry
// their group's tag on the firewall now.
std::vector<policy::ProofFlow> tagIntended(const policy::Plan& plan, const TagSamples& registered,
                                           const policy::Rulebase& after,
                                           const policy::Options& options,
                                           std::vector<policy::ProofResult>& unprovable) {
  std::vector<policy::ProofFlow> items;
  auto add = [&](const policy::SecurityRule& rule) {
    if (auto flow = tagSampleFlow(rule, registered, after, options)) {
      items.push_back({policy::ProofFlow::Kind::Intended, rule.name, std::move(*flow)});
    } else {
      policy::ProofResult result;
      result.item.rule = rule.name;
      result.reason = "no address carries the rule's group now: nothing to ask";
      unprovable.push_back(std::move(result));
    }
  };
  for (const auto& rule : plan.add_rules) add(rule);
  for (const auto& edit : plan.edit_rules) add(edit.after);
  return items;
}

// Rules of the plan named `names` (deleted rules of the old layout).
policy::Plan secondMigrationStep(const policy::Plan& plan, const std::vector<std::string>& names) {
  policy::Plan second;
  second.placement = plan.placement;
  second.origin = plan.origin;
  for (const auto& rule : plan.delete_rules) {
    if (std::find(names.begin(), names.end(), rule.name) != names.end()) {
      second.delete_rules.push_back(rule);
    }
  }
  second.delete_services = plan.delete_services;
  second.delete_address_groups = plan.delete_address_groups;
  second.delete_tag = plan.delete_tag;
  return second;
}

}  // namespace

Status Engine::applyTagLayout(const policy::Rulebase& rulebase, const policy::Mappings& registered,
                              panos::Hold& hold, RunReport& report) {
  auto& regs = *report.registrations;
  auto send = [&]() -> Status {
    if (regs.changes.empty()) return {};
    panos::RegistrationReport sent;
    auto status = firewall_.sendRegistrations(regs.changes, options_.registration_timeout_seconds,
                                              hold, sent);
    regs.sent = sent;
    spdlog::info("event=registered requests={} registered={} unregistered={} ignored={} ok={}",
                 sent.requests, sent.registered, sent.unregistered, sent.ignored, sent.sent);
    if (!status) {
      return std::unexpected(
          status.error().withContext("sending the registrations through the User-ID API"));
    }
    report.outcome.registered = true;
    return {};
  };
  // 1. In the tag layout registrations go first: a DAG rule committed now has its members.
  if (!regs.leaving) {
    if (auto ok = send(); !ok) return ok;
  }
  const auto registered_now =
      tagSamples(regs.leaving ? registered : withChanges(registered, regs.changes), options_);
  auto apply = [&](const policy::Plan& plan, panos::ApplyReport& applied) -> Status {
    applied.lock_wait = hold.report().waited;
    auto status = firewall_.apply(plan, hold, applied);
    if (!status) return std::unexpected(status.error());
    spdlog::info("event=applied write_requests={} multi_config={} commit_job={} commit_ms={}",
                 applied.write_requests, applied.multi_config,
                 applied.commit_job ? *applied.commit_job : 0, applied.commit_duration.count());
    return {};
  };
  policy::Rulebase after = rulebase;
  std::vector<std::string> deleted;
  std::vector<policy::ProofFlow> items;
  std::vector<policy::ProofResult> unprovable;
  if (!report.plan.empty() && report.migration) {
    // 2a. Migration, step 1: the DAG rules beside the old ones, committed and proven.
    auto& migration = *report.migration;
    const auto first = firstMigrationStep(report.plan, migration.old_rules);
    if (!first.empty()) {
      panos::ApplyReport first_applied;
      auto status = apply(first, first_applied);
      migration.first_step = first_applied;
      if (!status) {
        return std::unexpected(status.error().withContext(
            "migrating to the tag layout, step 1 (the DAG rules beside the old rules)"));
      }
    }
    after = policy::applyPlan(rulebase, first);
    // The tag rules standing in for the old rules: those of the old rules' groups (all of them
    // when instance rules go).
    std::set<std::string, std::less<>> owners;
    bool instance_rules = false;
    for (const auto& name : migration.old_rules) {
      const auto owner = policy::managedRuleOwner(name);
      if (owner && owner->starts_with("sg-")) {
        owners.emplace(*owner);
      } else {
        instance_rules = true;
      }
    }
    for (const auto& rule : after.rules) {
      if (!policy::isManagedRule(rule, options_.managed_tag) || !policy::isTagRuleName(rule.name)) {
        continue;
      }
      const auto owner = policy::managedRuleOwner(rule.name);
      if (!instance_rules && !owners.contains(*owner)) continue;
      if (auto flow = tagSampleFlow(rule, registered_now, after, options_)) {
        items.push_back({policy::ProofFlow::Kind::Intended, rule.name, std::move(*flow)});
      }
    }
    std::vector<policy::Flow> flows;
    for (const auto& item : items) flows.push_back(item.flow);
    auto answers = firewall_.matchFlowsAll(flows);
    if (!answers) {
      return std::unexpected(answers.error().withContext(
          "migrating to the tag layout: the old rules stay until the firewall shows that the new "
          "rules admit their flows; asking it"));
    }
    policy::Proof proof;
    proof.tests = answers->tests;
    std::set<std::string, std::less<>> unproven_owners;  // an old rule of these groups stays
    for (std::size_t i = 0; i < items.size(); ++i) {
      policy::ProofResult result;
      if (!answers->matches[i]) {
        result.item = items[i];
        result.reason = "not asked: over the bound of tests per run (the next run asks it)";
      } else {
        result = judgeBeside(items[i], *answers->matches[i], after);
      }
      if (result.verdict != policy::Verdict::Enforced) {
        unproven_owners.emplace(*policy::managedRuleOwner(items[i].rule));
      }
      proof.results.push_back(std::move(result));
    }
    proof.unproven = static_cast<int>(
        std::count_if(proof.results.begin(), proof.results.end(),
                      [](const auto& r) { return r.verdict == policy::Verdict::Unproven; }));
    migration.first_proof = proof;
    // 2b. Step 2: the old rules whose stand-ins are shown to work go (instance rules only when
    // every stand-in is); the others stay for the next run, so no flow is closed.
    std::vector<std::string> going;
    std::vector<std::string> staying;
    for (const auto& name : migration.old_rules) {
      const auto owner = policy::managedRuleOwner(name);
      const bool proven = owner && owner->starts_with("sg-") ? !unproven_owners.contains(*owner)
                                                             : unproven_owners.empty();
      (proven ? going : staying).push_back(name);
    }
    spdlog::info(
        "event=migration_step1 rules_added={} flows={} not_enforced={} unproven={} "
        "old_rules_going={} old_rules_staying={}",
        first.add_rules.size(), proof.results.size(), proof.notEnforced(), proof.unproven,
        going.size(), staying.size());
    if (!going.empty()) {
      auto second = secondMigrationStep(report.plan, going);
      if (!staying.empty()) {
        second.delete_services.clear();  // rules that stay may use them
        second.delete_tag.reset();
      }
      panos::ApplyReport second_applied;
      auto status = apply(second, second_applied);
      report.applied = second_applied;
      if (!status) {
        return std::unexpected(status.error().withContext(
            "migrating to the tag layout, step 2 (deleting the old rules; step 1 stays "
            "committed)"));
      }
      after = policy::applyPlan(after, second);
    }
    migration.completed = staying.empty();
    if (!staying.empty()) {
      std::string first_failure;
      for (const auto& r : proof.results) {
        if (r.verdict == policy::Verdict::Enforced) continue;
        first_failure = fmt::format("{} ({} -> {}): {}", r.item.rule, r.item.flow.source.toString(),
                                    r.item.flow.destination.toString(), r.reason);
        break;
      }
      return fail(ErrorCode::Conflict,
                  fmt::format("migrating to the tag layout: {} old rule(s) stay because the "
                              "firewall does not show their DAG rules admitting their flows "
                              "(first: {}); no flow was closed; the next run tries again",
                              staying.size(), first_failure));
    }
  } else if (!report.plan.empty()) {
    // 2. One write and one commit, as in the other layouts.
    panos::ApplyReport applied;
    auto status = apply(report.plan, applied);
    report.applied = applied;
    if (!status) return std::unexpected(status.error().withContext("applying the plan"));
    after = policy::applyPlan(rulebase, report.plan);
    items = tagIntended(report.plan, registered_now, after, options_, unprovable);
    const auto removed = policy::proofFlows(report.plan, rulebase, after, options_, nullptr);
    for (const auto& item : removed) {
      if (item.kind == policy::ProofFlow::Kind::Removed) items.push_back(item);
    }
    for (const auto& rule : report.plan.delete_rules) deleted.push_back(rule.name);
  }
  // 3. Leaving the tag layout: trailwall's registrations go once no managed DAG is left.
  if (regs.leaving) {
    if (report.applied && !report.applied->committed) return {};
    if (auto ok = send(); !ok) return ok;
  }
  // 4. Proof: the rules written (and, for a migration, all of them once the old ones are gone).
  if (engine_options_.prove && report.applied && report.applied->committed) {
    prove(std::move(items), std::move(unprovable), after, deleted, report);
  }
  return {};
}

void Engine::prove(std::vector<policy::ProofFlow> items,
                   std::vector<policy::ProofResult> unprovable, const policy::Rulebase& after,
                   const std::vector<std::string>& deleted, RunReport& report) {
  const auto step = clock_.steadyNow();
  policy::Proof proof;
  std::vector<policy::Flow> flows;
  flows.reserve(items.size());
  for (const auto& item : items) flows.push_back(item.flow);
  auto answers = firewall_.matchFlows(flows);
  if (!answers) {
    proof.error = to_string(answers.error());
    spdlog::warn("event=proof_failed error=\"{}\"", proof.error);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& match = answers ? answers->matches[i] : std::nullopt;
    if (!match) {
      policy::ProofResult result;
      result.item = std::move(items[i]);
      result.reason = answers ? "not asked: over the bound of tests per run "
                                "(firewall.max_policy_match_tests)"
                              : "not asked: the firewall could not be asked";
      proof.results.push_back(std::move(result));
      continue;
    }
    std::vector<policy::RuleHit> hits;
    for (const auto& m : *match) hits.push_back({m.name, m.action});
    proof.results.push_back(policy::judge(items[i], hits, after, deleted, options_));
  }
  for (auto& result : unprovable) proof.results.push_back(std::move(result));
  proof.tests = answers ? answers->tests : 0;
  proof.unproven =
      static_cast<int>(std::count_if(proof.results.begin(), proof.results.end(), [](const auto& r) {
        return r.verdict == policy::Verdict::Unproven;
      }));
  for (const auto& r : proof.results) {
    if (r.verdict != policy::Verdict::NotEnforced) continue;
    spdlog::warn("event=not_enforced rule={} flow=\"{} -> {}\" reason=\"{}\"", r.item.rule,
                 r.item.flow.source.toString(), r.item.flow.destination.toString(), r.reason);
  }
  report.proof_time = duration_cast<milliseconds>(clock_.steadyNow() - step);
  spdlog::info("event=proof flows={} tests={} not_enforced={} unproven={} ms={}",
               proof.results.size(), proof.tests, proof.notEnforced(), proof.unproven,
               report.proof_time.count());
  report.proof = std::move(proof);
}

}  // namespace trailwall::engine
