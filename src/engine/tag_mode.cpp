#include "engine/tag_mode.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "policy/naming.h"

namespace trailwall::engine {

bool usesRegistrations(const policy::Rulebase& rulebase, const policy::Options& options) {
  if (options.layout == policy::Layout::Tag) return true;
  return std::any_of(rulebase.address_groups.begin(), rulebase.address_groups.end(),
                     [&](const policy::AddressGroup& g) {
                       return policy::isManagedAddressGroup(g, options.managed_tag);
                     });
}

Result<RegistrationsReport> planRegistrations(const inventory::Inventory& inventory,
                                              const policy::Mappings& registered,
                                              const policy::Rulebase& after,
                                              const policy::Options& options,
                                              std::size_t max_registered_ips, bool may_refresh) {
  RegistrationsReport report;
  const std::string prefix = policy::registrationPrefix(options);
  for (const auto& [address, tags] : registered) {
    for (const auto& tag : tags) ++(tag.starts_with(prefix) ? report.registered : report.others);
  }
  if (options.layout != policy::Layout::Tag) {
    report.leaving = true;
    const bool dags_left =
        std::any_of(after.address_groups.begin(), after.address_groups.end(),
                    [&](const policy::AddressGroup& g) {
                      return policy::isManagedAddressGroup(g, options.managed_tag);
                    });
    if (!dags_left) report.changes = policy::unregisterAll(registered, options);
    return report;
  }
  auto desired = policy::desiredRegistrations(inventory, options);
  if (!desired) {
    return std::unexpected(desired.error().withContext("computing the registrations"));
  }
  for (const auto& [address, tags] : desired->mappings) report.desired += tags.size();
  report.refresh = may_refresh && desired->scope.everything;
  report.changes = policy::registrationChanges(*desired, registered, options, report.refresh);
  if (max_registered_ips > 0 && report.changes.addresses_after > max_registered_ips &&
      report.changes.added > 0) {
    return fail(
        ErrorCode::InvalidInput,
        fmt::format("registering {} new mappings would leave {} registered addresses on "
                    "the firewall, more than its maximum of {} "
                    "(firewall.max_registered_ips); nothing was registered",
                    report.changes.added, report.changes.addresses_after, max_registered_ips));
  }
  return report;
}

policy::Mappings withChanges(policy::Mappings registered,
                             const policy::RegistrationChanges& changes) {
  for (const auto& [address, tags] : changes.unregister_tags) {
    const auto it = registered.find(address);
    if (it == registered.end()) continue;
    for (const auto& tag : tags) it->second.erase(tag);
    if (it->second.empty()) registered.erase(it);
  }
  for (const auto& [address, tags] : changes.register_tags) {
    registered[address].insert(tags.begin(), tags.end());
  }
  return registered;
}

std::vector<std::string> migratedRules(const policy::Plan& plan, const policy::Options& options) {
  std::vector<std::string> old;
  if (options.layout != policy::Layout::Tag) return old;
  for (const auto& rule : plan.delete_rules) {
    if (!policy::isTagRuleName(rule.name)) old.push_back(rule.name);
  }
  return old;
}

policy::Plan firstMigrationStep(const policy::Plan& plan,
                                const std::vector<std::string>& old_rules) {
  policy::Plan first = plan;
  const std::unordered_set<std::string_view> old(old_rules.begin(), old_rules.end());
  std::erase_if(first.delete_rules,
                [&](const policy::SecurityRule& r) { return old.contains(r.name); });
  first.delete_services.clear();  // the old rules may still use them: step 2 decides
  first.delete_tag.reset();
  return first;
}

std::optional<policy::Flow> tagSampleFlow(const policy::DesiredRule& rule,
                                          const policy::Rulebase& rulebase,
                                          const policy::Options& options) {
  policy::SecurityRule copy = rule.rule;
  for (const auto& address : rule.match.destinations) {
    copy.destination = {address.toString()};
    if (auto flow = policy::sampleFlow(copy, rulebase, options)) return flow;
  }
  return std::nullopt;
}

TagSamples tagSamples(const policy::Mappings& registered, const policy::Options& options,
                      std::size_t per_tag) {
  TagSamples samples;
  const std::string prefix = policy::registrationPrefix(options);
  for (const auto& [address, tags] : registered) {
    for (const auto& tag : tags) {
      if (!tag.starts_with(prefix)) continue;
      auto& list = samples[tag];
      if (list.size() < per_tag) list.push_back(address);
    }
  }
  return samples;
}

std::optional<policy::Flow> tagSampleFlow(const policy::SecurityRule& rule,
                                          const TagSamples& samples,
                                          const policy::Rulebase& rulebase,
                                          const policy::Options& options) {
  const auto owner = policy::managedRuleOwner(rule.name);
  if (!owner) return std::nullopt;
  const auto it = samples.find(policy::groupTag(options, *owner));
  if (it == samples.end()) return std::nullopt;
  policy::SecurityRule copy = rule;
  for (const auto& address : it->second) {
    copy.destination = {address.toString()};
    if (auto flow = policy::sampleFlow(copy, rulebase, options)) return flow;
  }
  return std::nullopt;
}

policy::ProofResult judgeBeside(const policy::ProofFlow& item,
                                const std::vector<panos::MatchedRule>& matches,
                                const policy::Rulebase& after) {
  policy::ProofResult result;
  result.item = item;
  if (matches.empty()) {
    result.verdict = policy::Verdict::NotEnforced;
    result.reason = "no rule matches the flow";
    return result;
  }
  const auto& first = matches.front();
  std::string action = first.action;
  if (action.empty()) {
    if (const auto* rule = after.findRule(first.name)) action = rule->action;
  }
  result.matched_rule = first.name;
  result.matched_action = action;
  const bool among = std::any_of(matches.begin(), matches.end(),
                                 [&](const panos::MatchedRule& m) { return m.name == item.rule; });
  if (action != "allow") {
    result.verdict = policy::Verdict::NotEnforced;
    result.reason = fmt::format("rule '{}' ({}) decides the flow", first.name, action);
  } else if (!among) {
    result.verdict = policy::Verdict::NotEnforced;
    result.reason = fmt::format(
        "rule '{}' does not match the flow (its dynamic address group has "
        "no such member yet)",
        item.rule);
  } else {
    result.verdict = policy::Verdict::Enforced;
    result.reason =
        fmt::format("rule '{}' matches the flow, and '{}' allows it", item.rule, first.name);
  }
  return result;
}

}  // namespace trailwall::engine
