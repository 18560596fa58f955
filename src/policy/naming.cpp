#include "policy/naming.h"

#include <fmt/format.h>

#include <cstdint>

namespace trailwall::policy {
namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isSuffixChar(char c) {
  return (c >= 'a' && c <= 'z') || isDigit(c) || c == '-';
}

std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261U;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619U;
  }
  return h;
}

// "<name>-<number>" built by hand: names are made for every permission at scale.
void appendNumber(std::string& out, int value) {
  char buffer[12];
  char* end = buffer + sizeof(buffer);
  unsigned v = static_cast<unsigned>(value);
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out += '-';
  out.append(end, buffer + sizeof(buffer));
}

std::string icmpSuffix(std::string_view name, int type, int code) {
  std::string out(name);
  if (type >= 0) appendNumber(out, type);
  if (type >= 0 && code >= 0) appendNumber(out, code);
  return out;
}

// "<digits>" or "<digits>-<digits>" after `prefix`.
bool isPortsAfter(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return false;
  std::string_view rest = name.substr(prefix.size());
  int groups = 0;
  while (!rest.empty()) {
    std::size_t n = 0;
    while (n < rest.size() && isDigit(rest[n])) ++n;
    if (n == 0 || ++groups > 2) return false;
    rest.remove_prefix(n);
    if (rest.empty()) break;
    if (rest[0] != '-') return false;
    rest.remove_prefix(1);
    if (rest.empty()) return false;
  }
  return groups > 0;
}

}  // namespace

std::string permissionSuffix(const inventory::Permission& p) {
  const auto& proto = p.protocol;
  if (proto.isAll()) return "all";
  if (proto.hasPorts()) {
    std::string out = proto.name();
    appendNumber(out, p.from_port);
    if (p.from_port != p.to_port) appendNumber(out, p.to_port);
    return out;
  }
  if (proto.isIcmp() || proto.isIcmpV6()) return icmpSuffix(proto.name(), p.from_port, p.to_port);
  return fmt::format("proto{}", proto.value());
}

std::string ruleName(std::string_view owner, std::string_view suffix) {
  std::string name;
  name.reserve(owner.size() + 1 + suffix.size());
  name.append(owner).append(1, '-').append(suffix);
  if (name.size() <= kMaxNameLength) return name;
  const std::string hash = fmt::format("-h{:08x}", fnv1a(name));
  name.resize(kMaxNameLength - hash.size());
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name + hash;
}

std::optional<std::string_view> managedRuleOwner(std::string_view name) {
  std::size_t prefix = 0;
  if (name.starts_with("sg-")) {
    prefix = 3;
  } else if (name.starts_with("i-")) {
    prefix = 2;
  } else {
    return std::nullopt;
  }
  std::size_t end = prefix;
  while (end < name.size() && isHex(name[end])) ++end;
  if (end == prefix || end + 1 >= name.size() || name[end] != '-') return std::nullopt;
  for (std::size_t i = end + 1; i < name.size(); ++i) {
    if (!isSuffixChar(name[i])) return std::nullopt;
  }
  return name.substr(0, end);
}

bool isManagedRule(const SecurityRule& rule, std::string_view managed_tag) {
  return managedRuleOwner(rule.name).has_value() && rule.hasTag(managed_tag);
}

std::string serviceObjectName(std::string_view protocol, const net::PortRange& ports) {
  return fmt::format("tw-{}-{}", protocol, ports.toString());
}

bool isManagedService(const ServiceObject& service, std::string_view managed_tag) {
  const bool pattern =
      isPortsAfter(service.name, "tw-tcp-") || isPortsAfter(service.name, "tw-udp-");
  return pattern && service.hasTag(managed_tag);
}

}  // namespace trailwall::policy
