#include "policy/tag_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "policy/exposure.h"
#include "policy/naming.h"

namespace trailwall::policy {
namespace {

constexpr std::string_view kDagPrefix = "tw-dag-";
constexpr std::string_view kTagRuleInfix = "-dag-";

bool isTagChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
}

bool sameWord(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == y;
         });
}

// The addresses an ENI holds now (exposed or not): their registrations are fully known.
void addAddresses(const inventory::NetworkInterface& eni, std::set<net::IpAddress>& out) {
  if (eni.primary_ipv4) out.insert(*eni.primary_ipv4);
  out.insert(eni.secondary_ipv4.begin(), eni.secondary_ipv4.end());
  out.insert(eni.ipv6_addresses.begin(), eni.ipv6_addresses.end());
}

bool inScope(const RegistrationScope& scope, const net::IpAddress& address, std::string_view tag) {
  return scope.everything || scope.addresses.contains(address) ||
         scope.tags.contains(std::string(tag));
}

}  // namespace

std::string registrationPrefix(const Options& options) {
  return options.managed_tag + ".";
}

std::string groupTag(const Options& options, std::string_view group_id) {
  return registrationPrefix(options) + std::string(group_id);
}

std::string_view groupOfTag(const Options& options, std::string_view tag) {
  const std::string prefix = registrationPrefix(options);
  if (!tag.starts_with(prefix)) return {};
  return tag.substr(prefix.size());
}

Status validateRegistrationTag(std::string_view tag, std::string_view what) {
  if (tag.empty() || tag.size() > 127) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("{} '{}' must be 1-127 characters long", what, tag));
  }
  if (!std::all_of(tag.begin(), tag.end(), isTagChar)) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("{} '{}' may hold only letters, digits, '.', '-' and '_' (it is quoted "
                            "in a dynamic address group's filter)",
                            what, tag));
  }
  for (const std::string_view word : {"and", "or", "not"}) {
    if (sameWord(tag, word)) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} '{}' is a word of the filter language", what, tag));
    }
  }
  return {};
}

std::string dagName(std::string_view group_id) {
  return std::string(kDagPrefix) + std::string(group_id);
}

std::string dagFilter(std::string_view tag) {
  return fmt::format("'{}'", tag);
}

std::string_view groupOfDag(std::string_view name) {
  if (!name.starts_with(kDagPrefix)) return {};
  const auto group = name.substr(kDagPrefix.size());
  if (!group.starts_with("sg-") || group.size() == 3) return {};
  const bool hex = std::all_of(group.begin() + 3, group.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  return hex ? group : std::string_view();
}

bool isManagedAddressGroup(const AddressGroup& group, std::string_view managed_tag) {
  return !groupOfDag(group.name).empty() && group.hasTag(managed_tag);
}

AddressGroup desiredDag(const Options& options, std::string_view group_id) {
  AddressGroup g;
  g.name = dagName(group_id);
  g.filter = dagFilter(groupTag(options, group_id));
  g.description =
      fmt::format("trailwall: addresses carrying {} (registered through User-ID)", group_id);
  g.tag = {options.managed_tag};
  return g;
}

std::string tagRuleName(std::string_view group_id, std::string_view suffix) {
  return ruleName(group_id, fmt::format("dag-{}", suffix));
}

bool isTagRuleName(std::string_view name) {
  if (!name.starts_with("sg-")) return false;
  const auto infix = name.find(kTagRuleInfix);
  return infix != std::string_view::npos && name.find('-', 3) == infix;  // right after the group id
}

Result<DesiredRegistrations> desiredRegistrations(const inventory::Inventory& inventory,
                                                  const Options& options) {
  DesiredRegistrations out;
  const Exposure exposure = analyzeExposure(inventory, options);
  for (const auto& e : exposure.interfaces) {
    std::set<std::string> tags;
    for (const auto& g : e.eni->group_ids) {
      auto tag = groupTag(options, g);
      if (auto ok = validateRegistrationTag(tag, "registration tag"); !ok) {
        return std::unexpected(ok.error().withContext(e.eni->id));
      }
      tags.insert(std::move(tag));
    }
    if (tags.empty()) continue;
    if (tags.size() > kMaxTagsPerAddress) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} carries {} security groups; PAN-OS registers at most {} tags per "
                              "address",
                              e.eni->id, tags.size(), kMaxTagsPerAddress));
    }
    for (const auto* list : {&e.ipv4, &e.ipv6}) {
      for (const auto& address : *list) out.mappings[address].insert(tags.begin(), tags.end());
    }
  }
  // What this inventory is complete for.
  out.scope.everything = inventory.coverage.everything;
  for (const auto& eni : inventory.network_interfaces) addAddresses(eni, out.scope.addresses);
  for (const auto& g : inventory.coverage.group_ids) out.scope.tags.insert(groupTag(options, g));
  for (const auto& id : inventory.gone) {
    if (id.starts_with("sg-")) out.scope.tags.insert(groupTag(options, id));
  }
  for (const auto& [address, tags] : out.mappings) {
    if (tags.size() > kMaxTagsPerAddress) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("{} would carry {} tags; PAN-OS registers at most {} per address",
                              address.toString(), tags.size(), kMaxTagsPerAddress));
    }
  }
  return out;
}

RegistrationChanges registrationChanges(const DesiredRegistrations& desired,
                                        const Mappings& registered, const Options& options,
                                        bool refresh) {
  RegistrationChanges out;
  const std::string prefix = registrationPrefix(options);
  static const std::set<std::string> kNone;
  // Removals: trailwall's tags in scope that are not desired.
  for (const auto& [address, tags] : registered) {
    const auto want = desired.mappings.find(address);
    const auto& wanted = want == desired.mappings.end() ? kNone : want->second;
    for (const auto& tag : tags) {
      if (!tag.starts_with(prefix) || wanted.contains(tag) || !inScope(desired.scope, address, tag))
        continue;
      out.unregister_tags[address].insert(tag);
      ++out.removed;
    }
  }
  // Additions (and refreshes).
  for (const auto& [address, tags] : desired.mappings) {
    const auto have = registered.find(address);
    const auto& present = have == registered.end() ? kNone : have->second;
    for (const auto& tag : tags) {
      if (!inScope(desired.scope, address, tag)) continue;
      const bool there = present.contains(tag);
      if (there && !refresh) continue;
      out.register_tags[address].insert(tag);
      ++(there ? out.refreshed : out.added);
    }
  }
  // Distinct addresses registered afterwards, anybody's tags included.
  std::size_t after = 0;
  for (const auto& [address, tags] : registered) {
    const auto gone = out.unregister_tags.find(address);
    const std::size_t left =
        tags.size() - (gone == out.unregister_tags.end() ? 0 : gone->second.size());
    if (left > 0 || out.register_tags.contains(address)) ++after;
  }
  for (const auto& [address, tags] : out.register_tags) {
    if (!registered.contains(address)) ++after;
  }
  out.addresses_after = after;
  return out;
}

RegistrationChanges unregisterAll(const Mappings& registered, const Options& options) {
  DesiredRegistrations none;
  none.scope.everything = true;
  return registrationChanges(none, registered, options, false);
}

}  // namespace trailwall::policy
