#pragma once
// Comparing member lists the way PAN-OS means them: order does not matter, and an address may
// be written "10.0.0.5", "10.0.0.5/32" or with upper-case IPv6 digits.

#include <string>
#include <string_view>

#include "policy/rule.h"

namespace trailwall::policy {

// Addresses and CIDRs in canonical form (hosts bare); any other member unchanged.
[[nodiscard]] std::string canonicalMember(std::string_view member);

// Same members, ignoring order, duplicates and address spelling.
[[nodiscard]] bool sameMembers(const Members& a, const Members& b);

}  // namespace trailwall::policy
