#include "net/port.h"

#include <fmt/format.h>

#include <algorithm>

namespace trailwall::net {
namespace {

Result<int> parsePort(std::string_view text, std::string_view whole) {
  auto bad = [whole](std::string_view why) {
    return fail(ErrorCode::InvalidInput, fmt::format("invalid port range '{}': {}", whole, why));
  };
  if (text.empty()) return bad("empty port");
  if (text.size() > 1 && text[0] == '0')
    return bad(fmt::format("port '{}' has a leading zero", text));
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad(fmt::format("port '{}' is not a decimal number", text));
    value = value * 10 + (c - '0');
    if (value > 65535) return bad(fmt::format("port '{}' is out of range (0-65535)", text));
  }
  return value;
}

}  // namespace

Result<PortRange> PortRange::make(int first, int last) {
  if (first < 0 || first > 65535 || last < 0 || last > 65535) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("port range {}-{} is out of range (0-65535)", first, last));
  }
  if (first > last) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("port range {}-{} ends before it starts", first, last));
  }
  return PortRange(static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last));
}

Result<PortRange> PortRange::parse(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    auto port = parsePort(text, text);
    if (!port) return std::unexpected(port.error());
    return make(*port, *port);
  }
  auto first = parsePort(text.substr(0, dash), text);
  if (!first) return std::unexpected(first.error());
  auto last = parsePort(text.substr(dash + 1), text);
  if (!last) return std::unexpected(last.error());
  auto range = make(*first, *last);
  if (!range) {
    return std::unexpected(range.error().withContext(fmt::format("invalid port range '{}'", text)));
  }
  return range;
}

std::string PortRange::toString() const {
  if (isSingle()) return std::to_string(first_);
  return fmt::format("{}-{}", first_, last_);
}

Result<std::vector<PortRange>> parsePortList(std::string_view text) {
  std::vector<PortRange> ranges;
  if (text.empty()) {
    return fail(ErrorCode::InvalidInput, "invalid port list '': empty");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view part = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto range = PortRange::parse(part);
    if (!range) {
      return std::unexpected(range.error().withContext(fmt::format("in port list '{}'", text)));
    }
    ranges.push_back(*range);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ranges;
}

std::string formatPortList(const std::vector<PortRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) out += ',';
    out += r.toString();
  }
  return out;
}

bool portListContains(const std::vector<PortRange>& ranges, int port) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [port](const PortRange& r) { return r.contains(port); });
}

}  // namespace trailwall::net
