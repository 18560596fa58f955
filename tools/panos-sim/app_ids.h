#pragma once
// Built-in App-ID default ports, what "service application-default" means for each App-ID the
// simulator knows. Ports follow Palo Alto's Applipedia "standard ports"; the list covers every
// App-ID of DESIGN.md section 3 (ssh, smtp, dns, web-browsing, pop3, imap, ldap, ssl, oracle,
// mysql, rdp/ms-rdp, amazon-redshift, ping, traceroute, icmp and the ICMPv6 App-IDs).

#include <cstdint>
#include <span>
#include <string_view>

namespace trailwall::panossim {

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpV6 = 58;

// One (protocol, port range) an App-ID uses by default. ICMP App-IDs have no ports
// (low = high = 0): any packet of that IP protocol counts as the default.
struct AppDefaultPort {
  std::uint8_t protocol = kProtoTcp;
  std::uint16_t low = 0;
  std::uint16_t high = 0;
};

struct AppIdInfo {
  std::string_view name;
  std::span<const AppDefaultPort> defaults;
};

// The App-ID, or nullptr when the simulator does not know it.
[[nodiscard]] const AppIdInfo* findAppId(std::string_view name);
[[nodiscard]] std::span<const AppIdInfo> allAppIds();

}  // namespace trailwall::panossim
