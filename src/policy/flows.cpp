#include "policy/flows.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "policy/members.h"
#include "policy/naming.h"

namespace trailwall::policy {

std::vector<Flow> flowsTo(const DesiredRule& rule, const net::IpAddress& destination) {
  std::vector<Flow> out;
  const Match& m = rule.match;
  if (m.protocol.isAll()) return out;
  for (const auto& source : m.sources) {
    if (source.family() != destination.family()) continue;
    for (const auto& app : m.applications) {
      out.push_back(
          Flow{rule.rule.name, source, destination, m.protocol, m.ports, m.icmp_type, app});
    }
  }
  return out;
}

std::vector<Flow> flowsToCheck(const Desired& desired, const Rulebase& current,
                               const Options& options) {
  std::vector<Flow> out;
  if (!options.check_already_allowed) return out;
  std::unordered_map<std::string_view, const SecurityRule*> managed;
  for (const auto& r : current.rules) {
    if (isManagedRule(r, options.managed_tag)) managed.emplace(r.name, &r);
  }
  for (const auto& d : desired.rules) {
    std::unordered_set<std::string> present;
    if (const auto it = managed.find(d.rule.name); it != managed.end()) {
      for (const auto& m : it->second->destination) present.insert(canonicalMember(m));
    }
    for (std::size_t i = 0; i < d.match.destinations.size(); ++i) {
      if (present.contains(d.rule.destination[i])) continue;
      auto flows = flowsTo(d, d.match.destinations[i]);
      out.insert(out.end(), std::make_move_iterator(flows.begin()),
                 std::make_move_iterator(flows.end()));
    }
  }
  return out;
}

std::string flowText(const Flow& flow) {
  std::string out = fmt::format("{} -> {} {}", sampleAddress(flow.source).toString(),
                                flow.destination.toString(), flow.protocol.name());
  if (flow.protocol.hasPorts()) out += fmt::format("/{}", flow.ports.first());
  if (flow.application != "any") out += " " + flow.application;
  return out;
}

net::IpAddress sampleAddress(const net::Cidr& block) {
  if (block.prefixLength() >= block.network().bits() - 1) return block.network();
  const auto n = block.network();
  if (n.isV4()) return net::IpAddress::v4(n.v4Value() + 1);
  return net::IpAddress::v6(n.high(), n.low() + 1);
}

}  // namespace trailwall::policy
