#pragma once
// Events name instances and ENIs, but the rules they change belong to security groups (group
// layout): when an ENI leaves a group, or an instance is terminated, the event does not say
// which groups' rules still list its addresses. This finds them from the firewall's managed
// rules, so a scoped run reloads those groups too instead of leaving a stale destination (whose
// address AWS may hand to another instance) until the next full reconcile.

#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "inventory/scope.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::engine {

struct Widening {
  inventory::Scope extra;            // what to load in addition to the scope
  std::vector<std::string> reasons;  // for the run report
};

// `loaded` is the inventory of `scope`; `rulebase` the firewall's. Instances of the scope that
// are gone or have no network interface left (terminated) have unknown addresses: their VPC is
// reloaded whole (or everything, when the VPC is unknown too).
[[nodiscard]] Widening staleOwners(const inventory::Inventory& loaded,
                                   const inventory::Scope& scope, const policy::Rulebase& rulebase,
                                   const policy::Options& options);

}  // namespace trailwall::engine
