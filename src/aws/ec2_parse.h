#pragma once
// Parsers for the EC2 Query API's XML answers (API version 2016-11-15), straight into the
// inventory model. One function per operation, each reading one page and its nextToken.
// Malformed XML, a missing id, or an address / CIDR / protocol that does not parse is an
// InvalidInput error naming the operation, the resource id and the field; nothing is skipped
// silently. Elements trailwall does not use are ignored.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "inventory/inventory.h"

namespace trailwall::aws {

template <class T>
struct Ec2Page {
  std::vector<T> items;
  std::string next_token;  // empty on the last page
};

// DescribeInstances lists each instance's ENIs in full (addresses, groups, attachment), so
// one call gives both.
struct InstancesPage {
  std::vector<inventory::Instance> instances;
  std::vector<inventory::NetworkInterface> network_interfaces;
  std::string next_token;
};

// One rule of DescribeSecurityGroupRules: a permission with exactly one source.
struct SecurityGroupRule {
  std::string id;  // sgr-…
  std::string group_id;
  bool is_egress = false;
  inventory::Permission permission;

  friend bool operator==(const SecurityGroupRule&, const SecurityGroupRule&) = default;
};

// DescribeManagedPrefixLists: a list's identity without its entries.
struct ManagedPrefixList {
  std::string id;
  std::string name;
  net::Family address_family = net::Family::V4;
  std::string state;  // create-complete, modify-complete, …
  long long version = 0;
  std::string owner_id;

  friend bool operator==(const ManagedPrefixList&, const ManagedPrefixList&) = default;
};

[[nodiscard]] Result<InstancesPage> parseDescribeInstances(std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::NetworkInterface>> parseDescribeNetworkInterfaces(
    std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::SecurityGroup>> parseDescribeSecurityGroups(
    std::string_view xml);
[[nodiscard]] Result<Ec2Page<SecurityGroupRule>> parseDescribeSecurityGroupRules(
    std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::RouteTable>> parseDescribeRouteTables(std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::Subnet>> parseDescribeSubnets(std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::Vpc>> parseDescribeVpcs(std::string_view xml);
[[nodiscard]] Result<Ec2Page<ManagedPrefixList>> parseDescribeManagedPrefixLists(
    std::string_view xml);
[[nodiscard]] Result<Ec2Page<inventory::PrefixListEntry>> parseGetManagedPrefixListEntries(
    std::string_view xml);

// The ids of `requested` that an EC2 "*.NotFound" message names ("The instance IDs 'i-1, i-2'
// do not exist"). Empty when the message names none of them.
[[nodiscard]] std::vector<std::string> idsNamedIn(std::string_view message,
                                                  const std::vector<std::string>& requested);

}  // namespace trailwall::aws
