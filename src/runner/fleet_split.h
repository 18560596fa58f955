#pragma once
// Splitting a batch by gateway (issue 13, DESIGN §6): which firewalls of the fleet a delivery's
// changes touch, decided from the batch's inventory. A firewall is touched when its gateway (the
// instance or one of its ENIs) is the target of a default route of a route table in a VPC that
// the scope names or resolves to. When that cannot be told, every firewall is touched, so a
// failure never acknowledges work that may be missing: a full reconcile, an id the inventory
// does not hold (terminated, deleted), or a VPC that no firewall routes (rules may have to go
// wherever they are). Pure: no I/O.

#include <set>
#include <span>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "inventory/scope.h"
#include "policy/options.h"

namespace trailwall::runner {

// One firewall of the fleet as the runner sees it: its name and its policy (with its gateway).
struct FleetMember {
  std::string name;
  policy::Options policy;
};

// The VPCs in `inventory` with a default route (0.0.0.0/0 or ::/0) to `policy`'s gateway.
[[nodiscard]] std::set<std::string> vpcsRoutedBy(const inventory::Inventory& inventory,
                                                 const policy::Options& policy);

// The VPCs `scope` names or resolves to in `inventory`; false when some id does not resolve
// (or the scope is everything), so the answer is not complete.
[[nodiscard]] bool scopeVpcs(const inventory::Scope& scope, const inventory::Inventory& inventory,
                             std::set<std::string>& vpcs);

// The names of the firewalls of `fleet` that `scope` touches (see above). An empty scope touches
// none; a fleet of one is touched by every non-empty scope.
[[nodiscard]] std::set<std::string> firewallsTouched(const inventory::Scope& scope,
                                                     const inventory::Inventory& inventory,
                                                     std::span<const FleetMember> fleet);

}  // namespace trailwall::runner
