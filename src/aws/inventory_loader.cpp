#include "aws/inventory_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace trailwall::aws {

namespace {

using IdSet = std::set<std::string>;

std::vector<std::string> toVector(const IdSet& ids) {
  return {ids.begin(), ids.end()};
}

IdSet minus(const IdSet& a, const IdSet& b) {
  IdSet out;
  std::ranges::set_difference(a, b, std::inserter(out, out.end()));
  return out;
}

template <class T>
std::vector<T> values(std::map<std::string, T> by_id) {
  std::vector<T> out;
  out.reserve(by_id.size());
  for (auto& [id, item] : by_id) {
    out.push_back(std::move(item));
  }
  return out;
}

// Everything one load has read, by id, and the ids the scope asked for that EC2 lacks.
class Load {
 public:
  Load(Ec2Client& ec2, const LoaderOptions& options) : ec2_(ec2), options_(options) {}

  Status everything();
  Status scoped(const inventory::Scope& scope, std::string& widen_reason);

  inventory::Inventory finish(const std::string& region, bool everything);

 private:
  // Instances by filter, with their ENIs.
  Status instances(const std::vector<Ec2Filter>& filters) {
    auto r = ec2_.describeInstances({{}, filters});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& i : r->instances) {
      instances_[i.id] = std::move(i);
    }
    for (auto& e : r->network_interfaces) {
      enis_[e.id] = std::move(e);
    }
    return {};
  }
  // The instances some ENIs are attached to, for their state. Up to 200 (EC2's limit of
  // filter values) by id in one call; beyond that by their VPCs, which costs only pages (a
  // group on thousands of instances must not cost a call per 200 of them), keeping only
  // those asked for.
  Status attachedInstances(const IdSet& ids, const IdSet& vpc_ids) {
    if (ids.empty()) {
      return {};
    }
    if (ids.size() <= Ec2Client::kMaxValuesPerCall) {
      return instances({{"instance-id", toVector(ids)}});
    }
    auto r = ec2_.describeInstances({{}, {{"vpc-id", toVector(vpc_ids)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& i : r->instances) {
      if (ids.contains(i.id)) {
        instances_[i.id] = std::move(i);
      }
    }
    for (auto& e : r->network_interfaces) {
      if (e.attachment && ids.contains(e.attachment->instance_id)) {
        enis_[e.id] = std::move(e);
      }
    }
    // An instance whose own VPC is another one (a multi-VPC ENI attachment): by id after all.
    IdSet missing;
    for (const auto& id : ids) {
      if (!instances_.contains(id)) missing.insert(id);
    }
    return missing.empty() ? Status{} : instances({{"instance-id", toVector(missing)}});
  }
  Status enis(const std::vector<Ec2Filter>& filters) {
    auto r = ec2_.describeNetworkInterfaces({{}, filters});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& e : r->items) {
      enis_[e.id] = std::move(e);
    }
    return {};
  }
  Status groups(const std::vector<Ec2Filter>& filters) {
    auto r = ec2_.describeSecurityGroups({{}, filters});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& g : r->items) {
      groups_[g.id] = std::move(g);
    }
    return {};
  }
  // The network around every loaded ENI: subnets, VPCs, all route tables of those VPCs, and
  // the prefix lists the loaded groups reference.
  Status context(const IdSet& extra_prefix_lists);

  template <class Map>
  void noteGone(const IdSet& asked, const Map& found) {
    for (const auto& id : asked) {
      if (!found.contains(id)) {
        gone_.insert(id);
      }
    }
  }

  Ec2Client& ec2_;
  const LoaderOptions& options_;
  std::map<std::string, inventory::Vpc> vpcs_;
  std::map<std::string, inventory::Subnet> subnets_;
  std::map<std::string, inventory::RouteTable> route_tables_;
  std::map<std::string, inventory::Instance> instances_;
  std::map<std::string, inventory::NetworkInterface> enis_;
  std::map<std::string, inventory::SecurityGroup> groups_;
  std::map<std::string, inventory::PrefixList> prefix_lists_;
  IdSet covered_instances_;
  IdSet covered_groups_;
  IdSet gone_;
};

Status Load::everything() {
  // Instances carry their ENIs, so DescribeNetworkInterfaces is not needed: an ENI not
  // attached to an instance is never an exposed endpoint.
  if (auto s = instances({}); !s) {
    return s;
  }
  if (auto s = groups({}); !s) {
    return s;
  }
  auto subnets = ec2_.describeSubnets({});
  if (!subnets) {
    return std::unexpected(subnets.error());
  }
  for (auto& s : subnets->items) {
    subnets_[s.id] = std::move(s);
  }
  auto vpcs = ec2_.describeVpcs({});
  if (!vpcs) {
    return std::unexpected(vpcs.error());
  }
  for (auto& v : vpcs->items) {
    vpcs_[v.id] = std::move(v);
  }
  auto tables = ec2_.describeRouteTables({});
  if (!tables) {
    return std::unexpected(tables.error());
  }
  for (auto& t : tables->items) {
    route_tables_[t.id] = std::move(t);
  }
  return context({});
}

Status Load::scoped(const inventory::Scope& scope, std::string& widen_reason) {
  IdSet vpc_ids(scope.vpc_ids);
  IdSet group_seeds(scope.group_ids);
  IdSet eni_seeds(scope.network_interface_ids);
  IdSet instance_seeds(scope.instance_ids);

  // Round 1: resolve the ids that only point at something (a VPC, a group, an ENI).
  if (!scope.route_table_ids.empty() || !scope.route_table_association_ids.empty()) {
    for (const auto& [filter, ids] : {std::pair{"route-table-id", &scope.route_table_ids},
                                      std::pair{"association.route-table-association-id",
                                                &scope.route_table_association_ids}}) {
      if (ids->empty()) {
        continue;
      }
      auto r = ec2_.describeRouteTables({{}, {{filter, toVector(*ids)}}});
      if (!r) {
        return std::unexpected(r.error());
      }
      IdSet found;
      for (const auto& t : r->items) {
        vpc_ids.insert(t.vpc_id);
        found.insert(t.id);
        for (const auto& a : t.associations) {
          found.insert(a.id);
        }
      }
      for (const auto& id : *ids) {
        if (!found.contains(id)) {
          if (ids == &scope.route_table_association_ids) {
            widen_reason = "route table association " + id + " no longer exists";
            return {};
          }
          gone_.insert(id);
        }
      }
    }
  }
  if (!scope.subnet_ids.empty()) {
    auto r = ec2_.describeSubnets({{}, {{"subnet-id", toVector(scope.subnet_ids)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    IdSet found;
    for (const auto& s : r->items) {
      vpc_ids.insert(s.vpc_id);
      found.insert(s.id);
    }
    gone_.merge(minus(scope.subnet_ids, found));
  }
  if (!scope.network_interface_attachment_ids.empty()) {
    auto r = ec2_.describeNetworkInterfaces(
        {{}, {{"attachment.attachment-id", toVector(scope.network_interface_attachment_ids)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    IdSet found;
    for (auto& e : r->items) {
      if (e.attachment) {
        found.insert(e.attachment->attachment_id);
      }
      eni_seeds.insert(e.id);
      enis_[e.id] = std::move(e);
    }
    if (auto missing = minus(scope.network_interface_attachment_ids, found); !missing.empty()) {
      widen_reason = "network interface attachment " + *missing.begin() + " no longer exists";
      return {};
    }
  }
  if (!scope.group_names.empty()) {
    auto r = ec2_.describeSecurityGroups({{}, {{"group-name", toVector(scope.group_names)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    IdSet found;
    for (auto& g : r->items) {
      found.insert(g.name);
      group_seeds.insert(g.id);
      groups_[g.id] = std::move(g);
    }
    gone_.merge(minus(scope.group_names, found));
  }
  if (!scope.prefix_list_ids.empty()) {
    // No filter for "references prefix list" works everywhere (moto lacks
    // ip-permission.prefix-list-id), so read the groups and pick; ≤ 1000 groups is one call.
    auto r = ec2_.describeSecurityGroups({});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& g : r->items) {
      const bool references = std::ranges::any_of(g.ingress, [&](const auto& p) {
        return std::ranges::any_of(p.prefix_lists, [&](const auto& pl) {
          return scope.prefix_list_ids.contains(pl.prefix_list_id);
        });
      });
      if (references) {
        group_seeds.insert(g.id);
        groups_[g.id] = std::move(g);
      }
    }
  }

  // Round 2: the seeds. ENIs first, so the instances they are attached to join the seeds.
  const IdSet gateway_enis(options_.gateway_eni_ids.begin(), options_.gateway_eni_ids.end());
  if (!eni_seeds.empty() || !gateway_enis.empty()) {
    IdSet wanted = eni_seeds;
    wanted.insert(gateway_enis.begin(), gateway_enis.end());
    for (const auto& [id, eni] : enis_) {
      wanted.erase(id);
    }
    if (!wanted.empty()) {
      if (auto s = enis({{"network-interface-id", toVector(wanted)}}); !s) {
        return s;
      }
    }
    noteGone(scope.network_interface_ids, enis_);
    for (const auto& id : eni_seeds) {
      if (auto it = enis_.find(id); it != enis_.end()) {
        if (it->second.attachment) {
          instance_seeds.insert(it->second.attachment->instance_id);
        }
        group_seeds.insert(it->second.group_ids.begin(), it->second.group_ids.end());
      }
    }
  }
  if (!scope.vpc_ids.empty()) {
    // VPC ids named directly must exist; the rest came from resources just read.
    auto r = ec2_.describeVpcs({{}, {{"vpc-id", toVector(scope.vpc_ids)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& v : r->items) {
      vpcs_[v.id] = std::move(v);
    }
    noteGone(scope.vpc_ids, vpcs_);
    for (const auto& id : scope.vpc_ids) {
      if (!vpcs_.contains(id)) {
        vpc_ids.erase(id);
      }
    }
  }
  if (!vpc_ids.empty()) {
    if (auto s = instances({{"vpc-id", toVector(vpc_ids)}}); !s) {
      return s;
    }
    if (auto s = groups({{"vpc-id", toVector(vpc_ids)}}); !s) {
      return s;
    }
    for (const auto& [id, instance] : instances_) {
      if (vpc_ids.contains(instance.vpc_id)) {
        covered_instances_.insert(id);
      }
    }
    for (const auto& [id, group] : groups_) {
      if (vpc_ids.contains(group.vpc_id)) {
        covered_groups_.insert(id);
      }
    }
  }
  // After the VPC call, which may already have brought the seeds and the gateway.
  IdSet instance_ask;
  for (const auto& id : instance_seeds) {
    if (!instances_.contains(id)) instance_ask.insert(id);
  }
  if (!options_.gateway_instance_id.empty() && !instances_.contains(options_.gateway_instance_id)) {
    instance_ask.insert(options_.gateway_instance_id);
  }
  if (!instance_ask.empty()) {
    if (auto s = instances({{"instance-id", toVector(instance_ask)}}); !s) {
      return s;
    }
  }
  noteGone(scope.instance_ids, instances_);
  for (const auto& id : instance_seeds) {
    if (auto it = instances_.find(id); it != instances_.end()) {
      covered_instances_.insert(id);
      for (const auto& eni_id : it->second.network_interface_ids) {
        if (auto e = enis_.find(eni_id); e != enis_.end()) {
          group_seeds.insert(e->second.group_ids.begin(), e->second.group_ids.end());
        }
      }
    }
  }

  // Round 3: the groups not covered yet, and every ENI carrying them, with those ENIs'
  // instances (for their state).
  const IdSet group_ask = minus(group_seeds, covered_groups_);
  if (!group_ask.empty()) {
    IdSet to_read;
    for (const auto& id : group_ask) {
      if (!groups_.contains(id)) {
        to_read.insert(id);
      }
    }
    if (!to_read.empty()) {
      if (auto s = groups({{"group-id", toVector(to_read)}}); !s) {
        return s;
      }
    }
    noteGone(scope.group_ids, groups_);
    IdSet existing;
    for (const auto& id : group_ask) {
      if (groups_.contains(id)) {
        existing.insert(id);
      }
    }
    if (!existing.empty()) {
      if (auto s = enis({{"group-id", toVector(existing)}}); !s) {
        return s;
      }
      IdSet attached;
      IdSet their_vpcs;
      for (const auto& [id, eni] : enis_) {
        if (eni.attachment && !instances_.contains(eni.attachment->instance_id)) {
          attached.insert(eni.attachment->instance_id);
          their_vpcs.insert(eni.vpc_id);
        }
      }
      if (auto s = attachedInstances(attached, their_vpcs); !s) {
        return s;
      }
      covered_groups_.merge(existing);
    }
  }
  return context(scope.prefix_list_ids);
}

Status Load::context(const IdSet& extra_prefix_lists) {
  IdSet subnet_ids;
  IdSet vpc_ids;
  for (const auto& [id, eni] : enis_) {
    if (!eni.subnet_id.empty()) subnet_ids.insert(eni.subnet_id);
    if (!eni.vpc_id.empty()) vpc_ids.insert(eni.vpc_id);
  }
  for (const auto& [id, instance] : instances_) {
    if (!instance.subnet_id.empty()) subnet_ids.insert(instance.subnet_id);
    if (!instance.vpc_id.empty()) vpc_ids.insert(instance.vpc_id);
  }
  for (const auto& [id, group] : groups_) {
    if (!group.vpc_id.empty()) vpc_ids.insert(group.vpc_id);
  }
  for (const auto& [id, subnet] : subnets_) {
    subnet_ids.erase(id);
  }
  if (!subnet_ids.empty()) {
    auto r = ec2_.describeSubnets({{}, {{"subnet-id", toVector(subnet_ids)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& s : r->items) {
      subnets_[s.id] = std::move(s);
    }
  }
  IdSet vpcs_to_read;
  IdSet tables_to_read;
  IdSet vpcs_with_tables;
  for (const auto& [id, table] : route_tables_) {
    vpcs_with_tables.insert(table.vpc_id);
  }
  for (const auto& id : vpc_ids) {
    if (!vpcs_.contains(id)) vpcs_to_read.insert(id);
    if (!vpcs_with_tables.contains(id)) tables_to_read.insert(id);
  }
  if (!vpcs_to_read.empty()) {
    auto r = ec2_.describeVpcs({{}, {{"vpc-id", toVector(vpcs_to_read)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& v : r->items) {
      vpcs_[v.id] = std::move(v);
    }
  }
  if (!tables_to_read.empty()) {
    auto r = ec2_.describeRouteTables({{}, {{"vpc-id", toVector(tables_to_read)}}});
    if (!r) {
      return std::unexpected(r.error());
    }
    for (auto& t : r->items) {
      route_tables_[t.id] = std::move(t);
    }
  }
  IdSet prefix_lists(extra_prefix_lists);
  for (const auto& [id, group] : groups_) {
    for (const auto& p : group.ingress) {
      for (const auto& pl : p.prefix_lists) {
        prefix_lists.insert(pl.prefix_list_id);
      }
    }
  }
  if (prefix_lists.empty()) {
    return {};
  }
  auto lists = ec2_.describeManagedPrefixLists({{}, {{"prefix-list-id", toVector(prefix_lists)}}});
  if (!lists) {
    return std::unexpected(lists.error());
  }
  // GetManagedPrefixListEntries takes one list per call: the only per-resource call, one per
  // referenced list (there are few).
  for (const auto& list : lists->items) {
    auto entries = ec2_.getManagedPrefixListEntries(list.id);
    if (!entries) {
      if (entries.error().code == ErrorCode::NotFound) {
        continue;  // deleted in between: the groups' references to it match nothing
      }
      return std::unexpected(entries.error());
    }
    prefix_lists_[list.id] =
        inventory::PrefixList{list.id, list.name, list.address_family, std::move(*entries)};
  }
  noteGone(extra_prefix_lists, prefix_lists_);
  return {};
}

inventory::Inventory Load::finish(const std::string& region, bool everything) {
  inventory::Inventory inv;
  for (auto& [id, vpc] : vpcs_) {
    vpc.region = region;
  }
  inv.vpcs = values(std::move(vpcs_));
  inv.subnets = values(std::move(subnets_));
  inv.route_tables = values(std::move(route_tables_));
  inv.instances = values(std::move(instances_));
  inv.network_interfaces = values(std::move(enis_));
  inv.security_groups = values(std::move(groups_));
  inv.prefix_lists = values(std::move(prefix_lists_));
  if (everything) {
    inv.coverage = inventory::Coverage{.everything = true, .group_ids = {}, .instance_ids = {}};
  } else {
    inv.coverage = inventory::Coverage{.everything = false,
                                       .group_ids = std::move(covered_groups_),
                                       .instance_ids = std::move(covered_instances_)};
    inv.gone = std::move(gone_);
  }
  return inv;
}

}  // namespace

std::string LoadReport::summary() const {
  std::string parts;
  for (const auto& [operation, count] : calls) {
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", operation, count);
  }
  std::string out =
      fmt::format("{} EC2 call{} ({})", total_calls, total_calls == 1 ? "" : "s", parts);
  if (widened) {
    out += fmt::format("; widened to everything: {}", widened_because);
  }
  return out;
}

Result<LoadResult> InventoryLoader::load(const inventory::Scope& scope) {
  const auto before = ec2_.callCounts();
  LoadResult result;
  bool everything = scope.everything;
  if (!everything && scope.empty()) {
    result.inventory.coverage =
        inventory::Coverage{.everything = false, .group_ids = {}, .instance_ids = {}};
    return result;
  }
  std::string widen_reason;
  std::optional<Load> load;
  if (!everything) {
    load.emplace(ec2_, options_);
    if (auto s = load->scoped(scope, widen_reason); !s) {
      return std::unexpected(s.error());
    }
    if (!widen_reason.empty()) {
      everything = true;
      result.report.widened = true;
      result.report.widened_because = widen_reason;
    }
  }
  if (everything) {
    load.emplace(ec2_, options_);
    if (auto s = load->everything(); !s) {
      return std::unexpected(s.error());
    }
  }
  result.inventory = load->finish(region_, everything);
  for (const auto& [operation, count] : ec2_.callCounts()) {
    const auto it = before.find(operation);
    const std::size_t made = count - (it == before.end() ? 0 : it->second);
    if (made > 0) {
      result.report.calls[operation] = made;
      result.report.total_calls += made;
    }
  }
  return result;
}

}  // namespace trailwall::aws
