#include "engine/stale_owners.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "net/address.h"
#include "policy/naming.h"

namespace trailwall::engine {
namespace {

void addAddresses(const inventory::NetworkInterface& eni,
                  std::unordered_set<net::IpAddress>& addresses) {
  if (eni.primary_ipv4) addresses.insert(*eni.primary_ipv4);
  addresses.insert(eni.secondary_ipv4.begin(), eni.secondary_ipv4.end());
  addresses.insert(eni.ipv6_addresses.begin(), eni.ipv6_addresses.end());
}

bool namesAnyOf(const policy::SecurityRule& rule,
                const std::unordered_set<net::IpAddress>& addresses) {
  for (const auto& member : rule.destination) {
    const auto range = net::parseAddressSpec(member);
    if (!range) continue;  // "any", an address object: not something trailwall writes
    if (range->first() == range->last() && addresses.contains(range->first())) return true;
  }
  return false;
}

}  // namespace

Widening staleOwners(const inventory::Inventory& loaded, const inventory::Scope& scope,
                     const policy::Rulebase& rulebase, const policy::Options& options) {
  Widening widening;
  if (scope.everything || options.layout == policy::Layout::Instance) {
    // Everything is reloaded anyway; in the instance layout an instance owns its own rules.
    return widening;
  }

  // The addresses the scope's instances and ENIs hold now.
  std::unordered_set<net::IpAddress> addresses;
  std::map<std::string, std::size_t> enis_of_instance;
  for (const auto& eni : loaded.network_interfaces) {
    const std::string instance = eni.attachment ? eni.attachment->instance_id : std::string();
    const bool named = scope.network_interface_ids.contains(eni.id) ||
                       (!instance.empty() && scope.instance_ids.contains(instance));
    if (!named) continue;
    addAddresses(eni, addresses);
    if (!instance.empty()) ++enis_of_instance[instance];
  }

  // Instances whose addresses are unknown now: their whole VPC is looked at.
  for (const auto& id : scope.instance_ids) {
    if (enis_of_instance.contains(id)) continue;
    const auto instance = std::ranges::find(loaded.instances, id, &inventory::Instance::id);
    if (instance != loaded.instances.end() && !instance->vpc_id.empty()) {
      if (widening.extra.vpc_ids.insert(instance->vpc_id).second) {
        widening.reasons.push_back(
            fmt::format("instance {} has no network interface left: its VPC {} is looked at whole",
                        id, instance->vpc_id));
      }
    } else if (!widening.extra.everything) {
      widening.extra.everything = true;
      widening.reasons.push_back(
          fmt::format("instance {} is gone and its VPC unknown: everything is looked at", id));
    }
  }

  // Groups whose managed rules still name those addresses but were not loaded.
  if (!addresses.empty()) {
    for (const auto& rule : rulebase.rules) {
      if (!policy::isManagedRule(rule, options.managed_tag)) continue;
      const auto owner = policy::managedRuleOwner(rule.name);
      if (!owner || !owner->starts_with("sg-")) continue;
      const std::string group(*owner);
      if (loaded.coverage.coversGroup(group) || widening.extra.group_ids.contains(group)) continue;
      if (!namesAnyOf(rule, addresses)) continue;
      widening.extra.group_ids.insert(group);
      widening.reasons.push_back(fmt::format(
          "rule {} names an address of the scope, so group {} is looked at too", rule.name, group));
    }
  }
  return widening;
}

}  // namespace trailwall::engine
