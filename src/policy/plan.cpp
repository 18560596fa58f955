#include "policy/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "net/port.h"
#include "policy/members.h"
#include "policy/naming.h"
#include "policy/provenance.h"
#include "policy/tag_layout.h"

namespace trailwall::policy {
namespace {

// A service object's definition, for reuse: protocol and canonical port list, no source port.
std::optional<std::string> definitionKey(const ServiceObject& s) {
  if (!s.source_port.empty()) return std::nullopt;
  auto ports = net::parsePortList(s.port);
  if (!ports) return std::nullopt;
  std::sort(ports->begin(), ports->end());
  return fmt::format("{}/{}", s.protocol, net::formatPortList(*ports));
}

// Drops destinations whose every flow the firewall already allows; true when anything is left.
// Tag-layout rules name a DAG: whatever its members, the rule stands while it has sources.
bool prune(DesiredRule& d, const FlowSet& allowed, const Options& options) {
  if (options.layout == Layout::Tag) return !d.match.sources.empty();
  if (!allowed.empty()) {
    std::erase_if(d.match.destinations, [&](const net::IpAddress& dest) {
      const auto flows = flowsTo(d, dest);
      return !flows.empty() && std::all_of(flows.begin(), flows.end(),
                                           [&](const Flow& f) { return allowed.contains(f); });
    });
    renderMatch(d);
  }
  return hasTraffic(d.match);
}

// The managed fields of `current` that differ from `desired`, written into `after` unless it is
// null (a first pass that only looks, so unchanged rules are never copied).
std::vector<std::string> diffInto(const SecurityRule& desired, const SecurityRule& current,
                                  SecurityRule* after, const Options& options) {
  std::vector<std::string> changed;
  auto members = [&](const char* name, Members SecurityRule::*field) {
    if (!sameMembers(desired.*field, current.*field)) {
      changed.emplace_back(name);
      if (after != nullptr) after->*field = desired.*field;
    }
  };
  members("from", &SecurityRule::from);
  members("to", &SecurityRule::to);
  members("source", &SecurityRule::source);
  members("destination", &SecurityRule::destination);
  members("source-user", &SecurityRule::source_user);
  members("category", &SecurityRule::category);
  members("application", &SecurityRule::application);
  members("service", &SecurityRule::service);
  auto text = [&](const char* name, std::string SecurityRule::*field) {
    if (desired.*field != current.*field) {
      changed.emplace_back(name);
      if (after != nullptr) after->*field = desired.*field;
    }
  };
  text("action", &SecurityRule::action);
  // The description's origin (group and permission) is managed content; its provenance (the
  // last change, provenance.h) is not: a newer event alone does not rewrite a rule.
  if (descriptionOrigin(desired.description) != descriptionOrigin(current.description)) {
    changed.emplace_back("description");
  }
  auto flag = [&](const char* name, bool SecurityRule::*field) {
    if (desired.*field != current.*field) {
      changed.emplace_back(name);
      if (after != nullptr) after->*field = desired.*field;
    }
  };
  flag("negate-source", &SecurityRule::negate_source);
  flag("negate-destination", &SecurityRule::negate_destination);
  // Without a configured profile group an administrator's profiles on the rule are kept.
  if (!options.profile_group.empty() && desired.profile_setting != current.profile_setting) {
    changed.emplace_back("profile-setting");
    if (after != nullptr) after->profile_setting = desired.profile_setting;
  }
  // A rule that is rewritten gets the description of this run (and its provenance).
  if (!changed.empty() && after != nullptr) after->description = desired.description;
  return changed;
}

class Differ {
 public:
  // Takes the desired rules apart (moves them into the plan).
  Differ(Desired& desired, const Rulebase& current, const FlowSet& allowed, const Options& options)
      : desired_(desired), current_(current), allowed_(allowed), options_(options) {
    rule_index_.reserve(current.rules.size());
    managed_.resize(current.rules.size());
    fate_.resize(current.rules.size(), Fate::Unchanged);
    for (std::size_t i = 0; i < current.rules.size(); ++i) {
      rule_index_.emplace(current.rules[i].name, i);
      managed_[i] = isManagedRule(current.rules[i], options.managed_tag);
    }
    for (const auto& s : current.services) {
      services_.emplace(s.name, &s);
      if (auto key = definitionKey(s)) by_definition_[*key].push_back(&s);
    }
    // Shared objects can be referenced from the vsys and reused, never edited or deleted; a
    // vsys object of the same name wins.
    for (const auto& s : current.shared_services) {
      if (services_.emplace(s.name, &s).second) shared_names_.insert(s.name);
      if (auto key = definitionKey(s)) by_definition_[*key].push_back(&s);
    }
    for (auto& [key, list] : by_definition_) {
      // Ours first, then by name, so the choice is stable.
      std::sort(list.begin(), list.end(), [&](const ServiceObject* a, const ServiceObject* b) {
        const bool ma = isManagedService(*a, options.managed_tag);
        const bool mb = isManagedService(*b, options.managed_tag);
        return ma != mb ? ma : a->name < b->name;
      });
    }
  }

  Plan run() {
    out_.warnings = desired_.warnings;
    out_.add_rules.reserve(desired_.rules.size());
    // The rule is moved into the plan; what is left of each desired rule (owner, match, service
    // spec) is freed with `desired`, not here: 160,000 frees interleaved with the plan's
    // allocations cost more than they give back (the annotation's allocations then search the
    // freed small chunks).
    for (auto& d : desired_.rules) handle(d);
    deletesAndMoves();
    addressGroups();
    servicesAndTag();
    return std::move(out_);
  }

 private:
  void handle(DesiredRule& d) {
    if (!prune(d, allowed_, options_)) return;
    if (options_.layout == Layout::Tag) {
      const AddressGroup* dag = current_.findAddressGroup(dagName(d.owner));
      if (dag != nullptr && !isManagedAddressGroup(*dag, options_.managed_tag)) {
        out_.warnings.push_back(fmt::format(
            "rule '{}' is not written: an address group '{}' exists without the tag '{}', so "
            "trailwall does not manage it",
            d.rule.name, dag->name, options_.managed_tag));
        return;
      }
      written_dags_.insert(dagName(d.owner));
    }
    const auto it = rule_index_.empty() ? rule_index_.end() : rule_index_.find(d.rule.name);
    const std::size_t index = it == rule_index_.end() ? current_.rules.size() : it->second;
    const SecurityRule* current = it == rule_index_.end() ? nullptr : &current_.rules[index];
    if (current != nullptr && !managed_[index]) {
      out_.warnings.push_back(fmt::format(
          "rule '{}' is not written: a rule of that name exists without the tag '{}', so "
          "trailwall does not manage it",
          d.rule.name, options_.managed_tag));
      return;
    }
    if (!resolveService(d)) return;
    if (current == nullptr) {
      out_.add_rules.push_back(std::move(d.rule));
      return;
    }
    fate_[index] = Fate::Kept;
    auto changed = diffInto(d.rule, *current, nullptr, options_);
    if (!changed.empty()) {
      SecurityRule after = *current;
      diffInto(d.rule, *current, &after, options_);
      out_.edit_rules.push_back({*current, std::move(after), std::move(changed)});
      fate_[index] = Fate::Edited;
    }
  }

  // Points the rule's service member at an existing object of the same definition, or plans
  // the object. False when the rule cannot be written.
  bool resolveService(DesiredRule& d) {
    if (!d.service) return true;
    const ServiceObject& spec = *d.service;
    const auto same = by_definition_.empty()
                          ? by_definition_.end()
                          : by_definition_.find(definitionKey(spec).value_or(""));
    if (same != by_definition_.end()) {
      d.rule.service = {same->second.front()->name};
      return true;
    }
    if (const auto it = services_.find(spec.name); it != services_.end()) {
      if (shared_names_.contains(spec.name)) {
        out_.warnings.push_back(
            fmt::format("rule '{}' is not written: a shared service '{}' exists with another "
                        "definition (trailwall never changes shared objects)",
                        d.rule.name, spec.name));
        return false;
      }
      if (!isManagedService(*it->second, options_.managed_tag)) {
        out_.warnings.push_back(
            fmt::format("rule '{}' is not written: service '{}' exists with another definition and "
                        "trailwall does not manage it",
                        d.rule.name, spec.name));
        return false;
      }
    }
    if (planned_services_.insert(spec.name).second) out_.add_services.push_back(spec);
    d.rule.service = {spec.name};
    return true;
  }

  void deletesAndMoves() {
    const auto& rules = current_.rules;
    std::size_t place = rules.size();
    out_.placement = Placement{};
    if (!options_.bottom_rule.empty()) {
      if (const auto it = rule_index_.find(options_.bottom_rule); it != rule_index_.end()) {
        place = it->second;
        out_.placement = Placement{Placement::Where::Before, options_.bottom_rule};
      } else {
        bottom_missing_ = true;
      }
    }
    // The managed block: the managed rules directly above the placement.
    std::size_t block_start = place;
    while (block_start > 0 && managed_[block_start - 1]) {
      --block_start;
    }
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& r = rules[i];
      if (!managed_[i]) continue;
      const auto owner = managedRuleOwner(r.name);
      if (!desired_.scope.contains(*owner)) continue;
      if (fate_[i] == Fate::Unchanged) {
        fate_[i] = Fate::Deleted;
        out_.delete_rules.push_back(r);
      } else if (out_.placement.where == Placement::Where::Before &&
                 (i < block_start || i >= place)) {
        // Without a bottom rule there is no block to keep rules in: existing ones stay put.
        out_.move_rules.push_back(r.name);
      }
    }
    if (bottom_missing_ && (!out_.add_rules.empty() || !out_.move_rules.empty())) {
      out_.warnings.push_back(fmt::format(
          "bottom rule '{}' is not in the rulebase; managed rules go to the end of the rulebase",
          options_.bottom_rule));
    }
  }

  // The desired DAGs of the rules written; managed DAGs in scope that no rule references after the
  // plan are deleted (an administrator's rule naming one keeps it, with a warning).
  void addressGroups() {
    for (auto& g : desired_.address_groups) {
      if (!written_dags_.contains(g.name)) continue;
      const AddressGroup* current = current_.findAddressGroup(g.name);
      if (current != nullptr && current->filter == g.filter &&
          current->description == g.description && sameMembers(current->tag, g.tag)) {
        continue;
      }
      out_.set_address_groups.push_back(g);
    }
    // Which names the rules reference matters only for a managed DAG that may go: without one
    // (the group and instance layouts), 160,000 rules' destinations are not hashed.
    const bool may_delete = std::any_of(
        current_.address_groups.begin(), current_.address_groups.end(), [&](const auto& g) {
          return isManagedAddressGroup(g, options_.managed_tag) && !written_dags_.contains(g.name);
        });
    if (!may_delete) return;
    std::unordered_set<std::string_view> referenced;
    std::unordered_map<std::string_view, std::string_view> referenced_by;
    const auto refer = [&](const SecurityRule& r) {
      for (const auto& m : r.destination) {
        referenced.insert(m);
        referenced_by.emplace(m, r.name);
      }
    };
    std::unordered_map<std::string_view, const SecurityRule*> edited;
    for (const auto& e : out_.edit_rules) edited.emplace(e.after.name, &e.after);
    for (std::size_t i = 0; i < current_.rules.size(); ++i) {
      if (fate_[i] == Fate::Deleted) continue;
      refer(fate_[i] == Fate::Edited ? *edited.at(current_.rules[i].name) : current_.rules[i]);
    }
    for (const auto& r : out_.add_rules) refer(r);
    for (const auto& g : current_.address_groups) {
      if (!isManagedAddressGroup(g, options_.managed_tag) || written_dags_.contains(g.name)) {
        continue;
      }
      if (!desired_.scope.everything && !desired_.scope.contains(groupOfDag(g.name))) continue;
      if (referenced.contains(g.name)) {
        const auto& by = referenced_by.at(g.name);
        const auto* rule = current_.findRule(by);
        if (rule == nullptr || !isManagedRule(*rule, options_.managed_tag)) {
          out_.warnings.push_back(fmt::format(
              "address group '{}' is kept: rule '{}', which trailwall does not manage, names it",
              g.name, by));
        }
        continue;
      }
      out_.delete_address_groups.push_back(g);
    }
  }

  void servicesAndTag() {
    // What the rulebase references once the plan is applied.
    std::unordered_map<std::string_view, const SecurityRule*> edited;
    for (const auto& e : out_.edit_rules) edited.emplace(e.after.name, &e.after);
    std::unordered_set<std::string_view> services_used;
    bool tag_used = false;
    // Which services are used matters only for managed services that may go.
    const bool may_delete = std::any_of(
        current_.services.begin(), current_.services.end(),
        [&](const ServiceObject& s) { return isManagedService(s, options_.managed_tag); });
    auto use = [&](const SecurityRule& r) {
      if (may_delete) services_used.insert(r.service.begin(), r.service.end());
      tag_used = tag_used || r.hasTag(options_.managed_tag);
    };
    for (std::size_t i = 0; i < current_.rules.size(); ++i) {
      const auto& r = current_.rules[i];
      if (fate_[i] == Fate::Deleted) continue;
      if (fate_[i] != Fate::Edited) {
        use(r);
        continue;
      }
      use(*edited.at(r.name));
    }
    for (const auto& r : out_.add_rules) use(r);
    for (const auto& g : current_.service_groups) {
      services_used.insert(g.members.begin(), g.members.end());
    }
    for (const auto& s : current_.services) {
      if (!isManagedService(s, options_.managed_tag) || services_used.contains(s.name) ||
          planned_services_.contains(s.name)) {
        continue;
      }
      out_.delete_services.push_back(s);
    }
    std::unordered_set<std::string_view> services_deleted;
    for (const auto& s : out_.delete_services) services_deleted.insert(s.name);
    for (const auto& s : current_.services) {
      if (!services_deleted.contains(s.name) && s.hasTag(options_.managed_tag)) tag_used = true;
    }
    tag_used = tag_used || !out_.add_services.empty();

    std::unordered_set<std::string_view> groups_deleted;
    for (const auto& g : out_.delete_address_groups) groups_deleted.insert(g.name);
    for (const auto& g : current_.address_groups) {
      if (!groups_deleted.contains(g.name) && g.hasTag(options_.managed_tag)) tag_used = true;
    }
    tag_used = tag_used || !out_.set_address_groups.empty();

    const Tag* tag = current_.findTag(options_.managed_tag);
    const bool writes_tag = !out_.add_rules.empty() || !out_.add_services.empty() ||
                            !out_.edit_rules.empty() || !out_.set_address_groups.empty();
    const bool shared_tag =
        std::any_of(current_.shared_tags.begin(), current_.shared_tags.end(),
                    [&](const Tag& t) { return t.name == options_.managed_tag; });
    if (writes_tag && tag == nullptr && !shared_tag) {
      out_.add_tag = Tag{options_.managed_tag, "", std::string(kManagedTagComment)};
    }
    if (!tag_used && tag != nullptr && tag->comments == kManagedTagComment) out_.delete_tag = *tag;
  }

  Desired& desired_;
  const Rulebase& current_;
  const FlowSet& allowed_;
  const Options& options_;
  // Per current rule (by index): managed or not, and what the plan does with it. A managed rule
  // no desired rule keeps is deleted when its owner is in scope.
  enum class Fate : std::uint8_t { Unchanged, Kept, Edited, Deleted };
  std::unordered_map<std::string_view, std::size_t> rule_index_;
  std::vector<bool> managed_;
  std::vector<Fate> fate_;
  std::unordered_map<std::string_view, const ServiceObject*> services_;
  std::map<std::string, std::vector<const ServiceObject*>> by_definition_;
  std::unordered_set<std::string> planned_services_;
  std::unordered_set<std::string> shared_names_;  // services_ entries that are shared objects
  bool bottom_missing_ = false;
  std::unordered_set<std::string> written_dags_;  // DAGs the written tag-layout rules name
  Plan out_;
};

template <class T>
void eraseNamed(std::vector<T>& items, const std::string& name) {
  std::erase_if(items, [&](const T& x) { return x.name == name; });
}

template <class T>
void upsertNamed(std::vector<T>& items, const T& item) {
  const auto it =
      std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == item.name; });
  if (it == items.end()) {
    items.push_back(item);
  } else {
    *it = item;
  }
}

}  // namespace

bool Plan::empty() const {
  return changeCount() == 0;
}

std::size_t Plan::changeCount() const {
  return (add_tag ? 1U : 0U) + set_address_groups.size() + add_services.size() + add_rules.size() +
         edit_rules.size() + move_rules.size() + delete_rules.size() + delete_services.size() +
         delete_address_groups.size() + (delete_tag ? 1U : 0U);
}

Result<Plan> plan(Desired&& desired, const Rulebase& current, const FlowSet& already_allowed,
                  const Options& options) {
  if (auto ok = options.validate(); !ok) return std::unexpected(ok.error());
  // Taken over, so its memory is gone by the time the plan is returned.
  Desired taken = std::move(desired);
  return Differ(taken, current, already_allowed, options).run();
}

Result<Plan> plan(const Desired& desired, const Rulebase& current, const FlowSet& already_allowed,
                  const Options& options) {
  Desired copy = desired;
  return plan(std::move(copy), current, already_allowed, options);
}

Rulebase applyPlan(const Rulebase& current, const Plan& p) {
  Rulebase out = current;
  if (p.add_tag) upsertNamed(out.tags, *p.add_tag);
  for (const auto& g : p.set_address_groups) upsertNamed(out.address_groups, g);
  for (const auto& s : p.add_services) upsertNamed(out.services, s);
  std::unordered_map<std::string_view, const SecurityRule*> edits;
  for (const auto& e : p.edit_rules) edits.emplace(e.after.name, &e.after);
  std::unordered_set<std::string_view> moving(p.move_rules.begin(), p.move_rules.end());
  std::unordered_set<std::string_view> deleting;
  for (const auto& r : p.delete_rules) deleting.insert(r.name);
  // One pass: edits applied, deleted and moving rules taken out; then the placed batch (adds,
  // then moves, as the client writes them) goes in at the placement in one insert.
  std::vector<SecurityRule> placed(p.add_rules.begin(), p.add_rules.end());
  std::vector<SecurityRule> moved(p.move_rules.size());
  std::vector<SecurityRule> kept;
  kept.reserve(out.rules.size() + placed.size());
  for (auto& r : out.rules) {
    if (const auto e = edits.find(r.name); e != edits.end()) r = *e->second;
    if (deleting.contains(r.name)) continue;
    if (moving.contains(r.name)) {
      const auto at = std::find(p.move_rules.begin(), p.move_rules.end(), r.name);
      moved[static_cast<std::size_t>(at - p.move_rules.begin())] = std::move(r);
      continue;
    }
    kept.push_back(std::move(r));
  }
  for (auto& r : moved) {
    if (!r.name.empty()) placed.push_back(std::move(r));
  }
  auto at = kept.end();
  if (p.placement.where == Placement::Where::Before) {
    at = std::find_if(kept.begin(), kept.end(),
                      [&](const SecurityRule& r) { return r.name == p.placement.rule; });
  }
  kept.insert(at, std::make_move_iterator(placed.begin()), std::make_move_iterator(placed.end()));
  out.rules = std::move(kept);
  for (const auto& s : p.delete_services) eraseNamed(out.services, s.name);
  for (const auto& g : p.delete_address_groups) eraseNamed(out.address_groups, g.name);
  if (p.delete_tag) eraseNamed(out.tags, p.delete_tag->name);
  return out;
}

}  // namespace trailwall::policy
