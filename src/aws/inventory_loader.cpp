#include "aws/inventory_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

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

// Runs independent calls together, at most kMaxInFlight at once (EC2 calls are network-bound;
// the wall time of a round is its slowest call). Each task writes only its own result; the
// first failure in task order is returned, after every task has finished.
class Round {
 public:
  static constexpr std::size_t kMaxInFlight = 5;

  void add(std::function<Status()> task) { tasks_.push_back(std::move(task)); }
  [[nodiscard]] bool empty() const { return tasks_.empty(); }

  Status run() {
    std::vector<Status> results(tasks_.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < tasks_.size(); i = next++) {
        results[i] = tasks_[i]();
      }
    };
    {
      std::vector<std::jthread> helpers;
      const std::size_t workers = std::min(kMaxInFlight, tasks_.size());
      for (std::size_t t = 1; t < workers; ++t) helpers.emplace_back(work);
      work();
    }  // joins
    tasks_.clear();
    for (auto& r : results) {
      if (!r) return r;
    }
    return {};
  }

 private:
  std::vector<std::function<Status()>> tasks_;
};

// Everything one load has read, by id, and the ids the scope asked for that EC2 lacks.
//
// A scoped load is a fixpoint of rounds: each round asks, all at once, for everything the state
// so far says is missing (the seeds, the groups on loaded interfaces, the interfaces carrying
// covered groups, the instances behind them, the VPCs and route tables around them, the
// entries of referenced prefix lists), merges the answers, and goes again until nothing is
// missing. An instance scope takes three rounds: the instances; their groups, the interfaces
// carrying those groups and the network context; the instances behind those interfaces and the
// prefix lists' entries. Id lists longer than one call (EC2 takes 200 filter values) are read
// by VPC instead, or for instances, unfiltered, so the number of calls does not grow with the
// batch.
class Load {
 public:
  Load(Ec2Client& ec2, const LoaderOptions& options) : ec2_(ec2), options_(options) {}

  Status everything();
  Status scoped(const inventory::Scope& scope, std::string& widen_reason);

  inventory::Inventory finish(const std::string& region, bool everything);

 private:
  // One round's reads: each adds a task writing its own result, merged after the round.
  template <class T>
  void readInto(Round& round, Result<Ec2Result<T>> (Ec2Client::*describe)(const Ec2Query&),
                std::vector<Ec2Filter> filters, std::map<std::string, T>& into);
  void readInstances(Round& round, std::vector<Ec2Filter> filters);
  void readEnis(Round& round, std::vector<Ec2Filter> filters);
  void readGroups(Round& round, std::vector<Ec2Filter> filters);
  void readSubnets(Round& round, std::vector<Ec2Filter> filters);
  void readVpcs(Round& round, std::vector<Ec2Filter> filters);
  void readRouteTables(Round& round, std::vector<Ec2Filter> filters);
  void readPrefixListEntries(Round& round, const std::string& id);
  Status runRound(Round& round);

  // The network around the loaded interfaces and groups: their VPCs, the route tables of those
  // VPCs, and the entries of every referenced prefix list.
  void addContext(Round& round);

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

  // What has been asked for already (so a round never asks twice, and ids EC2 lacks stay gone).
  bool all_instances_ = false;  // every instance of the region is loaded
  IdSet vpcs_all_instances_;    // every instance of these VPCs is loaded
  IdSet instances_asked_;
  IdSet instances_by_vpc_;  // asked for through their VPC: those missing are asked by id once
  IdSet groups_asked_;
  IdSet enis_asked_;
  IdSet group_enis_asked_;  // groups whose interfaces were asked for
  IdSet vpcs_asked_;
  IdSet tables_of_vpcs_asked_;
  IdSet prefix_lists_asked_;

  // Results of the round in flight, merged by runRound.
  std::mutex pending_mutex_;
  std::vector<std::function<void()>> pending_;
};

void Load::readInstances(Round& round, std::vector<Ec2Filter> filters) {
  round.add([this, filters = std::move(filters)]() -> Status {
    auto r = ec2_.describeInstances({{}, filters});
    if (!r) return std::unexpected(r.error());
    const std::lock_guard lock(pending_mutex_);
    pending_.push_back([this, r = std::move(*r)]() mutable {
      for (auto& i : r.instances) instances_[i.id] = std::move(i);
      for (auto& e : r.network_interfaces) enis_[e.id] = std::move(e);
    });
    return {};
  });
}

template <class T>
void Load::readInto(Round& round, Result<Ec2Result<T>> (Ec2Client::*describe)(const Ec2Query&),
                    std::vector<Ec2Filter> filters, std::map<std::string, T>& into) {
  round.add([this, describe, filters = std::move(filters), &into]() -> Status {
    auto r = (ec2_.*describe)({{}, filters});
    if (!r) return std::unexpected(r.error());
    const std::lock_guard lock(pending_mutex_);
    pending_.push_back([&into, items = std::move(r->items)]() mutable {
      for (auto& item : items) into[item.id] = std::move(item);
    });
    return {};
  });
}

void Load::readEnis(Round& round, std::vector<Ec2Filter> filters) {
  readInto(round, &Ec2Client::describeNetworkInterfaces, std::move(filters), enis_);
}

void Load::readGroups(Round& round, std::vector<Ec2Filter> filters) {
  readInto(round, &Ec2Client::describeSecurityGroups, std::move(filters), groups_);
}

void Load::readSubnets(Round& round, std::vector<Ec2Filter> filters) {
  readInto(round, &Ec2Client::describeSubnets, std::move(filters), subnets_);
}

void Load::readVpcs(Round& round, std::vector<Ec2Filter> filters) {
  readInto(round, &Ec2Client::describeVpcs, std::move(filters), vpcs_);
}

void Load::readRouteTables(Round& round, std::vector<Ec2Filter> filters) {
  readInto(round, &Ec2Client::describeRouteTables, std::move(filters), route_tables_);
}

// GetManagedPrefixListEntries takes one list per call: the only per-resource call, one per
// referenced list (there are few). The list's name is not read (DescribeManagedPrefixLists
// would cost one more call and nothing trailwall decides depends on it); its family follows
// from its entries.
void Load::readPrefixListEntries(Round& round, const std::string& id) {
  prefix_lists_asked_.insert(id);
  round.add([this, id]() -> Status {
    auto entries = ec2_.getManagedPrefixListEntries(id);
    if (!entries) {
      if (entries.error().code == ErrorCode::NotFound) {
        return {};  // deleted in between: the groups' references to it match nothing
      }
      return std::unexpected(entries.error());
    }
    const std::lock_guard lock(pending_mutex_);
    pending_.push_back([this, id, entries = std::move(*entries)]() mutable {
      inventory::PrefixList list;
      list.id = id;
      list.address_family =
          std::ranges::any_of(entries, [](const auto& e) { return !e.cidr.isV4(); })
              ? net::Family::V6
              : net::Family::V4;
      list.entries = std::move(entries);
      prefix_lists_[id] = std::move(list);
    });
    return {};
  });
}

Status Load::runRound(Round& round) {
  auto status = round.run();
  for (auto& merge : pending_) merge();
  pending_.clear();
  return status;
}

void Load::addContext(Round& round) {
  IdSet vpc_ids;
  for (const auto& [id, eni] : enis_) {
    if (!eni.vpc_id.empty()) vpc_ids.insert(eni.vpc_id);
  }
  for (const auto& [id, instance] : instances_) {
    if (!instance.vpc_id.empty()) vpc_ids.insert(instance.vpc_id);
  }
  for (const auto& [id, group] : groups_) {
    if (!group.vpc_id.empty()) vpc_ids.insert(group.vpc_id);
  }
  // Subnets are not read: an ENI names its VPC, which is all a subnet would tell (its route
  // table is the one associated with it, else its VPC's main table); the call is saved.
  IdSet vpcs_to_read;
  IdSet tables_to_read;
  for (const auto& id : vpc_ids) {
    if (!vpcs_.contains(id) && !vpcs_asked_.contains(id)) vpcs_to_read.insert(id);
    if (!tables_of_vpcs_asked_.contains(id)) tables_to_read.insert(id);
  }
  if (!vpcs_to_read.empty()) {
    vpcs_asked_.merge(IdSet(vpcs_to_read));
    readVpcs(round, {{"vpc-id", toVector(vpcs_to_read)}});
  }
  if (!tables_to_read.empty()) {
    tables_of_vpcs_asked_.merge(IdSet(tables_to_read));
    readRouteTables(round, {{"vpc-id", toVector(tables_to_read)}});
  }
  IdSet prefix_lists;
  for (const auto& [id, group] : groups_) {
    for (const auto& p : group.ingress) {
      for (const auto& pl : p.prefix_lists) prefix_lists.insert(pl.prefix_list_id);
    }
  }
  for (const auto& id : prefix_lists) {
    if (!prefix_lists_asked_.contains(id)) readPrefixListEntries(round, id);
  }
}

Status Load::everything() {
  // Instances carry their ENIs, so DescribeNetworkInterfaces is not needed: an ENI not
  // attached to an instance is never an exposed endpoint.
  Round round;
  readInstances(round, {});
  readGroups(round, {});
  readSubnets(round, {});
  readVpcs(round, {});
  readRouteTables(round, {});
  if (auto s = runRound(round); !s) return s;
  all_instances_ = true;
  for (const auto& [id, vpc] : vpcs_) {
    vpcs_asked_.insert(id);
    tables_of_vpcs_asked_.insert(id);
  }
  addContext(round);
  return runRound(round);
}

Status Load::scoped(const inventory::Scope& scope, std::string& widen_reason) {
  IdSet vpc_scope;  // VPCs whose instances and groups are all loaded and covered
  IdSet group_seeds(scope.group_ids);
  IdSet instance_seeds(scope.instance_ids);
  IdSet eni_seeds(scope.network_interface_ids);
  const IdSet gateway_enis(options_.gateway_eni_ids.begin(), options_.gateway_eni_ids.end());

  // Round 1: the seeds, and the ids that only point at something (a VPC, a group, an ENI).
  Round round;
  std::optional<Result<Ec2Result<inventory::RouteTable>>> by_table;
  std::optional<Result<Ec2Result<inventory::RouteTable>>> by_association;
  std::optional<Result<Ec2Result<inventory::Subnet>>> by_subnet;
  std::optional<Result<Ec2Result<inventory::NetworkInterface>>> by_attachment;
  std::optional<Result<Ec2Result<inventory::SecurityGroup>>> by_name;
  std::optional<Result<Ec2Result<inventory::SecurityGroup>>> all_groups;
  std::optional<Result<Ec2Result<inventory::Vpc>>> by_vpc;
  const auto ask = [&round](auto& slot, auto call) {
    round.add([&slot, call]() -> Status {
      slot = call();
      return *slot ? Status{} : std::unexpected(slot->error());
    });
  };
  if (!scope.route_table_ids.empty()) {
    ask(by_table, [&] {
      return ec2_.describeRouteTables({{}, {{"route-table-id", toVector(scope.route_table_ids)}}});
    });
  }
  if (!scope.route_table_association_ids.empty()) {
    ask(by_association, [&] {
      return ec2_.describeRouteTables({{},
                                       {{"association.route-table-association-id",
                                         toVector(scope.route_table_association_ids)}}});
    });
  }
  if (!scope.subnet_ids.empty()) {
    ask(by_subnet, [&] {
      return ec2_.describeSubnets({{}, {{"subnet-id", toVector(scope.subnet_ids)}}});
    });
  }
  if (!scope.network_interface_attachment_ids.empty()) {
    ask(by_attachment, [&] {
      return ec2_.describeNetworkInterfaces(
          {{}, {{"attachment.attachment-id", toVector(scope.network_interface_attachment_ids)}}});
    });
  }
  if (!scope.group_names.empty()) {
    ask(by_name, [&] {
      return ec2_.describeSecurityGroups({{}, {{"group-name", toVector(scope.group_names)}}});
    });
  }
  if (!scope.prefix_list_ids.empty() || scope.group_ids.size() > Ec2Client::kMaxValuesPerCall) {
    // No filter for "references prefix list" works everywhere (moto lacks
    // ip-permission.prefix-list-id), so read the groups and pick; ≤ 1000 groups is one call.
    ask(all_groups, [&] { return ec2_.describeSecurityGroups({}); });
    groups_asked_.merge(IdSet(scope.group_ids));
  } else if (!scope.group_ids.empty() && instance_seeds.empty() && eni_seeds.empty()) {
    groups_asked_.merge(IdSet(scope.group_ids));
    readGroups(round, {{"group-id", toVector(scope.group_ids)}});
  }
  // With instances or ENIs named too, the named groups wait for round 2, where they are read in
  // one call with the groups those instances carry (else DescribeSecurityGroups and the ENIs
  // carrying the groups would each cost a second call).
  if (!scope.vpc_ids.empty()) {
    // VPC ids named directly must exist; the rest come from resources read.
    ask(by_vpc, [&] { return ec2_.describeVpcs({{}, {{"vpc-id", toVector(scope.vpc_ids)}}}); });
  }
  // The gateway rides along with a read of the same kind, else it is asked for later, when a
  // VPC read may already have brought it.
  if (!eni_seeds.empty()) {
    IdSet enis_wanted(eni_seeds);
    enis_wanted.insert(gateway_enis.begin(), gateway_enis.end());
    enis_asked_.merge(IdSet(enis_wanted));
    readEnis(round, {{"network-interface-id", toVector(enis_wanted)}});
  }
  IdSet instances_wanted(instance_seeds);
  if (!instances_wanted.empty()) {
    for (const auto& gateway : options_.gatewayInstances()) instances_wanted.insert(gateway);
  }
  if (instances_wanted.size() > Ec2Client::kMaxValuesPerCall) {
    all_instances_ = true;  // one call per 1000 instances instead of one per 200 ids
    readInstances(round, {});
  } else if (!instances_wanted.empty()) {
    readInstances(round, {{"instance-id", toVector(instances_wanted)}});
  }
  instances_asked_.merge(IdSet(instances_wanted));
  if (auto s = runRound(round); !s) return s;

  for (const auto& [slot, ids, widens] :
       {std::tuple{&by_table, &scope.route_table_ids, false},
        std::tuple{&by_association, &scope.route_table_association_ids, true}}) {
    if (!*slot) continue;
    IdSet found;
    for (auto& t : (**slot)->items) {
      vpc_scope.insert(t.vpc_id);
      found.insert(t.id);
      for (const auto& a : t.associations) found.insert(a.id);
    }
    for (const auto& id : *ids) {
      if (found.contains(id)) continue;
      if (widens) {
        widen_reason = "route table association " + id + " no longer exists";
        return {};
      }
      gone_.insert(id);
    }
  }
  if (by_subnet) {
    IdSet found;
    for (auto& s : (*by_subnet)->items) {
      vpc_scope.insert(s.vpc_id);
      found.insert(s.id);
    }
    gone_.merge(minus(scope.subnet_ids, found));
  }
  if (by_attachment) {
    IdSet found;
    for (auto& e : (*by_attachment)->items) {
      if (e.attachment) found.insert(e.attachment->attachment_id);
      eni_seeds.insert(e.id);
      enis_[e.id] = std::move(e);
    }
    if (auto missing = minus(scope.network_interface_attachment_ids, found); !missing.empty()) {
      widen_reason = "network interface attachment " + *missing.begin() + " no longer exists";
      return {};
    }
  }
  if (by_name) {
    IdSet found;
    for (auto& g : (*by_name)->items) {
      found.insert(g.name);
      group_seeds.insert(g.id);
      groups_asked_.insert(g.id);
      groups_[g.id] = std::move(g);
    }
    gone_.merge(minus(scope.group_names, found));
  }
  if (all_groups) {
    for (auto& g : (*all_groups)->items) {
      const bool references = std::ranges::any_of(g.ingress, [&](const auto& p) {
        return std::ranges::any_of(p.prefix_lists, [&](const auto& pl) {
          return scope.prefix_list_ids.contains(pl.prefix_list_id);
        });
      });
      if (references) group_seeds.insert(g.id);
      if (references || scope.group_ids.contains(g.id)) groups_[g.id] = std::move(g);
    }
    for (const auto& id : scope.prefix_list_ids) {
      if (!prefix_lists_asked_.contains(id)) readPrefixListEntries(round, id);
    }
  }
  if (by_vpc) {
    for (auto& v : (*by_vpc)->items) {
      vpc_scope.insert(v.id);
      vpcs_asked_.insert(v.id);
      vpcs_[v.id] = std::move(v);
    }
    noteGone(scope.vpc_ids, vpcs_);
  }
  noteGone(scope.network_interface_ids, enis_);

  // Rounds 2…: until nothing is missing. Every round asks only for what was never asked, so
  // this ends; the bound guards against a bug turning into a silent partial load.
  for (int rounds = 0;; ++rounds) {
    if (rounds == 16) {
      return fail(ErrorCode::Internal, "the inventory load did not settle after 16 rounds");
    }
    // ENI seeds bring their instances and groups.
    for (const auto& id : eni_seeds) {
      if (auto it = enis_.find(id); it != enis_.end()) {
        if (it->second.attachment) instance_seeds.insert(it->second.attachment->instance_id);
        group_seeds.insert(it->second.group_ids.begin(), it->second.group_ids.end());
      }
    }
    // Instance seeds bring the groups of all their ENIs.
    for (const auto& id : instance_seeds) {
      if (auto it = instances_.find(id); it != instances_.end()) {
        for (const auto& eni_id : it->second.network_interface_ids) {
          if (auto e = enis_.find(eni_id); e != enis_.end()) {
            group_seeds.insert(e->second.group_ids.begin(), e->second.group_ids.end());
          }
        }
      }
    }
    // Whole VPCs: all their instances and groups.
    IdSet vpcs_to_read;
    for (const auto& id : vpc_scope) {
      if (!all_instances_ && !vpcs_all_instances_.contains(id)) vpcs_to_read.insert(id);
    }
    if (!vpcs_to_read.empty()) {
      readInstances(round, {{"vpc-id", toVector(vpcs_to_read)}});
      readGroups(round, {{"vpc-id", toVector(vpcs_to_read)}});
      vpcs_all_instances_.merge(IdSet(vpcs_to_read));
    }
    const auto in_vpc_scope = [&](const std::string& vpc) { return vpc_scope.contains(vpc); };
    // Instances named (directly, through an ENI, or as the gateway) and not read yet.
    IdSet instance_ask;
    for (const auto& id : instance_seeds) {
      if (!instances_.contains(id) && !instances_asked_.contains(id)) instance_ask.insert(id);
    }
    IdSet gateways_missing;
    for (const auto& gateway : options_.gatewayInstances()) {
      if (!instances_.contains(gateway) && !instances_asked_.contains(gateway)) {
        gateways_missing.insert(gateway);
      }
    }
    const bool gateway_missing = !gateways_missing.empty();
    for (const auto& id : instances_by_vpc_) {
      if (!instances_.contains(id)) instance_ask.insert(id);
    }
    instances_by_vpc_.clear();
    IdSet eni_ask;
    for (const auto& id : gateway_enis) {
      if (!enis_.contains(id) && !enis_asked_.contains(id)) eni_ask.insert(id);
    }
    // Groups: each seed group must be read, and every ENI carrying it, with its instance.
    IdSet group_read;
    IdSet group_enis;
    IdSet group_vpcs;
    for (const auto& id : group_seeds) {
      const auto g = groups_.find(id);
      if (g == groups_.end()) {
        if (!groups_asked_.contains(id)) group_read.insert(id);
        continue;
      }
      if (in_vpc_scope(g->second.vpc_id) || group_enis_asked_.contains(id)) continue;
      if (all_instances_ || vpcs_all_instances_.contains(g->second.vpc_id)) continue;
      group_enis.insert(id);
      group_vpcs.insert(g->second.vpc_id);
    }
    if (!group_read.empty()) {
      groups_asked_.merge(IdSet(group_read));
      readGroups(round, group_read.size() <= Ec2Client::kMaxValuesPerCall
                            ? std::vector<Ec2Filter>{{"group-id", toVector(group_read)}}
                            : std::vector<Ec2Filter>{});
      // The ENIs carrying a group can be asked for by its id before the group is read: in the
      // same call and round as the other groups' ENIs, rather than one more of each. Not when
      // whole VPCs are read in this round (they may bring those ENIs anyway) or past one call.
      if (!all_instances_ && vpcs_to_read.empty() &&
          group_read.size() + group_enis.size() <= Ec2Client::kMaxValuesPerCall) {
        group_enis.merge(IdSet(group_read));
      }
    }
    if (!group_enis.empty()) {
      group_enis_asked_.merge(IdSet(group_enis));
      readEnis(round, group_enis.size() <= Ec2Client::kMaxValuesPerCall
                          ? std::vector<Ec2Filter>{{"group-id", toVector(group_enis)}}
                          : std::vector<Ec2Filter>{{"vpc-id", toVector(group_vpcs)}});
    }
    // The instances behind loaded ENIs (for their state): by id, or by VPC beyond one call.
    IdSet attached;
    IdSet attached_vpcs;
    for (const auto& [id, eni] : enis_) {
      if (eni.attachment && !instances_.contains(eni.attachment->instance_id) &&
          !instances_asked_.contains(eni.attachment->instance_id)) {
        attached.insert(eni.attachment->instance_id);
        attached_vpcs.insert(eni.vpc_id);
      }
    }
    instance_ask.merge(attached);
    if (!vpcs_to_read.empty()) {
      // The VPC reads in this round may bring them: ask in the next one.
      instance_ask.clear();
      eni_ask.clear();
    }
    if (!eni_ask.empty()) {
      enis_asked_.merge(IdSet(eni_ask));
      readEnis(round, {{"network-interface-id", toVector(eni_ask)}});
    }
    addContext(round);
    // The gateway rides along with another instance read, or goes alone in the last round.
    if (gateway_missing && vpcs_to_read.empty() && (!instance_ask.empty() || round.empty())) {
      instance_ask.merge(gateways_missing);
    }
    if (!all_instances_ && !instance_ask.empty()) {
      instances_asked_.merge(IdSet(instance_ask));
      if (instance_ask.size() <= Ec2Client::kMaxValuesPerCall || attached_vpcs.empty()) {
        readInstances(round, {{"instance-id", toVector(instance_ask)}});
      } else {
        // An instance whose own VPC is another one (a multi-VPC ENI attachment) is asked for by
        // id in the next round.
        vpcs_all_instances_.merge(IdSet(attached_vpcs));
        readInstances(round, {{"vpc-id", toVector(attached_vpcs)}});
        instances_by_vpc_ = instance_ask;
      }
    }
    if (round.empty()) break;
    if (auto s = runRound(round); !s) return s;
  }

  noteGone(scope.instance_ids, instances_);
  noteGone(scope.group_ids, groups_);
  noteGone(scope.prefix_list_ids, prefix_lists_);
  for (const auto& [id, instance] : instances_) {
    if (vpc_scope.contains(instance.vpc_id) || instance_seeds.contains(id)) {
      covered_instances_.insert(id);
    }
  }
  for (const auto& [id, group] : groups_) {
    if (vpc_scope.contains(group.vpc_id) || group_seeds.contains(id)) covered_groups_.insert(id);
  }
  // Only groups seen whole are covered: the group and every ENI carrying it.
  std::erase_if(covered_groups_, [&](const std::string& id) {
    const auto& g = groups_.at(id);
    return !(vpc_scope.contains(g.vpc_id) || group_enis_asked_.contains(id) || all_instances_ ||
             vpcs_all_instances_.contains(g.vpc_id));
  });
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

std::vector<std::string> LoaderOptions::gatewayInstances() const {
  std::vector<std::string> out;
  if (!gateway_instance_id.empty()) out.push_back(gateway_instance_id);
  for (const auto& id : other_gateway_instance_ids) {
    if (!id.empty() && std::ranges::find(out, id) == out.end()) out.push_back(id);
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
