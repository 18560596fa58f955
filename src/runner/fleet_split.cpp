#include "runner/fleet_split.h"

#include <algorithm>

namespace trailwall::runner {
namespace {

std::set<std::string> allNames(std::span<const FleetMember> fleet) {
  std::set<std::string> out;
  for (const auto& member : fleet) out.insert(member.name);
  return out;
}

// Adds the VPC of each id in `ids` found by `find`; false when one is not found.
template <class Items, class Match>
bool resolveIds(const std::set<std::string>& ids, const Items& items, Match match,
                std::set<std::string>& vpcs) {
  bool complete = true;
  for (const auto& id : ids) {
    bool found = false;
    for (const auto& item : items) {
      if (!match(item, id)) continue;
      vpcs.insert(item.vpc_id);
      found = true;
    }
    complete = complete && found;
  }
  return complete;
}

}  // namespace

std::set<std::string> vpcsRoutedBy(const inventory::Inventory& inventory,
                                   const policy::Options& policy) {
  std::set<std::string> gateway(policy.gateway_eni_ids.begin(), policy.gateway_eni_ids.end());
  if (!policy.gateway_instance_id.empty()) {
    gateway.insert(policy.gateway_instance_id);
    for (const auto& instance : inventory.instances) {
      if (instance.id != policy.gateway_instance_id) continue;
      gateway.insert(instance.network_interface_ids.begin(), instance.network_interface_ids.end());
    }
    for (const auto& eni : inventory.network_interfaces) {
      if (eni.attachment && eni.attachment->instance_id == policy.gateway_instance_id) {
        gateway.insert(eni.id);
      }
    }
  }
  std::set<std::string> out;
  if (gateway.empty()) return out;
  for (const auto& table : inventory.route_tables) {
    const bool routed = std::ranges::any_of(table.routes, [&](const inventory::Route& route) {
      return route.isDefault() &&
             ((!route.instance_id.empty() && gateway.contains(route.instance_id)) ||
              (!route.network_interface_id.empty() &&
               gateway.contains(route.network_interface_id)));
    });
    if (routed) out.insert(table.vpc_id);
  }
  return out;
}

bool scopeVpcs(const inventory::Scope& scope, const inventory::Inventory& inv,
               std::set<std::string>& vpcs) {
  if (scope.everything) return false;
  const auto by_id = [](const auto& item, const std::string& id) { return item.id == id; };
  bool complete = true;
  for (const auto& id : scope.vpc_ids) {
    vpcs.insert(id);
    complete = complete && std::ranges::any_of(inv.vpcs, [&](const auto& v) { return v.id == id; });
  }
  complete = resolveIds(scope.instance_ids, inv.instances, by_id, vpcs) && complete;
  complete = resolveIds(scope.group_ids, inv.security_groups, by_id, vpcs) && complete;
  complete =
      resolveIds(
          scope.group_names, inv.security_groups,
          [](const auto& group, const std::string& name) { return group.name == name; }, vpcs) &&
      complete;
  complete =
      resolveIds(scope.network_interface_ids, inv.network_interfaces, by_id, vpcs) && complete;
  complete = resolveIds(
                 scope.network_interface_attachment_ids, inv.network_interfaces,
                 [](const auto& eni, const std::string& id) {
                   return eni.attachment && eni.attachment->attachment_id == id;
                 },
                 vpcs) &&
             complete;
  complete = resolveIds(scope.subnet_ids, inv.subnets, by_id, vpcs) && complete;
  complete = resolveIds(scope.route_table_ids, inv.route_tables, by_id, vpcs) && complete;
  complete = resolveIds(
                 scope.route_table_association_ids, inv.route_tables,
                 [](const auto& table, const std::string& id) {
                   return std::ranges::any_of(table.associations,
                                              [&](const auto& a) { return a.id == id; });
                 },
                 vpcs) &&
             complete;
  // A prefix list reaches the firewalls through the groups that reference it.
  for (const auto& id : scope.prefix_list_ids) {
    bool found = false;
    for (const auto& group : inv.security_groups) {
      for (const auto& permission : group.ingress) {
        if (std::ranges::any_of(permission.prefix_lists,
                                [&](const auto& p) { return p.prefix_list_id == id; })) {
          vpcs.insert(group.vpc_id);
          found = true;
        }
      }
    }
    complete = complete && found;
  }
  return complete;
}

std::set<std::string> firewallsTouched(const inventory::Scope& scope,
                                       const inventory::Inventory& inventory,
                                       std::span<const FleetMember> fleet) {
  if (scope.empty()) return {};
  if (fleet.size() == 1) return allNames(fleet);
  std::set<std::string> vpcs;
  if (!scopeVpcs(scope, inventory, vpcs)) return allNames(fleet);
  std::set<std::string> out;
  std::set<std::string> routed_somewhere;
  for (const auto& member : fleet) {
    const auto routed = vpcsRoutedBy(inventory, member.policy);
    routed_somewhere.insert(routed.begin(), routed.end());
    if (std::ranges::any_of(vpcs, [&](const std::string& v) { return routed.contains(v); })) {
      out.insert(member.name);
    }
  }
  const bool unrouted = std::ranges::any_of(
      vpcs, [&](const std::string& v) { return !routed_somewhere.contains(v); });
  return unrouted ? allNames(fleet) : out;
}

}  // namespace trailwall::runner
