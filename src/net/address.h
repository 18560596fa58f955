#pragma once
// IPv4 and IPv6 addresses, CIDR blocks and address ranges as small value types. Parsing is
// strict (no leading zeros in IPv4 octets, no zone ids, no host bits in a CIDR unless asked)
// and errors say what is wrong; printing is canonical (RFC 5952 for IPv6), so printed text
// can be compared as a string. All predicates are O(1) and never allocate.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace trailwall::net {

enum class Family : std::uint8_t { V4, V6 };

[[nodiscard]] std::string_view to_string(Family family);

// An IPv4 or IPv6 address. Internally a 128-bit value; an IPv4 address occupies the low 32
// bits, and addresses of different families never compare equal.
class IpAddress {
 public:
  // Parses dotted-quad IPv4 or RFC 4291 text IPv6 (embedded IPv4 tail allowed).
  [[nodiscard]] static Result<IpAddress> parse(std::string_view text);
  [[nodiscard]] static Result<IpAddress> parseV4(std::string_view text);
  [[nodiscard]] static Result<IpAddress> parseV6(std::string_view text);
  [[nodiscard]] static IpAddress v4(std::uint32_t value) { return {Family::V4, 0, value}; }
  [[nodiscard]] static IpAddress v6(std::uint64_t high, std::uint64_t low) {
    return {Family::V6, high, low};
  }
  [[nodiscard]] static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

  IpAddress() = default;  // 0.0.0.0

  [[nodiscard]] Family family() const { return family_; }
  [[nodiscard]] bool isV4() const { return family_ == Family::V4; }
  [[nodiscard]] bool isV6() const { return family_ == Family::V6; }
  [[nodiscard]] std::uint32_t v4Value() const { return static_cast<std::uint32_t>(low_); }
  [[nodiscard]] std::uint64_t high() const { return high_; }
  [[nodiscard]] std::uint64_t low() const { return low_; }
  [[nodiscard]] std::array<std::uint8_t, 16> v6Bytes() const;
  // Address width in bits: 32 or 128.
  [[nodiscard]] int bits() const { return isV4() ? 32 : 128; }

  // Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as "::").
  [[nodiscard]] std::string toString() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  IpAddress(Family family, std::uint64_t high, std::uint64_t low)
      : family_(family), high_(high), low_(low) {}

  Family family_ = Family::V4;
  std::uint64_t high_ = 0;
  std::uint64_t low_ = 0;
};

// How lenient Cidr::parse is. The default is strict: a prefix length is required and host
// bits must be zero. PAN-OS address members are written as bare hosts and sometimes with host
// bits set ("10.1.1.5/24" means 10.1.1.0/24 there), which the options allow.
struct CidrParseOptions {
  bool allow_bare_address = false;  // "10.0.0.5" → 10.0.0.5/32, "2001:db8::1" → /128
  bool allow_host_bits = false;     // "10.0.0.5/24" → 10.0.0.0/24 instead of an error
};

// A network: an address whose bits past the prefix length are zero.
class Cidr {
 public:
  [[nodiscard]] static Result<Cidr> parse(std::string_view text, CidrParseOptions options = {});
  // Fails when prefix_length is out of range or `network` has host bits set.
  [[nodiscard]] static Result<Cidr> make(IpAddress network, int prefix_length);
  // The network containing `address` (host bits cleared).
  [[nodiscard]] static Cidr containing(IpAddress address, int prefix_length);
  [[nodiscard]] static Cidr host(IpAddress address) { return {address, address.bits()}; }
  [[nodiscard]] static Cidr anyV4() { return {IpAddress::v4(0), 0}; }
  [[nodiscard]] static Cidr anyV6() { return {IpAddress::v6(0, 0), 0}; }

  Cidr() = default;  // 0.0.0.0/0

  [[nodiscard]] IpAddress network() const { return network_; }
  [[nodiscard]] int prefixLength() const { return prefix_; }
  [[nodiscard]] Family family() const { return network_.family(); }
  [[nodiscard]] bool isV4() const { return network_.isV4(); }
  [[nodiscard]] bool isV6() const { return network_.isV6(); }
  // 0.0.0.0/0 or ::/0.
  [[nodiscard]] bool isAny() const { return prefix_ == 0; }
  [[nodiscard]] bool isHost() const { return prefix_ == network_.bits(); }
  [[nodiscard]] IpAddress first() const { return network_; }
  [[nodiscard]] IpAddress last() const;

  [[nodiscard]] bool contains(IpAddress address) const;
  // True when every address of `other` is in this block (same family only).
  [[nodiscard]] bool contains(const Cidr& other) const;
  [[nodiscard]] bool overlaps(const Cidr& other) const;

  // "10.0.0.0/8", "2001:db8::/32"; hosts keep their "/32" / "/128".
  [[nodiscard]] std::string toString() const;

  friend auto operator<=>(const Cidr&, const Cidr&) = default;
  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  Cidr(IpAddress network, int prefix)
      : network_(network), prefix_(static_cast<std::uint8_t>(prefix)) {}

  IpAddress network_;
  std::uint8_t prefix_ = 0;
};

// An inclusive range of addresses of one family ("10.0.0.1-10.0.0.9", PAN-OS ip-range).
class IpRange {
 public:
  // "a-b" with a <= b, same family.
  [[nodiscard]] static Result<IpRange> parse(std::string_view text);
  [[nodiscard]] static Result<IpRange> make(IpAddress first, IpAddress last);
  [[nodiscard]] static IpRange of(const Cidr& cidr) { return {cidr.first(), cidr.last()}; }

  IpRange() = default;

  [[nodiscard]] IpAddress first() const { return first_; }
  [[nodiscard]] IpAddress last() const { return last_; }
  [[nodiscard]] Family family() const { return first_.family(); }
  [[nodiscard]] bool contains(IpAddress address) const {
    return address.family() == first_.family() && first_ <= address && address <= last_;
  }
  [[nodiscard]] bool contains(const IpRange& other) const {
    return other.family() == family() && first_ <= other.first_ && other.last_ <= last_;
  }
  [[nodiscard]] bool overlaps(const IpRange& other) const {
    return other.family() == family() && first_ <= other.last_ && other.first_ <= last_;
  }
  // "a-b".
  [[nodiscard]] std::string toString() const;

  friend auto operator<=>(const IpRange&, const IpRange&) = default;
  friend bool operator==(const IpRange&, const IpRange&) = default;

 private:
  IpRange(IpAddress first, IpAddress last) : first_(first), last_(last) {}

  IpAddress first_;
  IpAddress last_;
};

// Reads one address as PAN-OS writes it in a rule or an ip-netmask / ip-range object: a bare
// address, a CIDR (host bits allowed, they are cleared) or a range "a-b". Not "any", not names.
[[nodiscard]] Result<IpRange> parseAddressSpec(std::string_view text);

}  // namespace trailwall::net

template <>
struct std::hash<trailwall::net::IpAddress> {
  std::size_t operator()(const trailwall::net::IpAddress& a) const noexcept {
    std::uint64_t h = a.high() * 0x9E3779B97F4A7C15ULL ^ a.low();
    h ^= static_cast<std::uint64_t>(a.family()) << 63;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

template <>
struct std::hash<trailwall::net::Cidr> {
  std::size_t operator()(const trailwall::net::Cidr& c) const noexcept {
    return std::hash<trailwall::net::IpAddress>{}(c.network()) * 131U +
           static_cast<std::size_t>(c.prefixLength());
  }
};
