#pragma once
// What the policy needs from trailwall's configuration (DESIGN §3): zones, placement, the
// managed tag, the rule layout, the App-ID table and which instance / ENIs are the gateway.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "net/protocol.h"
#include "policy/rule.h"

namespace trailwall::policy {

// group: one rule per (security group, permission); instance: one per (instance, protocol,
// ports); tag: one rule per (security group, permission) whose destination is a dynamic address
// group, with the addresses registered through the User-ID API (tag_layout.h).
enum class Layout { Group, Instance, Tag };

[[nodiscard]] std::string_view to_string(Layout layout);
[[nodiscard]] Result<Layout> parseLayout(std::string_view text);

// Which App-IDs stand for a permission. TCP/UDP ports found here use those applications with
// service application-default; other ports get application any and a service object.
struct PortApps {
  net::Protocol protocol;  // tcp or udp
  std::uint16_t port = 0;
  Members applications;

  friend bool operator==(const PortApps&, const PortApps&) = default;
};

struct AppIdTable {
  std::vector<PortApps> ports;
  // ICMP: echo request (type 8), all types (-1), any other type.
  Members icmp_echo;
  Members icmp_all;
  Members icmp_other;
  // ICMPv6: echo request (type 128), all types, any other type.
  Members icmpv6_echo;
  Members icmpv6_all;
  Members icmpv6_other;
  // Other IP protocols by number (47 gre, 50 ipsec-esp); a protocol not listed is not
  // translated (a warning says so) rather than opened with application any.
  std::vector<std::pair<std::uint8_t, Members>> protocols;

  // The original's table (DESIGN §3, with rdp as PAN-OS names it: ms-rdp) plus the ICMP App-IDs:
  // ping, traceroute, icmp; ICMPv6 is ipv6-icmp for every type (PAN-OS identifies ICMPv6 echo,
  // traceroute6 probes included, as ipv6-icmp; it has no IPv6 counterpart of ping or traceroute).
  [[nodiscard]] static AppIdTable defaults();

  [[nodiscard]] const Members* forPort(const net::Protocol& protocol, int port) const;
  [[nodiscard]] const Members* forProtocol(std::uint8_t number) const;

  friend bool operator==(const AppIdTable&, const AppIdTable&) = default;
};

struct Options {
  std::string from_zone = "untrust";
  std::string to_zone = "trust";
  std::string bottom_rule;    // managed rules go directly above it; empty = end of the rulebase
  std::string profile_group;  // security profile group set on every rule; empty = none
  std::string managed_tag = "trailwall";
  Layout layout = Layout::Group;
  AppIdTable app_ids = AppIdTable::defaults();
  bool check_already_allowed = true;  // the engine asks the firewall (flowsToCheck) when on
  std::string gateway_instance_id;
  std::vector<std::string> gateway_eni_ids;
  // Tag layout: the lifetime of every IP-to-tag registration, refreshed by each full reconcile,
  // so that exposure expires when trailwall stops running (1 to 2592000 s, PAN-OS's maximum).
  std::int64_t registration_timeout_seconds = 86400;
  // Tag layout: the firewall model's maximum of registered addresses, anybody's ([firewall]
  // max_registered_ips); a run that would pass it fails before registering. 0 = unknown.
  std::size_t max_registered_ips = 0;

  // Names and texts that reach the firewall must be valid there.
  [[nodiscard]] Status validate() const;

  friend bool operator==(const Options&, const Options&) = default;
};

// PAN-OS's longest User-ID registration timeout (30 days; API-NOTES §12.2).
inline constexpr std::int64_t kMaxRegistrationTimeoutSeconds = 2592000;

// The comment of the tag object trailwall creates; a tag with another comment is never deleted.
inline constexpr std::string_view kManagedTagComment = "managed by trailwall";

}  // namespace trailwall::policy
