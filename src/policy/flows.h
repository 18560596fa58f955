#pragma once
// Step 2 of planning: the flows a desired rule would allow, so the engine can ask the firewall
// `test security-policy-match` whether it allows them already (DESIGN §3, already allowed). The
// answers go back into plan() as a FlowSet; this module does no I/O.

#include <compare>
#include <set>
#include <string>
#include <vector>

#include "net/address.h"
#include "net/port.h"
#include "net/protocol.h"
#include "policy/desired.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::policy {

// One (source block, destination, protocol, port or ICMP type, application) of one rule.
struct Flow {
  std::string rule;  // the desired rule's name
  net::Cidr source;  // a source member; 0.0.0.0/0 or ::/0 when the rule says "any"
  net::IpAddress destination;
  net::Protocol protocol;
  net::PortRange ports;     // tcp/udp: the permission's range (ask with ports.first())
  int icmp_type = -1;       // icmp/icmpv6; -1 = every type
  std::string application;  // the App-ID to ask about, or "any"

  friend auto operator<=>(const Flow&, const Flow&) = default;
  friend bool operator==(const Flow&, const Flow&) = default;
};

using FlowSet = std::set<Flow>;

// Every flow of `rule` to `destination`: sources of the destination's family × applications.
// Rules for all traffic (protocol -1) have no flows: no single test can show them allowed, so
// they are never skipped.
[[nodiscard]] std::vector<Flow> flowsTo(const DesiredRule& rule, const net::IpAddress& destination);

// The flows to ask about: those of destinations a desired rule would newly allow, i.e. not
// already in the managed rule of the same name on the firewall. Empty when the check is off.
[[nodiscard]] std::vector<Flow> flowsToCheck(const Desired& desired, const Rulebase& current,
                                             const Options& options);

// An address to stand for a source block in a test: the block's first host (the address of a
// /32 or /128 itself). For 0.0.0.0/0 that is 0.0.0.1, which only a rule with source any admits.
[[nodiscard]] net::IpAddress sampleAddress(const net::Cidr& block);

// One line for a flow in reports: "203.0.113.1 -> 10.0.1.10 tcp/443 ssl".
[[nodiscard]] std::string flowText(const Flow& flow);

}  // namespace trailwall::policy
