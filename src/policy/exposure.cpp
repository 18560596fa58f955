#include "policy/exposure.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace trailwall::policy {
namespace {

struct Routed {
  bool v4 = false;
  bool v6 = false;
};

class Router {
 public:
  Router(const inventory::Inventory& inv, const Options& options) {
    for (const auto& t : inv.route_tables) {
      for (const auto& a : t.associations) {
        if (a.main) main_.emplace(t.vpc_id, &t);
        if (!a.subnet_id.empty()) explicit_.emplace(a.subnet_id, &t);
      }
    }
    if (!options.gateway_instance_id.empty()) gateway_instance_ = options.gateway_instance_id;
    for (const auto& id : options.gateway_eni_ids) gateway_enis_.insert(id);
    for (const auto& eni : inv.network_interfaces) {
      if (eni.attachment && !gateway_instance_.empty() &&
          eni.attachment->instance_id == gateway_instance_) {
        gateway_enis_.insert(eni.id);
      }
    }
  }

  const inventory::RouteTable* table(const std::string& subnet_id,
                                     const std::string& vpc_id) const {
    if (const auto it = explicit_.find(subnet_id); it != explicit_.end()) return it->second;
    if (const auto it = main_.find(vpc_id); it != main_.end()) return it->second;
    return nullptr;
  }

  [[nodiscard]] bool isGatewayInstance(std::string_view id) const {
    return !gateway_instance_.empty() && id == gateway_instance_;
  }
  [[nodiscard]] bool isGatewayEni(const std::string& id) const {
    return gateway_enis_.contains(id);
  }

  // A blackhole route (its target instance is stopped or its ENI is gone) carries no traffic,
  // whatever it names; `warnings` says so when it names the gateway.
  [[nodiscard]] Routed routed(const inventory::RouteTable& t,
                              std::vector<std::string>& warnings) const {
    Routed r;
    for (const auto& route : t.routes) {
      if (!route.isDefault()) continue;
      const bool to_gateway =
          (!route.instance_id.empty() && isGatewayInstance(route.instance_id)) ||
          (!route.network_interface_id.empty() && isGatewayEni(route.network_interface_id));
      if (!to_gateway) continue;
      if (route.state != "active") {
        warnings.push_back(fmt::format(
            "{} sends {} to the gateway ({}) but the route is {} (its target is stopped or gone): "
            "the subnets it serves are not routed through the firewall",
            t.id, route.destination->toString(), route.targetId(), route.state));
        continue;
      }
      (route.destination->isV4() ? r.v4 : r.v6) = true;
    }
    return r;
  }

 private:
  std::unordered_map<std::string_view, const inventory::RouteTable*> main_;
  std::unordered_map<std::string_view, const inventory::RouteTable*> explicit_;
  std::string gateway_instance_;
  std::unordered_set<std::string> gateway_enis_;
};

}  // namespace

const inventory::RouteTable* effectiveRouteTable(const inventory::Inventory& inventory,
                                                 const std::string& subnet_id,
                                                 const std::string& vpc_id) {
  return Router(inventory, Options{}).table(subnet_id, vpc_id);
}

Exposure analyzeExposure(const inventory::Inventory& inv, const Options& options) {
  Exposure out;
  if (options.gateway_instance_id.empty() && options.gateway_eni_ids.empty()) {
    out.warnings.push_back(
        "no gateway instance or ENI is configured, so no subnet is routed through the firewall");
    return out;
  }
  const Router router(inv, options);
  std::unordered_map<std::string_view, const inventory::Instance*> instances;
  instances.reserve(inv.instances.size());
  for (const auto& i : inv.instances) instances.emplace(i.id, &i);
  std::unordered_map<std::string_view, const inventory::Subnet*> subnets;
  subnets.reserve(inv.subnets.size());
  for (const auto& s : inv.subnets) subnets.emplace(s.id, &s);
  std::unordered_map<const inventory::RouteTable*, Routed> routed_cache;
  out.interfaces.reserve(inv.network_interfaces.size());

  for (const auto& eni : inv.network_interfaces) {
    if (!eni.attachment || router.isGatewayEni(eni.id) ||
        router.isGatewayInstance(eni.attachment->instance_id)) {
      continue;
    }
    const auto inst = instances.find(eni.attachment->instance_id);
    if (inst == instances.end()) {
      out.warnings.push_back(fmt::format("{} is attached to {}, which the inventory does not hold",
                                         eni.id, eni.attachment->instance_id));
      continue;
    }
    if (!inst->second->isUp()) continue;
    const auto subnet = subnets.find(eni.subnet_id);
    const std::string& vpc_id = subnet != subnets.end() ? subnet->second->vpc_id : eni.vpc_id;
    const auto* table = router.table(eni.subnet_id, vpc_id);
    if (table == nullptr) {
      out.warnings.push_back(fmt::format(
          "{} is in {}, whose route table the inventory does not hold", eni.id, eni.subnet_id));
      continue;
    }
    auto [cached, fresh] = routed_cache.try_emplace(table);
    if (fresh) cached->second = router.routed(*table, out.warnings);
    const Routed r = cached->second;
    if (!r.v4 && !r.v6) continue;
    ExposedInterface exposed{&eni, inst->second, {}, {}};
    if (r.v4) {
      if (eni.primary_ipv4) exposed.ipv4.push_back(*eni.primary_ipv4);
      exposed.ipv4.insert(exposed.ipv4.end(), eni.secondary_ipv4.begin(), eni.secondary_ipv4.end());
    }
    if (r.v6) exposed.ipv6 = eni.ipv6_addresses;
    if (exposed.ipv4.empty() && exposed.ipv6.empty()) continue;
    out.interfaces.push_back(std::move(exposed));
  }
  return out;
}

}  // namespace trailwall::policy
