#include "policy/desired.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <span>
#include <unordered_map>

#include "common/both.h"
#include "policy/exposure.h"
#include "policy/naming.h"
#include "policy/provenance.h"
#include "policy/tag_layout.h"

namespace trailwall::policy {
namespace {

using inventory::Permission;

// How one permission becomes applications, service and (maybe) a service object.
struct Translation {
  Match match;  // protocol, ports, icmp and applications; no addresses yet
  Members service;
  std::optional<ServiceObject> object;
};

// "tcp 443", "icmp type 8 code 0", "all traffic", appended: a description is made per rule.
void appendPermissionText(std::string& out, const Permission& p) {
  const auto& proto = p.protocol;
  if (proto.isAll()) {
    out += "all traffic";
  } else if (proto.hasPorts()) {
    fmt::format_to(std::back_inserter(out), "{} {}", proto.name(), p.from_port);
    if (p.from_port != p.to_port) fmt::format_to(std::back_inserter(out), "-{}", p.to_port);
  } else if (proto.isIcmp() || proto.isIcmpV6()) {
    if (p.from_port < 0) {
      fmt::format_to(std::back_inserter(out), "{} all types", proto.name());
    } else if (p.to_port < 0) {
      fmt::format_to(std::back_inserter(out), "{} type {}", proto.name(), p.from_port);
    } else {
      fmt::format_to(std::back_inserter(out), "{} type {} code {}", proto.name(), p.from_port,
                     p.to_port);
    }
  } else {
    fmt::format_to(std::back_inserter(out), "protocol {}", proto.value());
  }
}

std::string permissionText(const Permission& p) {
  std::string out;
  appendPermissionText(out, p);
  return out;
}

std::optional<Translation> translate(const Permission& p, const Options& options,
                                     std::string& why) {
  Translation t;
  t.match.protocol = p.protocol;
  const auto& proto = p.protocol;
  const auto& table = options.app_ids;
  if (proto.isAll()) {
    t.match.applications = {"any"};
    t.service = {"any"};
    return t;
  }
  if (proto.hasPorts()) {
    auto range = net::PortRange::make(p.from_port, p.to_port);
    if (!range) {
      why = range.error().message;
      return std::nullopt;
    }
    t.match.ports = *range;
    const Members* apps = range->isSingle() ? table.forPort(proto, range->first()) : nullptr;
    if (apps != nullptr) {
      t.match.applications = *apps;
      t.service = {"application-default"};
      return t;
    }
    ServiceObject object;
    object.name = serviceObjectName(proto.name(), *range);
    object.protocol = proto.name();
    object.port = range->toString();
    object.description = fmt::format("trailwall: {} {}", proto.name(), range->toString());
    object.tag = {options.managed_tag};
    t.match.applications = {"any"};
    t.service = {object.name};
    t.object = std::move(object);
    return t;
  }
  if (proto.isIcmp() || proto.isIcmpV6()) {
    const bool v6 = proto.isIcmpV6();
    t.match.icmp_type = p.from_port;
    t.match.icmp_code = p.from_port < 0 ? -1 : p.to_port;
    const int echo = v6 ? 128 : 8;
    if (p.from_port < 0) {
      t.match.applications = v6 ? table.icmpv6_all : table.icmp_all;
    } else if (p.from_port == echo) {
      t.match.applications = v6 ? table.icmpv6_echo : table.icmp_echo;
    } else {
      t.match.applications = v6 ? table.icmpv6_other : table.icmp_other;
    }
    t.service = {"application-default"};
    return t;
  }
  const Members* apps = table.forProtocol(proto.value());
  if (apps == nullptr) {
    why = fmt::format("IP protocol {} has no App-ID in the table", proto.value());
    return std::nullopt;
  }
  t.match.applications = *apps;
  t.service = {"application-default"};
  return t;
}

// Sorts and drops every block that lies inside another (blocks either nest or are disjoint,
// so after sorting a block inside another always follows the last one kept).
void collapse(std::vector<net::Cidr>& cidrs) {
  std::sort(cidrs.begin(), cidrs.end());
  std::size_t kept = 0;
  for (std::size_t i = 0; i < cidrs.size(); ++i) {
    if (kept > 0 && cidrs[kept - 1].contains(cidrs[i])) continue;
    cidrs[kept++] = cidrs[i];
  }
  cidrs.resize(kept);
}

bool insideAny(const net::Cidr& cidr, const std::vector<net::Cidr>& blocks) {
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const net::Cidr& b) { return b.contains(cidr); });
}

// The destinations last rendered, and their text: the rules of one group reach the same
// addresses, so renderMatchWith formats them once.
struct RenderCache {
  std::vector<net::IpAddress> destinations;
  Members rendered;
};

void renderMatchWith(DesiredRule& d, RenderCache* cache);

class Planner {
 public:
  Planner(const inventory::Inventory& inv, const Options& options) : inv_(inv), options_(options) {
    for (const auto& v : inv.vpcs) vpcs_.emplace(v.id, &v);
    for (const auto& g : inv.security_groups) groups_.emplace(g.id, &g);
    for (const auto& l : inv.prefix_lists) prefix_lists_.emplace(l.id, &l);
    if (options.layout != Layout::Instance) {
      scope_.everything = inv.coverage.everything;
      scope_.ids.insert(inv.coverage.group_ids.begin(), inv.coverage.group_ids.end());
    } else {
      scope_.everything = inv.coverage.everything;
      scope_.ids.insert(inv.coverage.instance_ids.begin(), inv.coverage.instance_ids.end());
    }
    scope_.ids.insert(inv.gone.begin(), inv.gone.end());
  }

  Desired run() {
    std::size_t permissions = 0;
    for (const auto& g : inv_.security_groups) permissions += g.ingress.size();
    rules_.reserve(permissions);  // exact for the group layout, a first guess for instances
    Exposure exposure = analyzeExposure(inv_, options_);
    warnings_ = std::move(exposure.warnings);
    if (options_.layout != Layout::Instance) {
      groupLayout(exposure);
    } else {
      instanceLayout(exposure);
    }
    Desired out;
    out.scope = std::move(scope_);
    // The same fact can be met once per ENI or permission; say it once.
    std::set<std::string> seen;
    for (auto& w : warnings_) {
      if (seen.insert(w).second) out.warnings.push_back(std::move(w));
    }
    // Sorted by name: owners in order (groups and instances are visited in id order), then each
    // owner's few rules (endOwner). Names are "<owner>-…" and '-' sorts before every id
    // character, so this is the order of the names themselves.
    const auto by_name = [](const DesiredRule& a, const DesiredRule& b) {
      return a.rule.name < b.rule.name;
    };
    if (!std::is_sorted(rules_.begin(), rules_.end(), by_name)) {
      std::sort(rules_.begin(), rules_.end(), by_name);  // hashed names of very long owner ids
    }
    out.rules = std::move(rules_);
    if (options_.layout == Layout::Tag) {
      // One DAG per group that has a rule; rules are sorted by name, so owners come in order.
      for (const auto& d : out.rules) {
        if (out.address_groups.empty() || out.address_groups.back().name != dagName(d.owner)) {
          out.address_groups.push_back(desiredDag(options_, d.owner));
        }
      }
    }
    return out;
  }

 private:
  // Internet sources of one permission in `vpc_id` (DESIGN §3): CIDRs outside the VPC's blocks
  // and prefix-list entries filtered the same way; group references are dropped.
  // The result is valid until the next call.
  const std::vector<net::Cidr>& internetSources(const Permission& p, const std::string& vpc_id,
                                                const std::string& group_id) {
    static const inventory::Vpc kNoVpc;
    const auto vit = vpcs_.find(vpc_id);
    if (vit == vpcs_.end()) {
      warnings_.push_back(
          fmt::format("{} is in {}, which the inventory does not hold; its CIDR blocks are unknown",
                      group_id, vpc_id));
    }
    const inventory::Vpc& vpc = vit == vpcs_.end() ? kNoVpc : *vit->second;
    std::vector<net::Cidr>& out = sources_;
    out.clear();
    auto add = [&](const net::Cidr& c) {
      if (!insideAny(c, c.isV4() ? vpc.ipv4_cidrs : vpc.ipv6_cidrs)) out.push_back(c);
    };
    for (const auto& r : p.ipv4_ranges) add(r.cidr);
    for (const auto& r : p.ipv6_ranges) add(r.cidr);
    for (const auto& ref : p.prefix_lists) {
      const auto it = prefix_lists_.find(ref.prefix_list_id);
      if (it == prefix_lists_.end()) {
        warnings_.push_back(
            fmt::format("{} references prefix list {}, which the inventory does "
                        "not hold; its entries are left out",
                        group_id, ref.prefix_list_id));
        continue;
      }
      for (const auto& e : it->second->entries) add(e.cidr);
    }
    return out;
  }

  // Sorts rules_[first, last) by name. A rule is large (a SecurityRule of 15 lists): the order is
  // found on indices, then each rule is moved once (plus one move per cycle of the permutation).
  void sortByName(std::size_t first, std::size_t last) {
    const auto name = [this, first](std::size_t i) -> const std::string& {
      return rules_[first + i].rule.name;
    };
    const std::size_t n = last - first;
    bool sorted = true;
    for (std::size_t i = 1; i < n && sorted; ++i) sorted = !(name(i) < name(i - 1));
    if (sorted) return;
    order_.resize(n);
    for (std::size_t i = 0; i < n; ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(),
              [&](std::size_t a, std::size_t b) { return name(a) < name(b); });
    // Position k receives the rule at order_[k]: follow each cycle once.
    placed_.assign(n, false);
    for (std::size_t k = 0; k < n; ++k) {
      if (placed_[k] || order_[k] == k) continue;
      DesiredRule held = std::move(rules_[first + k]);
      std::size_t j = k;
      while (true) {
        placed_[j] = true;
        const std::size_t from = order_[j];
        if (from == k) {
          rules_[first + j] = std::move(held);
          break;
        }
        rules_[first + j] = std::move(rules_[first + from]);
        j = from;
      }
    }
  }

  // Rules are made owner by owner; an owner has few, so a name is looked up among them only.
  void beginOwner() { owner_begin_ = rules_.size(); }
  // Renders the owner's rules, drops those without traffic and sorts the rest by name, in place
  // and within the owner: the rules are large, and compacting them at the end would move every
  // rule after the first one dropped.
  void endOwner() {
    std::size_t kept = owner_begin_;
    for (std::size_t i = owner_begin_; i < rules_.size(); ++i) {
      if (options_.layout == Layout::Tag) {
        renderTagMatch(rules_[i]);
        if (rules_[i].match.sources.empty()) continue;
      } else {
        renderMatchWith(rules_[i], &render_cache_);
        if (!hasTraffic(rules_[i].match)) continue;
      }
      if (i != kept) rules_[kept] = std::move(rules_[i]);
      ++kept;
    }
    rules_.erase(rules_.begin() + static_cast<std::ptrdiff_t>(kept), rules_.end());
    sortByName(owner_begin_, kept);
  }

  // `description` is the origin as built; it is cleaned and capped here (makeOriginText).
  DesiredRule* ruleFor(const std::string& owner, std::string name, Translation t,
                       std::string description) {
    for (std::size_t i = owner_begin_; i < rules_.size(); ++i) {
      if (rules_[i].rule.name == name) return &rules_[i];
    }
    DesiredRule& d = rules_.emplace_back();
    d.rule.name = std::move(name);
    d.owner = owner;
    d.service = std::move(t.object);
    SecurityRule& r = d.rule;
    r.application = t.match.applications;
    d.match = std::move(t.match);
    r.from = {options_.from_zone};
    r.to = {options_.to_zone};
    r.source_user = {"any"};
    r.category = {"any"};
    r.service = std::move(t.service);
    r.action = "allow";
    makeOriginText(description);
    r.description = std::move(description);
    r.tag = {options_.managed_tag};
    if (!options_.profile_group.empty()) {
      r.profile_setting = ProfileSetting{.group = {options_.profile_group}, .profiles = {}};
    }
    return &d;
  }

  std::optional<Translation> translated(const Permission& p, const std::string& group_id) {
    std::string why;
    auto t = translate(p, options_, why);
    if (!t)
      warnings_.push_back(
          fmt::format("{} {}: not translated: {}", group_id, permissionText(p), why));
    return t;
  }

  static void addAddresses(Match& m, const ExposedInterface& e) {
    m.destinations.insert(m.destinations.end(), e.ipv4.begin(), e.ipv4.end());
    m.destinations.insert(m.destinations.end(), e.ipv6.begin(), e.ipv6.end());
  }

  static inline const std::vector<const ExposedInterface*> kNoInterfaces;

  void groupLayout(const Exposure& exposure) {
    std::unordered_map<std::string_view, std::vector<const ExposedInterface*>> by_group;
    by_group.reserve(inv_.security_groups.size());
    for (const auto& e : exposure.interfaces) {
      for (const auto& g : e.eni->group_ids) {
        if (!scope_.contains(g)) continue;
        by_group[g].push_back(&e);
        if (!groups_.contains(g)) {
          warnings_.push_back(
              fmt::format("{} carries {}, which the inventory does not hold", e.eni->id, g));
        }
      }
    }
    // Owners in id order, so that the rules come out sorted by name (run()).
    std::vector<const inventory::SecurityGroup*> groups;
    groups.reserve(inv_.security_groups.size());
    for (const auto& g : inv_.security_groups) groups.push_back(&g);
    std::sort(groups.begin(), groups.end(),
              [](const auto* a, const auto* b) { return a->id < b->id; });
    std::vector<GroupWork> work;
    std::size_t permissions = 0;
    for (const auto* group : groups) {
      const auto exposed = by_group.find(group->id);
      // Out of scope, or no exposed ENI carries it. In the tag layout rules follow permissions
      // only: a group in scope gets its rules whether or not an address carries it now.
      const bool tags = options_.layout == Layout::Tag;
      if (exposed == by_group.end() && (!tags || !scope_.contains(group->id))) continue;
      work.push_back({group, exposed == by_group.end() ? &kNoInterfaces : &exposed->second});
      permissions += group->ingress.size();
    }
    if (permissions < kPermissionsPerThread || !secondCore()) {
      groupRules(work);
      return;
    }
    // Two threads, each making the rules of half the permissions (in group order), with its own
    // rules and warnings; the second half's are appended to the first's, so the result is the
    // one thread's, rule for rule and warning for warning.
    std::size_t mid = 0;
    for (std::size_t seen = 0; mid < work.size() && seen < permissions / 2; ++mid) {
      seen += work[mid].group->ingress.size();
    }
    const std::span<const GroupWork> first(work.data(), mid);
    const std::span<const GroupWork> second(work.data() + mid, work.size() - mid);
    Planner other(inv_, options_);
    other.rules_.reserve(rules_.capacity() > rules_.size() ? (rules_.capacity() - rules_.size()) / 2
                                                           : 0);
    runBoth([&] { groupRules(first); }, [&other, second] { other.groupRules(second); });
    warnings_.insert(warnings_.end(), std::make_move_iterator(other.warnings_.begin()),
                     std::make_move_iterator(other.warnings_.end()));
    rules_.insert(rules_.end(), std::make_move_iterator(other.rules_.begin()),
                  std::make_move_iterator(other.rules_.end()));
  }

  // One exposed group, with the ENIs that carry it.
  struct GroupWork {
    const inventory::SecurityGroup* group = nullptr;
    const std::vector<const ExposedInterface*>* exposed = nullptr;
  };
  // Below this many permissions one thread makes every rule (a thread costs more than it saves).
  static constexpr std::size_t kPermissionsPerThread = 20000;

  // The rules of `work`'s groups, in order, appended to rules_.
  void groupRules(std::span<const GroupWork> work) {
    const bool tags = options_.layout == Layout::Tag;
    std::vector<net::IpAddress> destinations;
    for (const auto& [group, exposed] : work) {
      const auto& g = *group;
      // Every permission of the group reaches the same addresses: collect them once.
      destinations.clear();
      for (const auto* e : *exposed) {
        destinations.insert(destinations.end(), e->ipv4.begin(), e->ipv4.end());
        destinations.insert(destinations.end(), e->ipv6.begin(), e->ipv6.end());
      }
      std::sort(destinations.begin(), destinations.end());
      destinations.erase(std::unique(destinations.begin(), destinations.end()), destinations.end());
      const std::string head = g.name.empty() ? fmt::format("trailwall: {} ", g.id)
                                              : fmt::format("trailwall: {} ({}) ", g.id, g.name);
      // First the permissions' sources and translations, in the group's order (the warnings'
      // order); then the rules in name order, so that run() has nothing to move. A stable sort:
      // of permissions that share a name, the first still makes the rule.
      pending_.clear();
      pending_sources_.clear();
      for (const auto& p : g.ingress) {
        const auto& sources = internetSources(p, g.vpc_id, g.id);
        if (sources.empty()) continue;
        auto t = translated(p, g.id);
        if (!t) continue;
        const std::size_t first = pending_sources_.size();
        pending_sources_.insert(pending_sources_.end(), sources.begin(), sources.end());
        pending_.push_back(Pending{.permission = &p,
                                   .name = tags ? tagRuleName(g.id, permissionSuffix(p))
                                                : ruleName(g.id, permissionSuffix(p)),
                                   .translation = std::move(*t),
                                   .sources = {first, pending_sources_.size()}});
      }
      order_.resize(pending_.size());
      for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
      std::stable_sort(order_.begin(), order_.end(), [this](std::size_t a, std::size_t b) {
        return pending_[a].name < pending_[b].name;
      });
      beginOwner();
      for (const std::size_t i : order_) {
        Pending& pending = pending_[i];
        std::string description;
        description.reserve(head.size() + 24);
        description.append(head);
        appendPermissionText(description, *pending.permission);
        DesiredRule* d = ruleFor(g.id, std::move(pending.name), std::move(pending.translation),
                                 std::move(description));
        const auto sources_begin =
            pending_sources_.begin() + static_cast<std::ptrdiff_t>(pending.sources.first);
        const auto sources_end =
            pending_sources_.begin() + static_cast<std::ptrdiff_t>(pending.sources.second);
        d->match.sources.insert(d->match.sources.end(), sources_begin, sources_end);
        d->match.destinations.insert(d->match.destinations.end(), destinations.begin(),
                                     destinations.end());
      }
      endOwner();
    }
  }

  // Per (instance, permission suffix): the sources each exposed ENI of the instance admits.
  struct PerEni {
    const ExposedInterface* exposed = nullptr;
    std::vector<net::Cidr> sources;
    std::set<std::string> group_ids;
  };
  struct PerSuffix {
    Translation translation;
    std::string text;
    std::map<std::string, PerEni> enis;  // by ENI id
  };

  void instanceLayout(const Exposure& exposure) {
    std::map<std::string, std::map<std::string, PerSuffix>> by_instance;
    for (const auto& e : exposure.interfaces) {
      const std::string& instance_id = e.instance->id;
      if (!scope_.contains(instance_id)) continue;
      auto& suffixes = by_instance[instance_id];
      for (const auto& gid : e.eni->group_ids) {
        const auto git = groups_.find(gid);
        if (git == groups_.end()) {
          warnings_.push_back(
              fmt::format("{} carries {}, which the inventory does not hold", e.eni->id, gid));
          continue;
        }
        const auto& g = *git->second;
        for (const auto& p : g.ingress) {
          auto sources = internetSources(p, g.vpc_id, g.id);
          if (sources.empty()) continue;
          const std::string suffix = permissionSuffix(p);
          auto it = suffixes.find(suffix);
          if (it == suffixes.end()) {
            auto t = translated(p, g.id);
            if (!t) continue;
            it = suffixes.emplace(suffix, PerSuffix{std::move(*t), permissionText(p), {}}).first;
          }
          PerEni& per = it->second.enis[e.eni->id];
          per.exposed = &e;
          per.sources.insert(per.sources.end(), sources.begin(), sources.end());
          per.group_ids.insert(g.id);
        }
      }
    }
    for (auto& [instance_id, suffixes] : by_instance) {
      beginOwner();
      for (auto& [suffix, per_suffix] : suffixes) instanceRules(instance_id, suffix, per_suffix);
      endOwner();
    }
  }

  // One rule when every ENI admits the same sources; otherwise one per set of ENIs that do,
  // suffixed "-d<lowest device index>", so no ENI admits another's sources.
  void instanceRules(const std::string& instance_id, const std::string& suffix, PerSuffix& ps) {
    std::map<std::vector<net::Cidr>, std::vector<PerEni*>> by_sources;
    for (auto& [eni_id, per] : ps.enis) {
      collapse(per.sources);
      by_sources[per.sources].push_back(&per);
    }
    const auto* instance = ps.enis.begin()->second.exposed->instance;
    const std::string label =
        instance->name.empty() ? instance_id : fmt::format("{} ({})", instance_id, instance->name);
    for (auto& [sources, enis] : by_sources) {
      std::string name_suffix = suffix;
      if (by_sources.size() > 1) {
        int lowest = enis.front()->exposed->eni->attachment->device_index;
        for (const auto* per : enis) {
          lowest = std::min(lowest, per->exposed->eni->attachment->device_index);
        }
        name_suffix = fmt::format("{}-d{}", suffix, lowest);
      }
      std::set<std::string> groups;
      for (const auto* per : enis) groups.insert(per->group_ids.begin(), per->group_ids.end());
      std::string via;
      for (const auto& g : groups) via += (via.empty() ? "" : ", ") + g;
      DesiredRule* d = ruleFor(instance_id, ruleName(instance_id, name_suffix), ps.translation,
                               fmt::format("trailwall: {} {} via {}", label, ps.text, via));
      d->match.sources.insert(d->match.sources.end(), sources.begin(), sources.end());
      for (const auto* per : enis) addAddresses(d->match, *per->exposed);
    }
  }

  const inventory::Inventory& inv_;
  const Options& options_;
  std::unordered_map<std::string_view, const inventory::Vpc*> vpcs_;
  std::unordered_map<std::string_view, const inventory::SecurityGroup*> groups_;
  std::unordered_map<std::string_view, const inventory::PrefixList*> prefix_lists_;
  OwnerScope scope_;
  std::vector<std::string> warnings_;
  std::vector<DesiredRule> rules_;
  std::size_t owner_begin_ = 0;     // first rule of the current owner
  RenderCache render_cache_;        // an owner's rules mostly share their destinations
  std::vector<net::Cidr> sources_;  // internetSources' result
  std::vector<std::size_t> order_;  // sortByName's scratch
  // groupLayout's scratch: one group's permissions that make rules, their sources in one list.
  struct Pending {
    const Permission* permission = nullptr;
    std::string name;
    Translation translation;
    std::pair<std::size_t, std::size_t> sources;  // [begin, end) in pending_sources_
  };
  std::vector<Pending> pending_;
  std::vector<net::Cidr> pending_sources_;
  std::vector<bool> placed_;
};

bool isAny(const std::vector<net::Cidr>& sources, net::Family family) {
  return std::any_of(sources.begin(), sources.end(),
                     [family](const net::Cidr& c) { return c.family() == family && c.isAny(); });
}

bool hasFamily(const auto& items, net::Family family) {
  return std::any_of(items.begin(), items.end(),
                     [family](const auto& x) { return x.family() == family; });
}

void renderMatchWith(DesiredRule& d, RenderCache* cache) {
  Match& m = d.match;
  collapse(m.sources);
  if (!std::is_sorted(m.destinations.begin(), m.destinations.end())) {
    std::sort(m.destinations.begin(), m.destinations.end());
  }
  m.destinations.erase(std::unique(m.destinations.begin(), m.destinations.end()),
                       m.destinations.end());
  // Keep only the families that have both sources and destinations.
  const bool v4 =
      hasFamily(m.sources, net::Family::V4) && hasFamily(m.destinations, net::Family::V4);
  const bool v6 =
      hasFamily(m.sources, net::Family::V6) && hasFamily(m.destinations, net::Family::V6);
  auto unused = [v4, v6](const auto& x) { return x.isV4() ? !v4 : !v6; };
  std::erase_if(m.sources, unused);
  std::erase_if(m.destinations, unused);

  SecurityRule& r = d.rule;
  r.source.clear();
  r.destination.clear();
  if (m.sources.empty()) return;
  const bool any =
      (!v4 || isAny(m.sources, net::Family::V4)) && (!v6 || isAny(m.sources, net::Family::V6));
  if (any) {
    r.source = {"any"};
  } else {
    r.source.reserve(m.sources.size());
    for (const auto& c : m.sources) r.source.push_back(c.toString());
  }
  if (cache != nullptr && cache->destinations == m.destinations) {
    r.destination = cache->rendered;
    return;
  }
  r.destination.reserve(m.destinations.size());
  for (const auto& a : m.destinations) r.destination.push_back(a.toString());
  if (cache != nullptr) {
    cache->destinations = m.destinations;
    cache->rendered = r.destination;
  }
}

}  // namespace

bool hasTraffic(const Match& match) {
  return !match.sources.empty() && !match.destinations.empty();
}

void renderMatch(DesiredRule& d) {
  renderMatchWith(d, nullptr);
}

void renderTagMatch(DesiredRule& d) {
  Match& m = d.match;
  collapse(m.sources);
  std::sort(m.destinations.begin(), m.destinations.end());
  m.destinations.erase(std::unique(m.destinations.begin(), m.destinations.end()),
                       m.destinations.end());
  SecurityRule& r = d.rule;
  r.source.clear();
  const bool any = !m.sources.empty() && std::all_of(m.sources.begin(), m.sources.end(),
                                                     [](const net::Cidr& c) { return c.isAny(); });
  if (any) {
    r.source = {"any"};
  } else {
    for (const auto& c : m.sources) r.source.push_back(c.toString());
  }
  r.destination = {dagName(d.owner)};
}

Result<Desired> desiredRules(const inventory::Inventory& inventory, const Options& options) {
  if (auto ok = options.validate(); !ok) return std::unexpected(ok.error());
  return Planner(inventory, options).run();
}

}  // namespace trailwall::policy
