#pragma once
// Exposure analysis (DESIGN §3): which ENIs the internet reaches through the gateway, and at
// which addresses. A subnet is routed through the gateway for IPv4 (IPv6) when its effective
// route table (explicit association, else the VPC's main table) sends 0.0.0.0/0 (::/0) to the
// gateway instance or one of its ENIs. An ENI is exposed when it is attached to a pending or
// running instance (not the gateway itself) in such a subnet.

#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "net/address.h"
#include "policy/options.h"

namespace trailwall::policy {

struct ExposedInterface {
  const inventory::NetworkInterface* eni = nullptr;
  const inventory::Instance* instance = nullptr;
  std::vector<net::IpAddress> ipv4;  // primary then secondary, when IPv4 is routed
  std::vector<net::IpAddress> ipv6;  // when IPv6 is routed
};

struct Exposure {
  std::vector<ExposedInterface> interfaces;  // in inventory order
  std::vector<std::string> warnings;         // what could not be decided, and why
};

// Pointers refer into `inventory`, which must outlive the result.
[[nodiscard]] Exposure analyzeExposure(const inventory::Inventory& inventory,
                                       const Options& options);

// The table that routes `subnet_id`: its explicit association, else the main table of `vpc_id`;
// nullptr when the inventory holds neither.
[[nodiscard]] const inventory::RouteTable* effectiveRouteTable(
    const inventory::Inventory& inventory, const std::string& subnet_id, const std::string& vpc_id);

}  // namespace trailwall::policy
