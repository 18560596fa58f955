#include "cli/why.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "policy/exposure.h"
#include "policy/naming.h"
#include "policy/provenance.h"

namespace trailwall::cli {
namespace {

using Json = nlohmann::ordered_json;

bool coversProtocol(const net::Protocol& have, const WhyTarget& target) {
  return !target.protocol || have.isAll() || have == *target.protocol;
}

bool coversPort(const net::Protocol& have, const net::PortRange& ports, const WhyTarget& target) {
  if (!target.port) return true;
  return have.isAll() || (have.hasPorts() && ports.contains(*target.port));
}

bool holds(const inventory::NetworkInterface& eni, const net::IpAddress& address) {
  if (eni.primary_ipv4 && *eni.primary_ipv4 == address) return true;
  const auto has = [&](const std::vector<net::IpAddress>& list) {
    return std::ranges::find(list, address) != list.end();
  };
  return has(eni.secondary_ipv4) || has(eni.ipv6_addresses);
}

// "tcp 443", "udp 1000-2000", "icmp", "all traffic".
std::string portsText(const net::Protocol& protocol, const net::PortRange& ports) {
  if (protocol.isAll()) return "all traffic";
  if (!protocol.hasPorts()) return protocol.name();
  return protocol.name() + " " + ports.toString();
}

net::PortRange permissionPorts(const inventory::Permission& p) {
  if (!p.protocol.hasPorts()) return net::PortRange::all();
  return net::PortRange::make(p.from_port, p.to_port).value_or(net::PortRange::all());
}

std::vector<std::string> permissionSources(const inventory::Permission& p) {
  std::vector<std::string> out;
  for (const auto& r : p.ipv4_ranges) out.push_back(r.cidr.toString());
  for (const auto& r : p.ipv6_ranges) out.push_back(r.cidr.toString());
  for (const auto& l : p.prefix_lists) out.push_back(l.prefix_list_id + " (prefix list)");
  for (const auto& g : p.group_pairs) out.push_back(g.group_id + " (security group)");
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string lastChangeOf(const policy::SecurityRule& rule) {
  const auto origin = policy::descriptionOrigin(rule.description);
  if (origin.size() == rule.description.size()) return {};
  return rule.description.substr(origin.size() + policy::kProvenanceSeparator.size());
}

// Why an interface holding the address is not reached from the internet through the gateway.
std::string notExposedReason(const inventory::NetworkInterface& eni,
                             const inventory::Instance* instance, const net::IpAddress& address,
                             const inventory::Inventory& inventory,
                             const policy::Options& options) {
  if (!eni.attachment) return "the interface is not attached to an instance";
  const auto& gateway_enis = options.gateway_eni_ids;
  if (eni.attachment->instance_id == options.gateway_instance_id ||
      std::ranges::find(gateway_enis, eni.id) != gateway_enis.end()) {
    return "it is the firewall (the gateway) itself";
  }
  if (instance == nullptr) {
    return fmt::format("it is attached to {}, which AWS did not return",
                       eni.attachment->instance_id);
  }
  if (!instance->isUp()) {
    return fmt::format("instance {} is {}", instance->id, inventory::to_string(instance->state));
  }
  const auto* table = policy::effectiveRouteTable(inventory, eni.subnet_id, eni.vpc_id);
  if (table == nullptr) {
    return fmt::format("the route table of {} is unknown", eni.subnet_id);
  }
  return fmt::format("{} ({}'s route table) does not send {} to the firewall", table->id,
                     eni.subnet_id, address.isV4() ? "0.0.0.0/0" : "::/0");
}

Json eventJson(const std::string& last_change) {
  const auto change = parseChange(last_change);
  if (!change) return nullptr;
  return {{"name", change->name},
          {"id", change->id},
          {"time", change->time},
          {"principal", change->principal}};
}

std::string flowText(const policy::Flow& flow) {
  std::string out = fmt::format("{} -> {} {}", policy::sampleAddress(flow.source).toString(),
                                flow.destination.toString(), flow.protocol.name());
  if (flow.protocol.hasPorts()) out += fmt::format("/{}", flow.ports.first());
  if (flow.application != "any") out += " " + flow.application;
  return out;
}

}  // namespace

std::string WhyTarget::toString() const {
  std::string out = address.isV6() && port ? "[" + address.toString() + "]" : address.toString();
  if (port) out += fmt::format(":{}", *port);
  if (protocol) out += "/" + protocol->name();
  return out;
}

Result<WhyTarget> parseWhyTarget(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("'{}': {} (expected ADDRESS[:PORT[/PROTO]], e.g. 10.0.1.10:443/tcp, "
                            "[2001:db8::1]:443, 10.0.1.10/icmp)",
                            text, why));
  };
  if (text.empty()) return bad("no address");
  WhyTarget target;
  std::string_view address = text;
  std::string_view rest;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad("'[' without ']'");
    address = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':' && rest.front() != '/') {
      return bad("':PORT' or '/PROTO' expected after ']'");
    }
  } else if (std::ranges::count(text, ':') > 1) {
    // A bare IPv6 address; a protocol may follow ("2001:db8::1/icmpv6"), a port may not.
    const auto slash = text.find('/');
    address = text.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  } else {
    const auto at = text.find_first_of(":/");
    address = text.substr(0, at);
    rest = at == std::string_view::npos ? std::string_view() : text.substr(at);
  }
  auto parsed = net::IpAddress::parse(address);
  if (!parsed) return bad("not an IPv4 or IPv6 address");
  target.address = *parsed;
  std::string_view port_text;
  std::string_view protocol_text;
  if (rest.starts_with(':')) {
    rest.remove_prefix(1);
    const auto slash = rest.find('/');
    port_text = rest.substr(0, slash);
    if (slash != std::string_view::npos) protocol_text = rest.substr(slash + 1);
    if (port_text.empty()) return bad("no port after ':'");
    if (slash != std::string_view::npos && protocol_text.empty()) {
      return bad("no protocol after '/'");
    }
  } else if (rest.starts_with('/')) {
    protocol_text = rest.substr(1);
    if (protocol_text.empty()) return bad("no protocol after '/'");
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value > 65535 ||
        (port_text.size() > 1 && port_text.front() == '0')) {
      return bad("the port is not a number 0-65535");
    }
    target.port = static_cast<std::uint16_t>(value);
    target.protocol = net::Protocol::tcp();
  }
  if (!protocol_text.empty()) {
    auto protocol = net::Protocol::parse(protocol_text);
    if (!protocol || protocol->isAll()) return bad("unknown protocol");
    if (target.port && !protocol->hasPorts()) {
      return bad(fmt::format("{} has no ports", protocol->name()));
    }
    target.protocol = *protocol;
  }
  return target;
}

std::optional<ChangeRef> parseChange(std::string_view text) {
  if (text.empty() || text.starts_with("full reconcile")) return std::nullopt;
  ChangeRef change;
  // eventText: NAME[ (ID)][ at TIME][ by PRINCIPAL]; the principal is last and may hold anything.
  const auto by = text.find(" by ");
  if (by != std::string_view::npos) {
    change.principal = std::string(text.substr(by + 4));
    text = text.substr(0, by);
  }
  const auto at = text.rfind(" at ");
  if (at != std::string_view::npos) {
    change.time = std::string(text.substr(at + 4));
    text = text.substr(0, at);
  }
  const auto open = text.find(" (");
  if (open != std::string_view::npos && text.ends_with(')')) {
    change.id = std::string(text.substr(open + 2, text.size() - open - 3));
    text = text.substr(0, open);
  }
  change.name = std::string(text);
  return change;
}

Result<WhyReport> explainAws(const WhyTarget& target, const inventory::Inventory& inventory,
                             const policy::Desired& desired, const policy::Options& options) {
  WhyReport report;
  report.target = target;
  const auto exposure = policy::analyzeExposure(inventory, options);
  for (const auto& eni : inventory.network_interfaces) {
    if (!holds(eni, target.address)) continue;
    WhyHolder holder;
    holder.eni = &eni;
    if (eni.attachment) {
      const auto it = std::ranges::find(inventory.instances, eni.attachment->instance_id,
                                        &inventory::Instance::id);
      if (it != inventory.instances.end()) holder.instance = &*it;
    }
    for (const auto& exposed : exposure.interfaces) {
      if (exposed.eni != &eni) continue;
      const auto& list = target.address.isV4() ? exposed.ipv4 : exposed.ipv6;
      holder.exposed = std::ranges::find(list, target.address) != list.end();
    }
    if (!holder.exposed) {
      holder.reason = notExposedReason(eni, holder.instance, target.address, inventory, options);
    }
    for (const auto& warning : exposure.warnings) {
      if (warning.find(eni.id) != std::string::npos) report.notes.push_back(warning);
    }
    for (const auto& group_id : eni.group_ids) {
      const auto group =
          std::ranges::find(inventory.security_groups, group_id, &inventory::SecurityGroup::id);
      if (group == inventory.security_groups.end()) {
        holder.groups.emplace_back(group_id, "");
        report.notes.push_back(
            fmt::format("{} carries {}, which AWS did not return", eni.id, group_id));
        continue;
      }
      holder.groups.emplace_back(group->id, group->name);
      for (const auto& permission : group->ingress) {
        if (!coversProtocol(permission.protocol, target) ||
            !coversPort(permission.protocol, permissionPorts(permission), target)) {
          continue;
        }
        report.permissions.push_back(WhyPermission{group->id, group->name, &permission});
      }
    }
    report.holders.push_back(std::move(holder));
  }
  if (report.holders.empty()) {
    return fail(ErrorCode::NotFound,
                fmt::format("no network interface in AWS holds {} ({} interfaces looked at); "
                            "trailwall knows instances by their private and IPv6 addresses",
                            target.address.toString(), inventory.network_interfaces.size()));
  }
  for (const auto& rule : desired.rules) {
    const auto& match = rule.match;
    if (std::ranges::find(match.destinations, target.address) == match.destinations.end()) {
      continue;
    }
    if (!coversProtocol(match.protocol, target) ||
        !coversPort(match.protocol, match.ports, target)) {
      continue;
    }
    report.rules.push_back(WhyRule{&rule, false, {}});
  }
  for (const auto& warning : desired.warnings) {
    for (const auto& holder : report.holders) {
      if (warning.find(holder.eni->id) != std::string::npos) report.notes.push_back(warning);
    }
  }
  return report;
}

void planFlows(WhyReport& report) {
  const auto& target = report.target;
  const bool v4 = target.address.isV4();
  for (const auto& rule : report.rules) {
    const auto& match = rule.desired->match;
    const auto source = std::ranges::find_if(
        match.sources, [&](const net::Cidr& c) { return c.network().isV4() == v4; });
    if (source == match.sources.end()) continue;  // the rule allows the other family only
    policy::Flow flow;
    flow.rule = rule.desired->rule.name;
    flow.source = *source;
    flow.destination = target.address;
    flow.protocol = match.protocol;
    flow.ports = match.ports;
    flow.icmp_type = match.icmp_type;
    flow.application = match.applications.empty() ? "any" : match.applications.front();
    if (flow.protocol.isAll()) {  // no single test shows all traffic: ask for one flow of it
      flow.protocol = target.protocol.value_or(net::Protocol::tcp());
      flow.ports = net::PortRange::single(1);
      flow.application = "any";
    }
    if (target.port) flow.ports = net::PortRange::single(*target.port);
    WhyFlow asked;
    asked.flow = flow;
    asked.rule = rule.desired->rule.name;
    report.flows.push_back(std::move(asked));
  }
  if (report.rules.empty() && target.protocol) {
    policy::Flow flow;
    flow.source = v4 ? net::Cidr::anyV4() : net::Cidr::anyV6();
    flow.destination = target.address;
    flow.protocol = *target.protocol;
    flow.ports = target.port ? net::PortRange::single(*target.port) : net::PortRange::all();
    flow.application = "any";
    WhyFlow asked;
    asked.flow = flow;
    report.flows.push_back(std::move(asked));
  }
}

void explainFirewall(WhyReport& report, const policy::Rulebase& rulebase,
                     const panos::MatchAnswers& answers, const policy::Options& options) {
  for (auto& rule : report.rules) {
    const auto* found = rulebase.findRule(rule.desired->rule.name);
    rule.on_firewall = found != nullptr && policy::isManagedRule(*found, options.managed_tag);
    if (rule.on_firewall) rule.last_change = lastChangeOf(*found);
    if (!rule.on_firewall) {
      report.notes.push_back(fmt::format(
          "managed rule '{}' is not on the firewall: `trailwall reconcile` would add it",
          rule.desired->rule.name));
    }
  }
  report.tests = answers.tests;
  for (std::size_t i = 0; i < report.flows.size() && i < answers.matches.size(); ++i) {
    auto& flow = report.flows[i];
    const auto& matches = answers.matches[i];
    flow.asked = matches.has_value();
    if (!matches || matches->empty()) continue;
    const auto& first = matches->front();
    const auto* rule = rulebase.findRule(first.name);
    flow.matched_rule = first.name;
    flow.matched_action = !first.action.empty() || rule == nullptr ? first.action : rule->action;
    flow.matched_managed = rule != nullptr ? policy::isManagedRule(*rule, options.managed_tag)
                                           : policy::managedRuleOwner(first.name).has_value();
    if (flow.matched_managed && rule != nullptr) flow.last_change = lastChangeOf(*rule);
    flow.matched_bottom = !options.bottom_rule.empty() && first.name == options.bottom_rule;
  }
}

std::string whyText(const WhyReport& report) {
  std::string out = report.target.toString() + "\n";
  for (const auto& holder : report.holders) {
    const auto& eni = *holder.eni;
    std::string instance = "no instance";
    if (holder.instance != nullptr) {
      instance = holder.instance->id;
      const std::string state(inventory::to_string(holder.instance->state));
      instance += holder.instance->name.empty()
                      ? fmt::format(" ({})", state)
                      : fmt::format(" ({}, {})", holder.instance->name, state);
    } else if (eni.attachment) {
      instance = eni.attachment->instance_id;
    }
    std::vector<std::string> groups;
    for (const auto& [id, name] : holder.groups) {
      groups.push_back(name.empty() ? id : fmt::format("{} ({})", id, name));
    }
    out += fmt::format("held by {} of {} in {} / {}; groups: {}\n", eni.id, instance, eni.subnet_id,
                       eni.vpc_id, groups.empty() ? "none" : join(groups));
    out += holder.exposed
               ? "  reached from the internet through the firewall\n"
               : fmt::format("  not reached from the internet through the firewall: {}\n",
                             holder.reason);
  }
  out += "security group permissions";
  out += report.target.protocol ? fmt::format(" for {}", report.target.toString()) : "";
  out += report.permissions.empty() ? ": none\n" : ":\n";
  for (const auto& p : report.permissions) {
    out += fmt::format("  {} ({}): {} from {}\n", p.group_id, p.group_name,
                       portsText(p.permission->protocol, permissionPorts(*p.permission)),
                       join(permissionSources(*p.permission)).empty()
                           ? "nowhere"
                           : join(permissionSources(*p.permission)));
  }
  out += "managed rules AWS calls for";
  out += report.rules.empty() ? ": none (nothing exposes it to the internet)\n" : ":\n";
  for (const auto& rule : report.rules) {
    const auto& d = *rule.desired;
    out += fmt::format(
        "  {}: {} from {} ({}) — {}\n", d.rule.name, portsText(d.match.protocol, d.match.ports),
        join(d.rule.source), join(d.rule.application),
        !rule.on_firewall          ? "NOT on the firewall"
        : rule.last_change.empty() ? "on the firewall"
                                   : "on the firewall; last change: " + rule.last_change);
    out += fmt::format("    {}\n", policy::descriptionOrigin(d.rule.description));
  }
  if (!report.flows.empty()) out += "on the firewall now (test security-policy-match):\n";
  for (const auto& flow : report.flows) {
    std::string verdict;
    if (!flow.asked) {
      verdict = "not asked";
    } else if (flow.matched_rule.empty()) {
      verdict = "no rule matches (not allowed)";
    } else {
      const char* whose = flow.matched_managed  ? "managed"
                          : flow.matched_bottom ? "the bottom"
                                                : "an administrator's";
      verdict = fmt::format("{} by {} rule '{}'", flow.allowed() ? "allowed" : "NOT allowed", whose,
                            flow.matched_rule);
      if (!flow.allowed()) verdict += fmt::format(" ({})", flow.matched_action);
      if (!flow.last_change.empty()) verdict += "; last change: " + flow.last_change;
    }
    out += fmt::format("  {}: {}\n", flowText(flow.flow), verdict);
  }
  for (const auto& note : report.notes) out += "note: " + note + "\n";
  return out;
}

std::string whyJson(const WhyReport& report) {
  Json j;
  j["ok"] = true;
  j["error"] = nullptr;
  const auto& t = report.target;
  j["target"] = {{"address", t.address.toString()},
                 {"protocol", t.protocol ? Json(t.protocol->name()) : Json(nullptr)},
                 {"port", t.port ? Json(*t.port) : Json(nullptr)}};
  Json holders = Json::array();
  for (const auto& h : report.holders) {
    Json groups = Json::array();
    for (const auto& [id, name] : h.groups) groups.push_back({{"id", id}, {"name", name}});
    holders.push_back(
        {{"address", t.address.toString()},
         {"network_interface", h.eni->id},
         {"instance", h.instance != nullptr               ? Json(h.instance->id)
                      : h.eni->attachment != std::nullopt ? Json(h.eni->attachment->instance_id)
                                                          : Json(nullptr)},
         {"instance_name", h.instance != nullptr ? Json(h.instance->name) : Json(nullptr)},
         {"instance_state", h.instance != nullptr
                                ? Json(std::string(inventory::to_string(h.instance->state)))
                                : Json(nullptr)},
         {"subnet", h.eni->subnet_id},
         {"vpc", h.eni->vpc_id},
         {"groups", std::move(groups)},
         {"exposed", h.exposed},
         {"reason", h.reason}});
  }
  j["holders"] = std::move(holders);
  Json permissions = Json::array();
  for (const auto& p : report.permissions) {
    const auto& perm = *p.permission;
    permissions.push_back(
        {{"group", p.group_id},
         {"group_name", p.group_name},
         {"protocol", perm.protocol.name()},
         {"ports",
          perm.protocol.hasPorts() ? Json(permissionPorts(perm).toString()) : Json(nullptr)},
         {"sources", permissionSources(perm)}});
  }
  j["permissions"] = std::move(permissions);
  Json rules = Json::array();
  for (const auto& r : report.rules) {
    const auto& d = *r.desired;
    rules.push_back(
        {{"rule", d.rule.name},
         {"owner", d.owner},
         {"origin", std::string(policy::descriptionOrigin(d.rule.description))},
         {"protocol", d.match.protocol.name()},
         {"ports", d.match.protocol.hasPorts() ? Json(d.match.ports.toString()) : Json(nullptr)},
         {"sources", d.rule.source},
         {"applications", d.rule.application},
         {"on_firewall", r.on_firewall},
         {"last_change", r.last_change},
         {"event", eventJson(r.last_change)}});
  }
  j["rules"] = std::move(rules);
  Json flows = Json::array();
  for (const auto& f : report.flows) {
    flows.push_back(
        {{"rule", f.rule.empty() ? Json(nullptr) : Json(f.rule)},
         {"source", policy::sampleAddress(f.flow.source).toString()},
         {"destination", f.flow.destination.toString()},
         {"protocol", f.flow.protocol.name()},
         {"port", f.flow.protocol.hasPorts() ? Json(f.flow.ports.first()) : Json(nullptr)},
         {"application", f.flow.application},
         {"asked", f.asked},
         {"matched_rule", f.matched_rule.empty() ? Json(nullptr) : Json(f.matched_rule)},
         {"matched_action", f.matched_action},
         {"matched_managed", f.matched_managed},
         {"allowed", f.allowed()},
         {"last_change", f.last_change},
         {"event", eventJson(f.last_change)}});
  }
  j["flows"] = std::move(flows);
  j["tests"] = report.tests;
  j["notes"] = report.notes;
  return j.dump(2) + "\n";
}

}  // namespace trailwall::cli
