#pragma once
// Turns a Scope (DESIGN §1) into the current AWS truth for it, with the fewest EC2 calls the
// API allows: every id list goes out as one filtered call per resource type (split only at
// EC2's 200-values-per-filter limit, and paged at 1000 items), never one call per resource.
// Filters are used rather than id lists because a missing id then simply matches nothing: the
// ids asked for and not found are reported in Inventory::gone without a second call.
//
// What a scope loads (and covers, see inventory::Coverage):
//  - instance ids: those instances and all their ENIs; the groups on those ENIs with every
//    ENI carrying them (and those ENIs' instances, for their state); the VPCs and all route
//    tables of the VPCs involved; the prefix lists the groups reference. Subnets are read only by
//    a full load: an ENI names its VPC, and nothing else a subnet holds is used, so a scoped load
//    saves that call.
//  - group ids / names: the groups, every ENI carrying them and so on as above.
//  - ENI ids / attachment ids: the ENIs and their instances, as instance ids.
//  - subnet, route table, association and VPC ids: the whole VPC (all its instances and
//    groups).
//  - prefix list ids: the groups that reference them, as group ids.
// An association or attachment id that no longer resolves (the event removed it) cannot say
// which VPC or instance it touched: the load widens to everything, and the report says so.
// The gateway (instance and/or ENIs) is always loaded so routes to it can be recognised.

#include <chrono>
#include <string>
#include <vector>

#include "aws/ec2_client.h"
#include "inventory/inventory.h"
#include "inventory/scope.h"

namespace trailwall::aws {

struct LoaderOptions {
  std::string gateway_instance_id;
  std::vector<std::string> gateway_eni_ids;
  // A fleet's other firewalls' gateway instances (issue 13), loaded like the first.
  std::vector<std::string> other_gateway_instance_ids;

  // gateway_instance_id and other_gateway_instance_ids, without empty ones.
  [[nodiscard]] std::vector<std::string> gatewayInstances() const;
};

struct LoadReport {
  CallCounts calls;  // EC2 calls by operation (pages counted, retries not)
  std::size_t total_calls = 0;
  bool widened = false;  // a scope id did not resolve, so everything was loaded
  std::string widened_because;

  // "9 EC2 calls (DescribeInstances 2, DescribeVpcs 1, …)".
  [[nodiscard]] std::string summary() const;
};

struct LoadResult {
  inventory::Inventory inventory;
  LoadReport report;
};

class InventoryLoader {
 public:
  // `ec2` is used for one account and region; `region` fills Vpc::region.
  InventoryLoader(Ec2Client& ec2, std::string region, LoaderOptions options)
      : ec2_(ec2), region_(std::move(region)), options_(std::move(options)) {}

  // Errors: those of Ec2Client (Auth, Denied, Throttled, Remote, Network, InvalidInput).
  // An empty scope loads nothing and makes no call.
  [[nodiscard]] Result<LoadResult> load(const inventory::Scope& scope);

 private:
  Ec2Client& ec2_;
  std::string region_;
  LoaderOptions options_;
};

}  // namespace trailwall::aws
