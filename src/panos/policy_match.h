#pragma once
// `test security-policy-match` (API-NOTES §6.1): which rules a flow would hit, in rule order. The
// device answers in three shapes — structured <entry name><index><action>, older text entries
// "NAME; index: N", and CLI text in <msg><line> — and with no rule at all when nothing matches.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "panos/response.h"

namespace trailwall::panos {

// One flow to test. Addresses are single IPv4/IPv6 addresses; zones and application optional.
struct PolicyMatchQuery {
  std::string from;         // source zone
  std::string to;           // destination zone
  std::string source;       // address
  std::string destination;  // address
  int protocol = 6;         // IP protocol number, 1–255
  std::optional<int> destination_port;
  std::string application;  // App-ID, e.g. ssl
  bool show_all = true;     // every potential match up to the first terminal one

  friend bool operator==(const PolicyMatchQuery&, const PolicyMatchQuery&) = default;
};

// <test><security-policy-match>…</security-policy-match></test>; InvalidInput for a value that
// is not an address, a protocol out of range, a port out of range or text XML cannot carry.
[[nodiscard]] Result<std::string> policyMatchCommand(const PolicyMatchQuery& query);

struct MatchedRule {
  std::string name;
  std::optional<int> index;
  std::string action;  // allow, deny, drop, reset-…; empty when the reply does not say

  friend bool operator==(const MatchedRule&, const MatchedRule&) = default;
};

// The matched rules of a successful reply, in the device's order (empty: no match).
[[nodiscard]] std::vector<MatchedRule> parsePolicyMatch(const ApiResponse& response);

// The CLI text form ("NAME; index: N" { … action allow; … }), as inside <msg><line>.
[[nodiscard]] std::vector<MatchedRule> parsePolicyMatchText(std::string_view text);

}  // namespace trailwall::panos
