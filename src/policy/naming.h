#pragma once
// Deterministic names of managed rules and service objects, and the patterns that recognise
// them. The same truth always gives the same names (DESIGN §3), and names fit PAN-OS's limit.

#include <optional>
#include <string>
#include <string_view>

#include "inventory/inventory.h"
#include "net/port.h"
#include "policy/rule.h"

namespace trailwall::policy {

// "tcp-443", "tcp-8000-8099", "udp-53", "all", "icmp" (all types), "icmp-8", "icmp-3-4",
// "icmpv6-128", "proto47".
[[nodiscard]] std::string permissionSuffix(const inventory::Permission& permission);

// "<owner>-<suffix>[-<extra>]". Past 63 characters the tail is replaced by a hash of the whole
// name, so long names stay distinct and deterministic.
[[nodiscard]] std::string ruleName(std::string_view owner, std::string_view suffix);

// The owner (a security group id "sg-…" or an instance id "i-…") of a name in the managed
// pattern "<owner>-<suffix>"; nullopt for any other name.
[[nodiscard]] std::optional<std::string_view> managedRuleOwner(std::string_view name);

// Managed = name in the managed pattern AND the managed tag (DESIGN §3, ownership).
[[nodiscard]] bool isManagedRule(const SecurityRule& rule, std::string_view managed_tag);

// "tw-tcp-8000-8099", "tw-udp-500".
[[nodiscard]] std::string serviceObjectName(std::string_view protocol, const net::PortRange& ports);
[[nodiscard]] bool isManagedService(const ServiceObject& service, std::string_view managed_tag);

}  // namespace trailwall::policy
