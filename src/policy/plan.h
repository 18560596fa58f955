#pragma once
// Step 3 of planning (DESIGN §3-§4): the difference between the desired managed rules and the
// firewall's rulebase, as the changes to write. Pure: the firewall's answers about flows it
// already allows come in as a FlowSet.
//
// Only managed rules (name pattern AND managed tag) whose owner is in the desired scope are
// ever edited, moved or deleted; a desired rule whose name is taken by a rule trailwall does not
// manage is not written (a warning says so). Managed service objects no longer referenced by
// any rule or service group are deleted; the managed tag object is created when needed and
// deleted when nothing uses it and its comment says trailwall made it.

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "policy/desired.h"
#include "policy/flows.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::policy {

// Where new and moved managed rules go: directly above the bottom rule, or at the end of the
// rulebase when none is configured (or it is missing; a warning says so).
struct Placement {
  enum class Where { Before, Bottom };
  Where where = Where::Bottom;
  std::string rule;  // the bottom rule, for Before

  friend bool operator==(const Placement&, const Placement&) = default;
};

struct RuleEdit {
  SecurityRule before;
  SecurityRule after;  // before with the managed fields replaced; uuid, logging, extras kept
  std::vector<std::string> changed;  // element names that differ: "destination", "service", …

  friend bool operator==(const RuleEdit&, const RuleEdit&) = default;
};

// Apply in this order: tag, address groups to set, service objects to add, rules to add (each at
// `placement`), edits, moves (each to `placement`), rules to delete, service objects to delete,
// address groups to delete, tag to delete.
struct Plan {
  Placement placement;
  std::optional<Tag> add_tag;
  // Tag layout: managed dynamic address groups to create or rewrite (tag_layout.h); managed ones
  // no rule references any more (also after leaving the tag layout) are deleted.
  std::vector<AddressGroup> set_address_groups;
  std::vector<AddressGroup> delete_address_groups;
  std::vector<ServiceObject> add_services;
  std::vector<SecurityRule> add_rules;  // sorted by name
  std::vector<RuleEdit> edit_rules;     // sorted by name
  std::vector<std::string>
      move_rules;  // managed rules outside the managed block, in rulebase order
  std::vector<SecurityRule> delete_rules;  // in rulebase order
  std::vector<ServiceObject> delete_services;
  std::optional<Tag> delete_tag;
  std::vector<std::string> warnings;  // desired.warnings first, then the plan's own
  // What caused it, for the commit description: "3 events (StartInstances by arn:…)" or
  // "full reconcile" (provenance.h annotate); empty when not annotated.
  std::string origin;

  // True when there is nothing to write (warnings do not count).
  [[nodiscard]] bool empty() const;
  // Number of write operations.
  [[nodiscard]] std::size_t changeCount() const;

  friend bool operator==(const Plan&, const Plan&) = default;
};

// `already_allowed` holds the flows (from flowsToCheck) the firewall already allows through a
// rule trailwall does not manage. A destination is dropped from a desired rule when all its
// flows are in the set; a rule left without destinations is not written.
[[nodiscard]] Result<Plan> plan(const Desired& desired, const Rulebase& current,
                                const FlowSet& already_allowed, const Options& options);
// The same, moving the desired rules into the plan instead of copying them (faster at scale);
// `desired` is left empty.
[[nodiscard]] Result<Plan> plan(Desired&& desired, const Rulebase& current,
                                const FlowSet& already_allowed, const Options& options);

// The rulebase after `plan` is applied to `current` the way the PAN-OS client does it. Lets the
// engine and the tests see the outcome without a firewall.
[[nodiscard]] Rulebase applyPlan(const Rulebase& current, const Plan& plan);

}  // namespace trailwall::policy
