#pragma once
// A deterministic synthetic inventory at trailwall's stated scale (issue 2): by default 10,000
// instances, 2,000 security groups and 20,000 ingress permissions spread over a few VPCs, with
// the variety the policy meets in real accounts (main-table and IGW subnets, secondary CIDR
// blocks, stopped instances, two-ENI instances, App-ID ports, ranges, ICMP, all traffic, prefix
// lists, group references, VPC-internal sources, IPv6).

#include <cstdint>
#include <string>

#include "inventory/inventory.h"
#include "policy/options.h"

namespace trailwall::bench {

struct Scale {
  int instances = 10'000;
  int groups = 2'000;
  int permissions_per_group = 10;  // 20,000 permissions with the defaults
  int vpcs = 4;
  std::uint64_t seed = 42;
};

// The firewall instance the inventory routes through (its options()).
[[nodiscard]] inventory::Inventory generateInventory(const Scale& scale);
[[nodiscard]] policy::Options generatedOptions();

// A firewall's configuration export (<config>, vsys1) for `inventory`: `admin_rules` rules an
// administrator wrote (zones, addresses, App-IDs, services, tags, profiles, some disabled, some
// deny), then the managed rules of `inventory` above the bottom rule "deny-all" as trailwall
// writes them, with drift: one in a hundred managed rules gone, one in a hundred with an address
// too many. Deterministic for a seed.
[[nodiscard]] std::string generateRulebaseXml(const inventory::Inventory& inventory,
                                              int admin_rules, std::uint64_t seed);

}  // namespace trailwall::bench
