#include "policy/proof.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "policy/members.h"
#include "policy/naming.h"

namespace trailwall::policy {
namespace {

std::optional<net::IpAddress> addressOf(std::string_view member) {
  if (auto address = net::IpAddress::parse(member)) return *address;
  if (auto cidr = net::Cidr::parse(member)) return cidr->network();
  return std::nullopt;
}

std::optional<net::Cidr> sourceOf(std::string_view member, net::Family family) {
  if (member == "any") {
    return family == net::Family::V4 ? net::Cidr::anyV4() : net::Cidr::anyV6();
  }
  if (auto address = net::IpAddress::parse(member)) {
    if (address->family() == family) return net::Cidr::host(*address);
    return std::nullopt;
  }
  if (auto cidr = net::Cidr::parse(member); cidr && cidr->family() == family) return *cidr;
  return std::nullopt;
}

struct ProtocolPort {
  net::Protocol protocol;
  net::PortRange ports = net::PortRange::all();
};

// The protocol and port an App-ID stands for in the table (application-default).
std::optional<ProtocolPort> fromAppTable(const AppIdTable& table, const std::string& app) {
  for (const auto& p : table.ports) {
    if (contains(p.applications, app))
      return ProtocolPort{p.protocol, net::PortRange::single(p.port)};
  }
  for (const auto* list : {&table.icmp_echo, &table.icmp_all, &table.icmp_other}) {
    if (contains(*list, app)) return ProtocolPort{net::Protocol::icmp()};
  }
  for (const auto* list : {&table.icmpv6_echo, &table.icmpv6_all, &table.icmpv6_other}) {
    if (contains(*list, app)) return ProtocolPort{net::Protocol::icmpV6()};
  }
  for (const auto& [number, apps] : table.protocols) {
    if (contains(apps, app)) return ProtocolPort{net::Protocol::number(number)};
  }
  return std::nullopt;
}

std::optional<ProtocolPort> fromService(const Rulebase& rulebase, const std::string& name) {
  const ServiceObject* service = rulebase.findService(name);
  if (service == nullptr) {
    for (const auto& s : rulebase.shared_services) {
      if (s.name == name) service = &s;
    }
  }
  if (service == nullptr || (service->protocol != "tcp" && service->protocol != "udp")) {
    return std::nullopt;
  }
  // The first port of "80,443" or "8000-8099".
  const std::string_view port = service->port;
  int first = -1;
  const auto end = port.data() + port.size();
  if (std::from_chars(port.data(), end, first).ec != std::errc{} || first < 0 || first > 65535) {
    return std::nullopt;
  }
  return ProtocolPort{service->protocol == "tcp" ? net::Protocol::tcp() : net::Protocol::udp(),
                      net::PortRange::single(static_cast<std::uint16_t>(first))};
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Enforced: return "enforced";
    case Verdict::NotEnforced: return "not enforced";
    case Verdict::Unproven: return "unproven";
  }
  return "unproven";
}

std::size_t Proof::notEnforced() const {
  return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [](const auto& r) {
    return r.verdict == Verdict::NotEnforced;
  }));
}

std::optional<Flow> sampleFlow(const SecurityRule& rule, const Rulebase& rulebase,
                               const Options& options, const std::string* destination) {
  std::optional<net::IpAddress> to;
  for (const auto& member : rule.destination) {
    if (destination != nullptr && canonicalMember(member) != canonicalMember(*destination)) {
      continue;
    }
    if ((to = addressOf(member))) break;
  }
  if (!to) return std::nullopt;
  std::optional<net::Cidr> from;
  for (const auto& member : rule.source) {
    if ((from = sourceOf(member, to->family()))) break;
  }
  if (!from) return std::nullopt;
  const std::string app = rule.application.empty() ? "any" : rule.application.front();
  const std::string service = rule.service.empty() ? "any" : rule.service.front();
  std::optional<ProtocolPort> what;
  if (service == "application-default" || (service == "any" && app != "any")) {
    if (app != "any") what = fromAppTable(options.app_ids, app);
  } else if (service == "any") {
    // All traffic: any TCP flow is a sample of it.
    what = ProtocolPort{net::Protocol::tcp(), net::PortRange::single(1)};
  } else {
    what = fromService(rulebase, service);
  }
  if (!what) return std::nullopt;
  return Flow{rule.name, *from, *to, what->protocol, what->ports, -1, app};
}

std::vector<ProofFlow> proofFlows(const Plan& plan, const Rulebase& before, const Rulebase& after,
                                  const Options& options, std::vector<ProofResult>* unprovable) {
  std::vector<ProofFlow> out;
  const auto add = [&](ProofFlow::Kind kind, const SecurityRule& rule, const Rulebase& rulebase,
                       const std::string* destination) {
    if (auto flow = sampleFlow(rule, rulebase, options, destination)) {
      out.push_back(ProofFlow{kind, rule.name, std::move(*flow)});
    } else if (unprovable != nullptr) {
      ProofResult result;
      result.item.kind = kind;
      result.item.rule = rule.name;
      result.reason =
          "no sample flow can be made from the rule (no address destination, or a "
          "service or App-ID without a known protocol and port)";
      unprovable->push_back(std::move(result));
    }
  };
  const auto canonical = [](const Members& members) {
    std::set<std::string> names;
    for (const auto& m : members) names.insert(canonicalMember(m));
    return names;
  };
  for (const auto& rule : plan.add_rules) add(ProofFlow::Kind::Intended, rule, after, nullptr);
  for (const auto& edit : plan.edit_rules) {
    const auto was = canonical(edit.before.destination);
    const auto now = canonical(edit.after.destination);
    const std::string* added = nullptr;
    for (const auto& d : edit.after.destination) {
      if (!was.contains(canonicalMember(d))) {
        added = &d;
        break;
      }
    }
    add(ProofFlow::Kind::Intended, edit.after, after, added);
    for (const auto& d : edit.before.destination) {
      if (!now.contains(canonicalMember(d))) {
        add(ProofFlow::Kind::Removed, edit.before, before, &d);
        break;  // one sample per rule
      }
    }
  }
  for (const auto& rule : plan.delete_rules) add(ProofFlow::Kind::Removed, rule, before, nullptr);
  return out;
}

ProofResult judge(const ProofFlow& item, const std::vector<RuleHit>& matches, const Rulebase& after,
                  const std::vector<std::string>& deleted, const Options& options) {
  ProofResult result;
  result.item = item;
  const bool intended = item.kind == ProofFlow::Kind::Intended;
  if (matches.empty()) {
    result.verdict = intended ? Verdict::NotEnforced : Verdict::Enforced;
    result.reason = intended ? "no rule matches it: the firewall's default rule denies it"
                             : "no rule matches it any more";
    return result;
  }
  const auto& first = matches.front();
  const SecurityRule* rule = after.findRule(first.name);
  result.matched_rule = first.name;
  result.matched_managed = rule != nullptr ? isManagedRule(*rule, options.managed_tag)
                                           : managedRuleOwner(first.name).has_value();
  result.matched_action = first.action.empty() && rule != nullptr ? rule->action : first.action;
  const bool allows = result.matched_action == "allow";
  const std::string action =
      result.matched_action.empty() ? "action unknown" : result.matched_action;
  if (intended) {
    if (allows) {
      result.verdict = Verdict::Enforced;
      result.reason = fmt::format("allowed by {} rule '{}'",
                                  result.matched_managed ? "managed" : "administrator", first.name);
    } else if (result.matched_managed) {
      result.verdict = Verdict::NotEnforced;
      result.reason = fmt::format("decided by managed rule '{}' ({})", first.name, action);
    } else {
      result.verdict = Verdict::NotEnforced;
      result.reason = fmt::format(
          "shadowed by rule '{}' ({}) above the managed rules: the firewall does not enforce it",
          first.name, action);
    }
    return result;
  }
  const bool removed_from = first.name == item.rule || contains(deleted, first.name);
  if (allows && result.matched_managed && removed_from) {
    result.verdict = Verdict::NotEnforced;
    result.reason =
        fmt::format("still allowed by managed rule '{}', which it was removed from", first.name);
    return result;
  }
  result.verdict = Verdict::Enforced;
  if (!allows) {
    result.reason = fmt::format("denied by rule '{}' ({})", first.name, action);
  } else if (result.matched_managed) {
    result.reason = fmt::format(
        "allowed by managed rule '{}', which AWS still calls for (another permission)", first.name);
  } else {
    result.reason =
        fmt::format("allowed by administrator rule '{}' (not trailwall's to remove)", first.name);
  }
  return result;
}

}  // namespace trailwall::policy
