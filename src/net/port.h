#pragma once
// TCP/UDP port ranges ("443", "1024-65535") and PAN-OS port lists ("80,443,8000-8080").

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace trailwall::net {

// An inclusive range of ports, 0-65535, first <= last.
class PortRange {
 public:
  // "443" or "1024-2048"; decimal without leading zeros.
  [[nodiscard]] static Result<PortRange> parse(std::string_view text);
  // Fails when either bound is outside 0-65535 or first > last.
  [[nodiscard]] static Result<PortRange> make(int first, int last);
  [[nodiscard]] static PortRange single(std::uint16_t port) { return {port, port}; }
  [[nodiscard]] static PortRange all() { return {0, 65535}; }

  PortRange() = default;  // 0-65535

  [[nodiscard]] std::uint16_t first() const { return first_; }
  [[nodiscard]] std::uint16_t last() const { return last_; }
  [[nodiscard]] bool isSingle() const { return first_ == last_; }
  [[nodiscard]] bool isAll() const { return first_ == 0 && last_ == 65535; }
  [[nodiscard]] bool contains(int port) const { return first_ <= port && port <= last_; }
  [[nodiscard]] bool contains(const PortRange& other) const {
    return first_ <= other.first_ && other.last_ <= last_;
  }
  [[nodiscard]] bool overlaps(const PortRange& other) const {
    return first_ <= other.last_ && other.first_ <= last_;
  }
  // "443" or "1024-2048".
  [[nodiscard]] std::string toString() const;

  friend auto operator<=>(const PortRange&, const PortRange&) = default;
  friend bool operator==(const PortRange&, const PortRange&) = default;

 private:
  PortRange(std::uint16_t first, std::uint16_t last) : first_(first), last_(last) {}

  std::uint16_t first_ = 0;
  std::uint16_t last_ = 65535;
};

// A comma-separated list of ports and ranges as PAN-OS service objects write it.
[[nodiscard]] Result<std::vector<PortRange>> parsePortList(std::string_view text);
[[nodiscard]] std::string formatPortList(const std::vector<PortRange>& ranges);
// True when some range of `ranges` contains `port`.
[[nodiscard]] bool portListContains(const std::vector<PortRange>& ranges, int port);

}  // namespace trailwall::net
