#pragma once
// Step 1 of planning (DESIGN §3): the managed rules and service objects the inventory calls
// for. A pure function of (inventory, options). Steps 2 and 3 are flows.h (what to ask the
// firewall) and plan.h (the diff against the firewall).
//
// Only rule owners the inventory is complete for are computed (its coverage, plus ids known to
// be gone): security groups in the group layout, instances in the instance layout. The plan
// touches no managed rule of any other owner.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "inventory/inventory.h"
#include "net/address.h"
#include "net/port.h"
#include "net/protocol.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::policy {

// What a desired rule allows, typed. The rule's source and destination members are rendered
// from it (renderMatch), so pruning edits this and re-renders.
struct Match {
  std::vector<net::Cidr> sources;            // sorted; no block inside another
  std::vector<net::IpAddress> destinations;  // sorted
  net::Protocol protocol;
  net::PortRange ports;  // tcp/udp; 0-65535 otherwise
  int icmp_type = -1;    // icmp/icmpv6: -1 = every type
  int icmp_code = -1;
  Members applications;  // App-IDs, or {"any"}

  friend bool operator==(const Match&, const Match&) = default;
};

struct DesiredRule {
  SecurityRule rule;  // ready to render; plan may rename its service member
  std::string owner;  // "sg-…" (group layout) or "i-…" (instance layout)
  Match match;
  std::optional<ServiceObject> service;  // the object rule.service names, when one is needed

  friend bool operator==(const DesiredRule&, const DesiredRule&) = default;
};

// The owners a plan may touch.
struct OwnerScope {
  bool everything = false;
  std::set<std::string, std::less<>> ids;

  [[nodiscard]] bool contains(std::string_view owner) const {
    return everything || ids.contains(owner);
  }

  friend bool operator==(const OwnerScope&, const OwnerScope&) = default;
};

struct Desired {
  std::vector<DesiredRule> rules;  // sorted by name; names unique
  // Tag layout: the dynamic address group of each group that has rules (sorted by name).
  std::vector<AddressGroup> address_groups;
  OwnerScope scope;
  std::vector<std::string> warnings;  // inventory facts that could not be turned into rules
};

// Config errors (invalid zone or tag names) come back as errors; everything the inventory
// cannot support (a group that is not loaded, a protocol without App-ID) is a warning.
[[nodiscard]] Result<Desired> desiredRules(const inventory::Inventory& inventory,
                                           const Options& options);

// Writes match.sources / match.destinations into rule.source / rule.destination: "any" when
// every used family's sources are 0.0.0.0/0 or ::/0, CIDRs otherwise; destinations as bare
// addresses. A family is used only when it has both sources and destinations.
void renderMatch(DesiredRule& rule);

// The tag layout's rendering (tag_layout.h): sources as renderMatch does them (every family
// kept: which addresses will carry the tag is not known here), destination the group's DAG;
// match.destinations keeps the addresses exposed now (sample flows for the proof).
void renderTagMatch(DesiredRule& rule);

// True when the rule has something to allow (a used family).
[[nodiscard]] bool hasTraffic(const Match& match);

}  // namespace trailwall::policy
