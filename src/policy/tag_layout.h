#pragma once
// The tag layout (DESIGN §6, `policy.layout = "tag"`): rules follow security-group permissions
// only, one per (group, permission), whose destination is a dynamic address group (DAG) matching
// the group's tag ("<managed tag>.<group id>", e.g. "trailwall.sg-0a1b2c3d"); which addresses
// carry which group tags is runtime state registered through the User-ID API (panos/userid.h),
// which needs no commit. Instance churn then changes registrations only.
//
// Pure: the desired registrations come from the inventory, the registered ones from the firewall;
// registrationChanges() is the difference to send, limited to trailwall's tag prefix.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "inventory/inventory.h"
#include "net/address.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::policy {

// Tags per registered address on PAN-OS (API-NOTES §12.6).
inline constexpr std::size_t kMaxTagsPerAddress = 32;

// "<managed tag>." — every tag trailwall registers starts with it; nothing else is ever touched.
[[nodiscard]] std::string registrationPrefix(const Options& options);
// "trailwall.sg-0a1b2c3d4e5f60718".
[[nodiscard]] std::string groupTag(const Options& options, std::string_view group_id);
// The group id of one of trailwall's tags; empty for any other tag.
[[nodiscard]] std::string_view groupOfTag(const Options& options, std::string_view tag);

// A registration tag PAN-OS and DAG filters can carry unambiguously: 1-127 characters of
// letters, digits, '.', '-', '_' (so no quote can end the quoted name in a filter, no space,
// and never the filter words and / or / not). InvalidInput naming `what`.
[[nodiscard]] Status validateRegistrationTag(std::string_view tag, std::string_view what);

// The DAG of a group: "tw-dag-<group id>", tagged with the managed tag, filter "'<group tag>'".
[[nodiscard]] std::string dagName(std::string_view group_id);
[[nodiscard]] std::string dagFilter(std::string_view tag);
// Managed = name "tw-dag-sg-…" AND the managed tag.
[[nodiscard]] bool isManagedAddressGroup(const AddressGroup& group, std::string_view managed_tag);
// The group id a managed DAG name stands for; empty when the name is not one.
[[nodiscard]] std::string_view groupOfDag(std::string_view name);
// The DAG trailwall wants for a group.
[[nodiscard]] AddressGroup desiredDag(const Options& options, std::string_view group_id);

// A tag-layout rule name: "<group id>-dag-<suffix>" (the group layout's "<group id>-<suffix>"
// with "dag-" in front of the suffix, so both can stand side by side while a firewall migrates).
[[nodiscard]] std::string tagRuleName(std::string_view group_id, std::string_view suffix);
[[nodiscard]] bool isTagRuleName(std::string_view name);

// Address → trailwall tags (sorted).
using Mappings = std::map<net::IpAddress, std::set<std::string>>;

// Which registrations a run may change: with `everything`, all of trailwall's; otherwise those of
// `addresses` (their whole tag set is known: the ENIs holding them were loaded) and, for each
// tag of `tags` (covered groups: every ENI carrying them was loaded), the addresses carrying it.
struct RegistrationScope {
  bool everything = false;
  std::set<net::IpAddress> addresses;
  std::set<std::string> tags;

  friend bool operator==(const RegistrationScope&, const RegistrationScope&) = default;
};

struct DesiredRegistrations {
  Mappings mappings;  // exposed addresses → the tags of their ENI's groups
  RegistrationScope scope;
  std::vector<std::string> warnings;
};

// Every exposed ENI's addresses carry the tag of each of its groups. InvalidInput when a tag
// cannot be registered (validateRegistrationTag) or an address would carry more than 32 tags.
[[nodiscard]] Result<DesiredRegistrations> desiredRegistrations(
    const inventory::Inventory& inventory, const Options& options);

struct RegistrationChanges {
  Mappings register_tags;     // to register (new, or refreshed)
  Mappings unregister_tags;   // to unregister
  std::size_t added = 0;      // mappings (address, tag) new on the firewall
  std::size_t refreshed = 0;  // mappings registered again only to restart their timeout
  std::size_t removed = 0;
  std::size_t addresses_after = 0;  // distinct registered addresses afterwards, all prefixes

  [[nodiscard]] bool empty() const { return register_tags.empty() && unregister_tags.empty(); }
  friend bool operator==(const RegistrationChanges&, const RegistrationChanges&) = default;
};

// The difference between `desired` and `registered` (everything the firewall holds, anybody's),
// limited to trailwall's prefix and to desired.scope. With `refresh`, every desired mapping in
// scope is registered again (restarting its timeout), not only the new ones.
[[nodiscard]] RegistrationChanges registrationChanges(const DesiredRegistrations& desired,
                                                      const Mappings& registered,
                                                      const Options& options, bool refresh);

// The changes that remove every registration with trailwall's prefix (leaving the tag layout).
[[nodiscard]] RegistrationChanges unregisterAll(const Mappings& registered, const Options& options);

}  // namespace trailwall::policy
