#pragma once
// IP protocols as AWS security groups name them: "tcp", "udp", "icmp", "icmpv6", "-1" (all
// traffic) or an IANA protocol number 0-255.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::net {

class Protocol {
 public:
  static constexpr std::uint8_t kIcmp = 1;
  static constexpr std::uint8_t kTcp = 6;
  static constexpr std::uint8_t kUdp = 17;
  static constexpr std::uint8_t kIcmpV6 = 58;

  // Names (case-insensitive), "-1" / "all" for all traffic, or a number 0-255. A number that
  // has a name ("6") is the same protocol as the name ("tcp").
  [[nodiscard]] static Result<Protocol> parse(std::string_view text);
  [[nodiscard]] static Protocol all() { return Protocol(true, 0); }
  [[nodiscard]] static Protocol number(std::uint8_t value) { return Protocol(false, value); }
  [[nodiscard]] static Protocol tcp() { return number(kTcp); }
  [[nodiscard]] static Protocol udp() { return number(kUdp); }
  [[nodiscard]] static Protocol icmp() { return number(kIcmp); }
  [[nodiscard]] static Protocol icmpV6() { return number(kIcmpV6); }

  Protocol() = default;  // all traffic

  [[nodiscard]] bool isAll() const { return all_; }
  // The protocol number; meaningless when isAll().
  [[nodiscard]] std::uint8_t value() const { return number_; }
  [[nodiscard]] bool isTcp() const { return !all_ && number_ == kTcp; }
  [[nodiscard]] bool isUdp() const { return !all_ && number_ == kUdp; }
  [[nodiscard]] bool isIcmp() const { return !all_ && number_ == kIcmp; }
  [[nodiscard]] bool isIcmpV6() const { return !all_ && number_ == kIcmpV6; }
  // TCP and UDP permissions carry a port range; ICMP ones carry type and code.
  [[nodiscard]] bool hasPorts() const { return isTcp() || isUdp(); }

  // "tcp", "udp", "icmp", "icmpv6", "all", or the number ("47").
  [[nodiscard]] std::string name() const;
  // As the EC2 API writes it: "tcp", "udp", "icmp", "icmpv6", "-1", or the number.
  [[nodiscard]] std::string awsName() const;

  friend auto operator<=>(const Protocol&, const Protocol&) = default;
  friend bool operator==(const Protocol&, const Protocol&) = default;

 private:
  Protocol(bool all, std::uint8_t value) : all_(all), number_(value) {}

  bool all_ = true;
  std::uint8_t number_ = 0;
};

}  // namespace trailwall::net
