#pragma once
// The AWS model trailwall decides from: the part of EC2 that says which instance addresses the
// internet can reach through the gateway. Plain data filled by the EC2 loader (or read from a
// JSON file, see inventory_json.h) and read by the policy. Field names follow the EC2 API.
//
// An inventory may be partial (a scoped reconcile loads only what an event names). `coverage`
// says what it is complete for, and `gone` lists ids that were asked for and do not exist any
// more; the policy only plans for rule owners that are covered or gone (see Coverage).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "net/address.h"
#include "net/protocol.h"

namespace trailwall::inventory {

struct Vpc {
  std::string id;
  std::vector<net::Cidr> ipv4_cidrs;  // every associated block, the primary first
  std::vector<net::Cidr> ipv6_cidrs;
  std::string owner_id;  // account id; may be empty
  std::string region;    // may be empty

  friend bool operator==(const Vpc&, const Vpc&) = default;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::optional<net::Cidr> ipv4_cidr;  // none for IPv6-only subnets
  std::vector<net::Cidr> ipv6_cidrs;

  friend bool operator==(const Subnet&, const Subnet&) = default;
};

// One route. EC2 reports a route to an instance with both its instance id and the ENI id; a
// route to an ENI has only the ENI id. Other targets are kept so "default route to an IGW" is
// visible: `gateway_id` (igw-, vgw-, vpce-, "local") or `other_target_id` (nat-, tgw-, pcx-,
// eigw-, …).
struct Route {
  std::optional<net::Cidr> destination;    // DestinationCidrBlock / DestinationIpv6CidrBlock
  std::string destination_prefix_list_id;  // DestinationPrefixListId
  std::string instance_id;
  std::string network_interface_id;
  std::string gateway_id;
  std::string other_target_id;
  std::string state = "active";  // active | blackhole

  // The first non-empty target id (instance, ENI, gateway, other), or "".
  [[nodiscard]] std::string_view targetId() const;
  // True for 0.0.0.0/0 or ::/0.
  [[nodiscard]] bool isDefault() const { return destination && destination->isAny(); }

  friend bool operator==(const Route&, const Route&) = default;
};

struct RouteTableAssociation {
  std::string id;          // rtbassoc-…
  bool main = false;       // the VPC's main table: subnets without an explicit association use it
  std::string subnet_id;   // explicit subnet association
  std::string gateway_id;  // edge association (igw-/vgw-)

  friend bool operator==(const RouteTableAssociation&, const RouteTableAssociation&) = default;
};

struct RouteTable {
  std::string id;
  std::string vpc_id;
  std::vector<RouteTableAssociation> associations;
  std::vector<Route> routes;

  [[nodiscard]] bool isMain() const;

  friend bool operator==(const RouteTable&, const RouteTable&) = default;
};

enum class InstanceState { Pending, Running, ShuttingDown, Terminated, Stopping, Stopped };

// "pending", "running", "shutting-down", "terminated", "stopping", "stopped".
[[nodiscard]] std::string_view to_string(InstanceState state);
[[nodiscard]] Result<InstanceState> parseInstanceState(std::string_view text);

struct Instance {
  std::string id;
  InstanceState state = InstanceState::Running;
  std::string vpc_id;
  std::string subnet_id;
  std::vector<std::string> network_interface_ids;  // as DescribeInstances lists them
  std::string name;                                // the Name tag; may be empty

  // Pending or running: the states in which the instance can receive traffic.
  [[nodiscard]] bool isUp() const {
    return state == InstanceState::Pending || state == InstanceState::Running;
  }

  friend bool operator==(const Instance&, const Instance&) = default;
};

struct Attachment {
  std::string instance_id;
  int device_index = 0;
  std::string attachment_id;  // eni-attach-…; may be empty

  friend bool operator==(const Attachment&, const Attachment&) = default;
};

struct NetworkInterface {
  std::string id;
  std::string subnet_id;
  std::string vpc_id;
  std::optional<net::IpAddress> primary_ipv4;  // none on IPv6-only interfaces
  std::vector<net::IpAddress> secondary_ipv4;
  std::vector<net::IpAddress> ipv6_addresses;
  std::vector<std::string> group_ids;
  std::optional<Attachment> attachment;  // none when detached

  friend bool operator==(const NetworkInterface&, const NetworkInterface&) = default;
};

struct CidrSource {
  net::Cidr cidr;
  std::string description;

  friend bool operator==(const CidrSource&, const CidrSource&) = default;
};

struct PrefixListSource {
  std::string prefix_list_id;
  std::string description;

  friend bool operator==(const PrefixListSource&, const PrefixListSource&) = default;
};

struct GroupPair {
  std::string group_id;
  std::string user_id;  // the account of a cross-account reference; may be empty
  std::string vpc_id;   // peered VPC; may be empty
  std::string description;

  friend bool operator==(const GroupPair&, const GroupPair&) = default;
};

// One ingress IpPermission. `from_port`/`to_port` are a port range for tcp and udp (0-65535),
// ICMP type and code for icmp and icmpv6 (-1 = any), and meaningless for other protocols and
// for all traffic (EC2 allows every port then). Validated by validatePermission.
struct Permission {
  net::Protocol protocol;
  int from_port = -1;
  int to_port = -1;
  std::vector<CidrSource> ipv4_ranges;
  std::vector<CidrSource> ipv6_ranges;
  std::vector<PrefixListSource> prefix_lists;
  std::vector<GroupPair> group_pairs;

  friend bool operator==(const Permission&, const Permission&) = default;
};

// Checks the port / type fields against the protocol (see Permission).
[[nodiscard]] Status validatePermission(const Permission& permission);

struct SecurityGroup {
  std::string id;
  std::string name;
  std::string vpc_id;
  std::string description;
  std::vector<Permission> ingress;

  friend bool operator==(const SecurityGroup&, const SecurityGroup&) = default;
};

using PrefixListEntry = CidrSource;

struct PrefixList {
  std::string id;
  std::string name;
  net::Family address_family = net::Family::V4;
  std::vector<PrefixListEntry> entries;

  friend bool operator==(const PrefixList&, const PrefixList&) = default;
};

// What an inventory is complete for. A managed rule belongs to one owner: a security group
// (group layout) or an instance (instance layout). The policy plans a rule only when its owner
// is covered (or gone), so a scoped reconcile never deletes or shrinks rules it did not look at.
//  - group g covered: g's permissions are loaded, and so is every ENI that carries g, with its
//    instance, the route tables of its VPC and the prefix lists g references.
//  - instance i covered: i's state and all its ENIs are loaded, with all their groups'
//    permissions, the route tables of its VPC and the referenced prefix lists.
// (Subnets are not needed: an ENI names its VPC. A full load has them, a scoped one need not.)
struct Coverage {
  bool everything = false;
  std::set<std::string> group_ids;
  std::set<std::string> instance_ids;

  [[nodiscard]] bool coversGroup(const std::string& id) const {
    return everything || group_ids.contains(id);
  }
  [[nodiscard]] bool coversInstance(const std::string& id) const {
    return everything || instance_ids.contains(id);
  }

  friend bool operator==(const Coverage&, const Coverage&) = default;
};

struct Inventory {
  std::vector<Vpc> vpcs;
  std::vector<Subnet> subnets;
  std::vector<RouteTable> route_tables;
  std::vector<Instance> instances;
  std::vector<NetworkInterface> network_interfaces;
  std::vector<SecurityGroup> security_groups;
  std::vector<PrefixList> prefix_lists;
  Coverage coverage{.everything = true, .group_ids = {}, .instance_ids = {}};
  // Ids asked for that EC2 does not know (terminated long ago, deleted): their rules must go.
  std::set<std::string> gone;

  friend bool operator==(const Inventory&, const Inventory&) = default;
};

}  // namespace trailwall::inventory
