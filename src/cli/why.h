#pragma once
// `trailwall why ADDRESS[:PORT[/PROTO]]` (issue 12): why an address is (or is not) reachable from
// the internet, from AWS and the firewall, read-only. AWS says which instance and ENI hold the
// address, which security groups and permissions expose which ports to which sources, and which
// managed rules that calls for; the firewall says which rule (managed or an administrator's)
// decides a sample flow of each (`test security-policy-match`), and the managed rule's
// description says which CloudTrail change last touched it (provenance.h). The steps are pure
// functions of their inputs, so they are tested without AWS or a firewall; cmd_why.cpp wires
// them.
//
// JSON: {"ok", "error", "target": {"address", "protocol", "port"}, "holders": [{"address",
// "network_interface", "instance", "instance_name", "instance_state", "subnet", "vpc", "groups":
// [{"id", "name"}], "exposed", "reason"}], "permissions": [{"group", "group_name", "protocol",
// "ports", "sources"}], "rules": [{"rule", "owner", "origin", "protocol", "ports", "sources",
// "applications", "on_firewall", "last_change", "event"}], "flows": [{"rule", "source",
// "destination", "protocol", "port", "application", "matched_rule", "matched_action",
// "matched_managed", "allowed", "last_change", "event"}], "tests", "notes"}; "event" is
// {"name", "id", "time", "principal"} or null.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "inventory/inventory.h"
#include "net/address.h"
#include "net/protocol.h"
#include "panos/firewall.h"
#include "policy/desired.h"
#include "policy/flows.h"
#include "policy/options.h"
#include "policy/rule.h"

namespace trailwall::cli {

// What `why` is asked about: an address, optionally a port (tcp unless /PROTO says otherwise)
// or a protocol without ports ("10.0.1.10:/icmp" is not accepted; "10.0.1.10/icmp" is).
struct WhyTarget {
  net::IpAddress address;
  std::optional<net::Protocol> protocol;
  std::optional<std::uint16_t> port;

  // "10.0.1.10", "10.0.1.10:443/tcp", "[2001:db8::1]:53/udp", "10.0.1.10/icmp".
  [[nodiscard]] std::string toString() const;
};

// ADDRESS, ADDRESS:PORT, ADDRESS:PORT/PROTO, ADDRESS/PROTO; IPv6 in brackets when a port
// follows ([2001:db8::1]:443). PROTO: tcp, udp, icmp, icmpv6 or a number; a port only with tcp
// or udp. InvalidInput naming the part that is wrong.
[[nodiscard]] Result<WhyTarget> parseWhyTarget(std::string_view text);

// The CloudTrail change a managed rule's description names ("NAME (ID) at TIME by PRINCIPAL"),
// split; nullopt when the description names none (a full reconcile, or no provenance).
struct ChangeRef {
  std::string name;
  std::string id;
  std::string time;
  std::string principal;
};
[[nodiscard]] std::optional<ChangeRef> parseChange(std::string_view last_change);

// An ENI that holds the address.
struct WhyHolder {
  const inventory::NetworkInterface* eni = nullptr;
  const inventory::Instance* instance = nullptr;            // null when detached (or not loaded)
  std::vector<std::pair<std::string, std::string>> groups;  // (id, name) of the ENI's groups
  bool exposed = false;  // the internet reaches it through the gateway
  std::string reason;    // why not, when not
};

// One ingress permission of a holder's groups (filtered by the target's protocol and port).
struct WhyPermission {
  std::string group_id;
  std::string group_name;
  const inventory::Permission* permission = nullptr;
};

// A managed rule AWS calls for whose destinations hold the address.
struct WhyRule {
  const policy::DesiredRule* desired = nullptr;
  bool on_firewall = false;  // a managed rule of that name is in the rulebase
  std::string last_change;   // its description's provenance ("" when none)
};

// One flow asked about and what the firewall answered.
struct WhyFlow {
  policy::Flow flow;
  std::string rule;  // the managed rule it samples; "" for a flow no permission exposes
  bool asked = false;
  std::string matched_rule;  // the deciding rule; "" when none matched
  std::string matched_action;
  bool matched_managed = false;
  bool matched_bottom = false;  // the deciding rule is policy.bottom_rule
  std::string last_change;      // of the deciding managed rule

  [[nodiscard]] bool allowed() const { return matched_action == "allow"; }
};

struct WhyReport {
  WhyTarget target;
  std::vector<WhyHolder> holders;
  std::vector<WhyPermission> permissions;
  std::vector<WhyRule> rules;
  std::vector<WhyFlow> flows;
  int tests = 0;
  std::vector<std::string> notes;
};

// The AWS part: the holders of the address, their groups' permissions and the desired rules
// (from `desired`, which must outlive the report, as must `inventory`) that allow the address.
// NotFound when no interface in the inventory holds the address.
[[nodiscard]] Result<WhyReport> explainAws(const WhyTarget& target,
                                           const inventory::Inventory& inventory,
                                           const policy::Desired& desired,
                                           const policy::Options& options);

// The flows to ask the firewall about (also stored in report.flows, not yet asked): a sample of
// every rule in report.rules, or, when a port or protocol was asked about and no rule allows it,
// that flow from anywhere.
void planFlows(WhyReport& report);

// The firewall part: which managed rules exist (and their provenance), and the answers of
// matchFlows for report.flows (in order).
void explainFirewall(WhyReport& report, const policy::Rulebase& rulebase,
                     const panos::MatchAnswers& answers, const policy::Options& options);

[[nodiscard]] std::string whyText(const WhyReport& report);
[[nodiscard]] std::string whyJson(const WhyReport& report);

}  // namespace trailwall::cli
