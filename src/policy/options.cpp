#include "policy/options.h"

#include <fmt/format.h>

#include <algorithm>

namespace trailwall::policy {

std::string_view to_string(Layout layout) {
  switch (layout) {
    case Layout::Group: return "group";
    case Layout::Instance: return "instance";
    case Layout::Tag: return "tag";
  }
  return "group";
}

Result<Layout> parseLayout(std::string_view text) {
  if (text == "group") return Layout::Group;
  if (text == "instance") return Layout::Instance;
  if (text == "tag") return Layout::Tag;
  return fail(ErrorCode::Config,
              fmt::format("unknown layout '{}' (expected group, instance or tag)", text));
}

AppIdTable AppIdTable::defaults() {
  AppIdTable t;
  const auto tcp = net::Protocol::tcp();
  t.ports = {
      {tcp, 22, {"ssh"}},
      {tcp, 25, {"smtp"}},
      {tcp, 53, {"dns"}},
      {tcp, 80, {"web-browsing"}},
      {tcp, 110, {"pop3"}},
      {tcp, 143, {"imap"}},
      {tcp, 389, {"ldap"}},
      {tcp, 443, {"ssl"}},
      {tcp, 636, {"ldap"}},
      {tcp, 1521, {"oracle"}},
      {tcp, 3306, {"mysql"}},
      // DESIGN §3 says "rdp"; PAN-OS names the App-ID ms-rdp, and a rule naming "rdp" would
      // not commit.
      {tcp, 3389, {"ms-rdp"}},
      {tcp, 5439, {"amazon-redshift"}},
      {net::Protocol::udp(), 53, {"dns"}},
  };
  t.icmp_echo = {"ping"};
  t.icmp_all = {"icmp", "ping", "traceroute"};
  t.icmp_other = {"icmp"};
  t.icmpv6_echo = {"ipv6-icmp"};
  t.icmpv6_all = {"ipv6-icmp"};
  t.icmpv6_other = {"ipv6-icmp"};
  t.protocols = {{47, {"gre"}}, {50, {"ipsec-esp"}}};
  return t;
}

const Members* AppIdTable::forPort(const net::Protocol& protocol, int port) const {
  const auto it = std::find_if(ports.begin(), ports.end(), [&](const PortApps& p) {
    return p.protocol == protocol && p.port == port;
  });
  return it == ports.end() ? nullptr : &it->applications;
}

const Members* AppIdTable::forProtocol(std::uint8_t number) const {
  const auto it = std::find_if(protocols.begin(), protocols.end(),
                               [number](const auto& p) { return p.first == number; });
  return it == protocols.end() ? nullptr : &it->second;
}

Status Options::validate() const {
  for (const auto& [value, what] : {std::pair{&from_zone, "untrust zone (policy.untrust_zone)"},
                                    std::pair{&to_zone, "trust zone (policy.trust_zone)"},
                                    std::pair{&managed_tag, "managed tag (policy.managed_tag)"}}) {
    if (auto ok = validateName(*value, what); !ok)
      return fail(ErrorCode::Config, ok.error().message);
  }
  for (const auto& [value, what] :
       {std::pair{&bottom_rule, "bottom rule (policy.bottom_rule)"},
        std::pair{&profile_group, "profile group (policy.profile_group)"}}) {
    if (value->empty()) continue;
    if (auto ok = validateName(*value, what); !ok)
      return fail(ErrorCode::Config, ok.error().message);
  }
  if (layout == Layout::Tag) {
    // Every registered tag is "<managed tag>.<group id>" (tag_layout.h): the managed tag must be
    // something a DAG filter can quote, with room for the longest group id.
    const std::string longest = managed_tag + ".sg-0123456789abcdef0";
    for (const char c : managed_tag) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
      if (!ok || longest.size() > 127) {
        return fail(ErrorCode::Config,
                    fmt::format("managed tag (policy.managed_tag) '{}' cannot prefix the tag "
                                "layout's registration tags: use letters, digits, '.', '-' and '_' "
                                "only, at most 106 characters",
                                managed_tag));
      }
    }
  }
  if (registration_timeout_seconds < 1 ||
      registration_timeout_seconds > kMaxRegistrationTimeoutSeconds) {
    return fail(ErrorCode::Config,
                fmt::format("registration timeout (policy.registration_timeout_seconds) {} is not "
                            "between 1 and {} seconds (30 days, PAN-OS's maximum)",
                            registration_timeout_seconds, kMaxRegistrationTimeoutSeconds));
  }
  return {};
}

}  // namespace trailwall::policy
