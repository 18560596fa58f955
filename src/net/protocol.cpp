#include "net/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace trailwall::net {

Result<Protocol> Protocol::parse(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "-1" || lower == "all") return all();
  if (lower == "tcp") return tcp();
  if (lower == "udp") return udp();
  if (lower == "icmp") return icmp();
  if (lower == "icmpv6") return icmpV6();
  auto bad = [text](std::string_view why) {
    return fail(ErrorCode::InvalidInput, fmt::format("invalid protocol '{}': {}", text, why));
  };
  if (lower.empty()) return bad("empty");
  if (lower.size() > 1 && lower[0] == '0') return bad("leading zero");
  int value = 0;
  for (char c : lower) {
    if (c < '0' || c > '9') {
      return bad("expected tcp, udp, icmp, icmpv6, -1 or a protocol number 0-255");
    }
    value = value * 10 + (c - '0');
    if (value > 255) return bad("protocol number out of range (0-255)");
  }
  return number(static_cast<std::uint8_t>(value));
}

std::string Protocol::name() const {
  if (all_) return "all";
  switch (number_) {
    case kTcp: return "tcp";
    case kUdp: return "udp";
    case kIcmp: return "icmp";
    case kIcmpV6: return "icmpv6";
    default: return std::to_string(number_);
  }
}

std::string Protocol::awsName() const {
  return all_ ? "-1" : name();
}

}  // namespace trailwall::net
