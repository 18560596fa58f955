#include "engine/engine.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/stale_owners.h"
#include "policy/desired.h"
#include "policy/flows.h"

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

std::string describeTarget(const Target& target) {
  if (target.account.empty() && target.region.empty()) return "the default account and region";
  return fmt::format("account {} region {}", target.account.empty() ? "(default)" : target.account,
                     target.region.empty() ? "(default)" : target.region);
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

Result<RunReport> Engine::run(const Batch& batch, Mode mode) {
  return run(batch, mode, std::nullopt);
}

Result<RunReport> Engine::run(const Batch& batch, Mode mode,
                              const std::optional<Deadline>& deadline) {
  RunReport report;
  report.mode = mode;
  const auto started = clock_.steadyNow();
  auto since = [this](std::chrono::steady_clock::time_point t) {
    return duration_cast<milliseconds>(clock_.steadyNow() - t);
  };

  bool anything = false;
  for (const auto& [target, scope] : batch) anything = anything || !scope.empty();
  if (!anything) {
    report.nothing_in_scope = true;
    spdlog::info(
        "event=run scope=empty note=\"nothing to look at: no AWS call, no firewall request\"");
    return report;
  }

  // 1. The firewall's rulebase: the plan's other side, and a guide to what else to load.
  auto step = clock_.steadyNow();
  auto rulebase = firewall_.readRulebase();
  if (!rulebase) {
    return std::unexpected(rulebase.error().withContext("reading the firewall's rulebase"));
  }
  report.timings.read_firewall = since(step);
  spdlog::info("event=rulebase_read rules={} services={} ms={}", rulebase->rules.size(),
               rulebase->services.size(), report.timings.read_firewall.count());

  // 2. The AWS truth for the batch's scope, widened to the groups whose rules still name the
  // scope's addresses (stale_owners.h).
  step = clock_.steadyNow();
  std::optional<inventory::Inventory> inventory;
  for (const auto& [target, asked] : batch) {
    if (asked.empty()) continue;
    auto load = [&](const inventory::Scope& scope) -> Result<LoadedInventory> {
      auto loaded = inventory_.load(target, scope);
      if (!loaded) {
        return std::unexpected(
            loaded.error().withContext("loading the AWS inventory of " + describeTarget(target)));
      }
      report.aws_calls += loaded->aws_calls;
      if (!loaded->calls_summary.empty()) {
        report.aws_call_summaries.push_back(loaded->calls_summary);
      }
      if (loaded->widened) report.widened.push_back(loaded->widened_because);
      return loaded;
    };
    auto loaded = load(asked);
    if (!loaded) return std::unexpected(loaded.error());
    const auto widening = staleOwners(loaded->inventory, asked, *rulebase, options_);
    if (!widening.extra.empty()) {
      for (const auto& reason : widening.reasons) {
        spdlog::info("event=scope_widened reason=\"{}\"", reason);
        report.widened.push_back(reason);
      }
      auto scope = asked;
      scope.merge(widening.extra);
      loaded = load(scope);
      if (!loaded) return std::unexpected(loaded.error());
    }
    ++report.targets;
    if (!inventory) {
      inventory = std::move(loaded->inventory);
    } else {
      mergeInventory(*inventory, std::move(loaded->inventory));
    }
  }
  report.timings.load = since(step);
  report.instances = inventory->instances.size();
  report.security_groups = inventory->security_groups.size();
  report.gone = inventory->gone.size();
  spdlog::info(
      "event=inventory_loaded targets={} aws_calls={} instances={} groups={} gone={} ms={}",
      report.targets, report.aws_calls, report.instances, report.security_groups, report.gone,
      report.timings.load.count());

  // 3. What should exist.
  auto desired = policy::desiredRules(*inventory, options_);
  if (!desired) return std::unexpected(desired.error().withContext("computing the desired rules"));
  report.desired_rules = desired->rules.size();

  // 4. Flows an administrator's rule already allows get no managed rule.
  step = clock_.steadyNow();
  policy::FlowSet allowed;
  const auto flows = policy::flowsToCheck(*desired, *rulebase, options_);
  report.flows_checked = flows.size();
  if (!flows.empty()) {
    auto checked = firewall_.alreadyAllowed(flows);
    if (!checked) {
      return std::unexpected(
          checked.error().withContext("checking which flows the firewall already allows"));
    }
    allowed = std::move(checked->allowed);
    report.policy_match_tests = checked->tests;
    report.untested_flows = checked->untested;
  }
  report.flows_allowed = allowed.size();
  report.timings.check = since(step);
  if (!flows.empty()) {
    spdlog::info("event=already_allowed_check flows={} allowed={} tests={} untested={} ms={}",
                 report.flows_checked, report.flows_allowed, report.policy_match_tests,
                 report.untested_flows, report.timings.check.count());
  }

  // 5. The difference, and (apply mode) one write and one commit.
  auto plan = policy::plan(std::move(*desired), *rulebase, allowed, options_);
  if (!plan) return std::unexpected(plan.error().withContext("planning"));
  for (const auto& warning : plan->warnings)
    spdlog::warn("event=plan_warning text=\"{}\"", warning);
  spdlog::info("event=planned changes={} add={} edit={} move={} delete={}", plan->changeCount(),
               plan->add_rules.size(), plan->edit_rules.size(), plan->move_rules.size(),
               plan->delete_rules.size());

  if (mode == Mode::Apply && !plan->empty()) {
    step = clock_.steadyNow();
    if (deadline && step + deadline->write_budget > deadline->at) {
      const auto left = duration_cast<milliseconds>(deadline->at - step);
      spdlog::warn("event=deadline_too_close left_ms={} write_budget_ms={} changes={}",
                   left.count(), deadline->write_budget.count(), plan->changeCount());
      return fail(ErrorCode::Timeout,
                  fmt::format("not writing {} changes: {} ms left before the deadline, and a "
                              "write and commit are given {} ms; nothing was written",
                              plan->changeCount(), std::max<long long>(left.count(), 0),
                              deadline->write_budget.count()));
    }
    auto applied = firewall_.apply(*plan);
    report.timings.apply = since(step);
    if (!applied) return std::unexpected(applied.error().withContext("applying the plan"));
    spdlog::info("event=applied write_requests={} multi_config={} commit_job={} commit_ms={}",
                 applied->write_requests, applied->multi_config,
                 applied->commit_job ? *applied->commit_job : 0, applied->commit_duration.count());
    report.applied = std::move(*applied);
  }
  report.plan = std::move(*plan);
  report.firewall_requests = firewall_.requestCounts();
  report.timings.total = since(started);
  return report;
}

}  // namespace trailwall::engine
