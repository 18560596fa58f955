#include "net/address.h"

#include "common/percent.h"

#include <fmt/format.h>

#include <optional>

namespace trailwall::net {
namespace {

// Masks of the network part of a 128-bit value for a prefix counted over 128 bits.
constexpr std::uint64_t highMask(int prefix128) {
  if (prefix128 >= 64) return ~std::uint64_t{0};
  if (prefix128 <= 0) return 0;
  return ~std::uint64_t{0} << (64 - prefix128);
}
constexpr std::uint64_t lowMask(int prefix128) {
  if (prefix128 <= 64) return 0;
  if (prefix128 >= 128) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (128 - prefix128);
}
// An IPv4 prefix p is the 128-bit prefix 96 + p of the value (the high 96 bits are zero).
constexpr int prefix128(Family family, int prefix) {
  return family == Family::V4 ? prefix + 96 : prefix;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// A decimal number without sign or leading zeros ("0" itself is fine), at most `max`.
// Returns nullopt with `why` set on failure.
std::optional<int> parseDecimal(std::string_view text, int max, std::string_view what,
                                std::string& why) {
  if (text.empty()) {
    why = fmt::format("empty {}", what);
    return std::nullopt;
  }
  if (text.size() > 1 && text[0] == '0') {
    why = fmt::format("{} '{}' has a leading zero", what, text);
    return std::nullopt;
  }
  int value = 0;
  for (char c : text) {
    if (!isDigit(c)) {
      why = fmt::format("{} '{}' is not a decimal number", what, text);
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
    if (value > max) {
      why = fmt::format("{} '{}' is out of range (0-{})", what, text, max);
      return std::nullopt;
    }
  }
  return value;
}

std::optional<std::uint32_t> parseV4Value(std::string_view text, std::string& why) {
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view part =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (++octets > 4) {
      why = "more than 4 octets";
      return std::nullopt;
    }
    const auto octet = parseDecimal(part, 255, "octet", why);
    if (!octet) return std::nullopt;
    value = (value << 8) | static_cast<std::uint32_t>(*octet);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (octets != 4) {
    why = fmt::format("{} octets instead of 4", octets);
    return std::nullopt;
  }
  return value;
}

// Parses colon-separated hex groups of one side of "::" into `out`; the last group may be an
// IPv4 tail when `allow_v4_tail`. Returns the number of 16-bit groups written.
std::optional<int> parseGroups(std::string_view part, bool allow_v4_tail,
                               std::array<std::uint16_t, 8>& out, std::string& why) {
  int count = 0;
  if (part.empty()) return 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = part.find(':', start);
    const bool last = colon == std::string_view::npos;
    const std::string_view group =
        part.substr(start, last ? std::string_view::npos : colon - start);
    if (last && allow_v4_tail && group.find('.') != std::string_view::npos) {
      const auto v4 = parseV4Value(group, why);
      if (!v4) {
        why = fmt::format("embedded IPv4 part: {}", why);
        return std::nullopt;
      }
      if (count + 2 > 8) {
        why = "more than 8 groups";
        return std::nullopt;
      }
      out[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(*v4 >> 16);
      out[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(*v4 & 0xFFFF);
      return count;
    }
    if (group.empty()) {
      why = "empty group";
      return std::nullopt;
    }
    if (group.size() > 4) {
      why = fmt::format("group '{}' has more than 4 hex digits", group);
      return std::nullopt;
    }
    unsigned value = 0;
    for (char c : group) {
      const int h = hexDigitValue(c);
      if (h < 0) {
        why = fmt::format("group '{}' is not hexadecimal", group);
        return std::nullopt;
      }
      value = value * 16 + static_cast<unsigned>(h);
    }
    if (count >= 8) {
      why = "more than 8 groups";
      return std::nullopt;
    }
    out[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(value);
    if (last) return count;
    start = colon + 1;
  }
}

// Hand-written rather than fmt: planning prints hundreds of thousands of addresses. Digits go
// into a small buffer first, so the string grows once.
char* writeDecimal(char* out, unsigned value) {
  if (value >= 100) *out++ = static_cast<char>('0' + value / 100);
  if (value >= 10) *out++ = static_cast<char>('0' + value / 10 % 10);
  *out++ = static_cast<char>('0' + value % 10);
  return out;
}

void appendDecimal(std::string& out, unsigned value) {
  char buffer[3];
  out.append(buffer, writeDecimal(buffer, value));
}

char* writeV4(char* out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out = writeDecimal(out, (v >> shift) & 0xFF);
    if (shift > 0) *out++ = '.';
  }
  return out;
}

void appendV4(std::string& out, std::uint32_t v) {
  char buffer[15];
  out.append(buffer, writeV4(buffer, v));
}

std::string v4Text(std::uint32_t v) {
  std::string out(15, '\0');  // within the short-string buffer: no allocation
  out.resize(static_cast<std::size_t>(writeV4(out.data(), v) - out.data()));
  return out;
}

void appendHex(std::string& out, unsigned value) {
  constexpr char kDigits[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned digit = (value >> shift) & 0xF;
    if (digit != 0 || started || shift == 0) {
      out += kDigits[digit];
      started = true;
    }
  }
}

}  // namespace

std::string_view to_string(Family family) {
  return family == Family::V4 ? "IPv4" : "IPv6";
}

Result<IpAddress> IpAddress::parseV4(std::string_view text) {
  std::string why;
  const auto value = parseV4Value(text, why);
  if (!value) {
    return fail(ErrorCode::InvalidInput, fmt::format("invalid IPv4 address '{}': {}", text, why));
  }
  return IpAddress::v4(*value);
}

Result<IpAddress> IpAddress::parseV6(std::string_view text) {
  auto bad = [text](std::string_view why) {
    return fail(ErrorCode::InvalidInput, fmt::format("invalid IPv6 address '{}': {}", text, why));
  };
  if (text.empty()) return bad("empty");
  if (text.find('%') != std::string_view::npos) return bad("zone ids are not accepted");
  std::array<std::uint16_t, 8> left{};
  std::array<std::uint16_t, 8> right{};
  std::string why;
  const std::size_t gap = text.find("::");
  int left_count = 0;
  int right_count = 0;
  if (gap == std::string_view::npos) {
    const auto n = parseGroups(text, true, left, why);
    if (!n) return bad(why);
    if (*n != 8) return bad(fmt::format("{} groups instead of 8 and no '::'", *n));
    left_count = 8;
  } else {
    if (text.find("::", gap + 1) != std::string_view::npos) return bad("more than one '::'");
    const auto l = parseGroups(text.substr(0, gap), false, left, why);
    if (!l) return bad(why);
    const auto r = parseGroups(text.substr(gap + 2), true, right, why);
    if (!r) return bad(why);
    left_count = *l;
    right_count = *r;
    if (left_count + right_count > 7) return bad("'::' must stand for at least one group");
  }
  std::array<std::uint16_t, 8> groups{};
  for (int i = 0; i < left_count; ++i)
    groups[static_cast<std::size_t>(i)] = left[static_cast<std::size_t>(i)];
  for (int i = 0; i < right_count; ++i) {
    groups[static_cast<std::size_t>(8 - right_count + i)] = right[static_cast<std::size_t>(i)];
  }
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  for (std::size_t i = 0; i < 4; ++i) high = (high << 16) | groups[i];
  for (std::size_t i = 4; i < 8; ++i) low = (low << 16) | groups[i];
  return IpAddress::v6(high, low);
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parseV6(text);
  return parseV4(text);
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  for (std::size_t i = 0; i < 8; ++i) high = (high << 8) | bytes[i];
  for (std::size_t i = 8; i < 16; ++i) low = (low << 8) | bytes[i];
  return IpAddress::v6(high, low);
}

std::array<std::uint8_t, 16> IpAddress::v6Bytes() const {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 8; ++i) {
    bytes[i] = static_cast<std::uint8_t>(high_ >> (56 - 8 * i));
    bytes[8 + i] = static_cast<std::uint8_t>(low_ >> (56 - 8 * i));
  }
  return bytes;
}

std::string IpAddress::toString() const {
  if (isV4()) return v4Text(v4Value());
  std::array<unsigned, 8> g{};
  for (std::size_t i = 0; i < 4; ++i) {
    g[i] = static_cast<unsigned>((high_ >> (48 - 16 * i)) & 0xFFFF);
    g[4 + i] = static_cast<unsigned>((low_ >> (48 - 16 * i)) & 0xFFFF);
  }
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first on a tie) is "::".
  int best_start = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted-quad tail.
  const bool mapped = high_ == 0 && (low_ >> 32) == 0xFFFF;
  const int groups = mapped ? 6 : 8;
  std::string out;
  out.reserve(41);
  for (int i = 0; i < groups; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    appendHex(out, g[static_cast<std::size_t>(i)]);
  }
  if (mapped) {
    if (out.back() != ':') out += ':';
    appendV4(out, static_cast<std::uint32_t>(low_));
  }
  return out;
}

Result<Cidr> Cidr::make(IpAddress network, int prefix_length) {
  if (prefix_length < 0 || prefix_length > network.bits()) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("prefix length {} is out of range for {} (0-{})", prefix_length,
                            to_string(network.family()), network.bits()));
  }
  const Cidr masked = containing(network, prefix_length);
  if (masked.network_ != network) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("'{}/{}' has host bits set (the network is {})", network.toString(),
                            prefix_length, masked.toString()));
  }
  return masked;
}

Cidr Cidr::containing(IpAddress address, int prefix_length) {
  const int p = prefix128(address.family(), prefix_length);
  const std::uint64_t high = address.high() & highMask(p);
  const std::uint64_t low = address.low() & lowMask(p);
  const IpAddress network =
      address.isV4() ? IpAddress::v4(static_cast<std::uint32_t>(low)) : IpAddress::v6(high, low);
  return {network, prefix_length};
}

Result<Cidr> Cidr::parse(std::string_view text, CidrParseOptions options) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (!options.allow_bare_address) {
      return fail(ErrorCode::InvalidInput,
                  fmt::format("invalid CIDR '{}': missing '/<prefix length>'", text));
    }
    auto address = IpAddress::parse(text);
    if (!address) return std::unexpected(address.error());
    return host(*address);
  }
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    return std::unexpected(address.error().withContext(fmt::format("invalid CIDR '{}'", text)));
  }
  std::string why;
  const auto prefix = parseDecimal(text.substr(slash + 1), address->bits(), "prefix length", why);
  if (!prefix) {
    return fail(ErrorCode::InvalidInput, fmt::format("invalid CIDR '{}': {}", text, why));
  }
  if (options.allow_host_bits) return containing(*address, *prefix);
  auto cidr = make(*address, *prefix);
  if (!cidr) {
    return std::unexpected(cidr.error().withContext(fmt::format("invalid CIDR '{}'", text)));
  }
  return cidr;
}

IpAddress Cidr::last() const {
  const int p = prefix128(family(), prefix_);
  const std::uint64_t high = network_.high() | ~highMask(p);
  const std::uint64_t low = network_.low() | ~lowMask(p);
  if (isV4()) return IpAddress::v4(static_cast<std::uint32_t>(low));
  return IpAddress::v6(high, low);
}

bool Cidr::contains(IpAddress address) const {
  if (address.family() != family()) return false;
  const int p = prefix128(family(), prefix_);
  return (address.high() & highMask(p)) == network_.high() &&
         (address.low() & lowMask(p)) == network_.low();
}

bool Cidr::contains(const Cidr& other) const {
  return other.family() == family() && other.prefix_ >= prefix_ && contains(other.network_);
}

bool Cidr::overlaps(const Cidr& other) const {
  return contains(other) || other.contains(*this);
}

std::string Cidr::toString() const {
  std::string out = network_.toString();
  out += '/';
  appendDecimal(out, prefix_);
  return out;
}

Result<IpRange> IpRange::make(IpAddress first, IpAddress last) {
  if (first.family() != last.family()) {
    return fail(ErrorCode::InvalidInput, fmt::format("address range '{}-{}' mixes IPv4 and IPv6",
                                                     first.toString(), last.toString()));
  }
  if (last < first) {
    return fail(ErrorCode::InvalidInput, fmt::format("address range '{}-{}' ends before it starts",
                                                     first.toString(), last.toString()));
  }
  return IpRange(first, last);
}

Result<IpRange> IpRange::parse(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("invalid address range '{}': expected 'first-last'", text));
  }
  auto first = IpAddress::parse(text.substr(0, dash));
  if (!first) return std::unexpected(first.error());
  auto last = IpAddress::parse(text.substr(dash + 1));
  if (!last) return std::unexpected(last.error());
  return make(*first, *last);
}

std::string IpRange::toString() const {
  return fmt::format("{}-{}", first_.toString(), last_.toString());
}

Result<IpRange> parseAddressSpec(std::string_view text) {
  if (text.find('-') != std::string_view::npos) return IpRange::parse(text);
  auto cidr = Cidr::parse(text, {.allow_bare_address = true, .allow_host_bits = true});
  if (!cidr) return std::unexpected(cidr.error());
  return IpRange::of(*cidr);
}

}  // namespace trailwall::net
