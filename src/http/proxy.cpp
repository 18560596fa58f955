#include "http/proxy.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "common/percent.h"
#include "http/text.h"

namespace trailwall::http {

namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]) << 16 |
                                              static_cast<unsigned char>(in[i + 1]) << 8 |
                                              static_cast<unsigned char>(in[i + 2]));
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], kBase64[(n >> 6) & 63], kBase64[n & 63]};
  }
  if (i + 1 == in.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]) << 16);
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i]) << 16 |
                                              static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kBase64[n >> 18], kBase64[(n >> 12) & 63], kBase64[(n >> 6) & 63], '='};
  }
  return out;
}

// An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) and whether it was IPv4.
struct Address {
  std::array<unsigned char, 16> bytes{};
  bool v4 = false;
};

std::optional<Address> parseAddress(std::string_view text) {
  const std::string s(text);
  Address a;
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = 0xff;
    a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

bool inCidr(const Address& host, std::string_view cidr) {
  const auto slash = cidr.find('/');
  auto net = parseAddress(cidr.substr(0, slash));
  if (!net || net->v4 != host.v4) {
    return false;
  }
  int bits = net->v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    const auto text = cidr.substr(slash + 1);
    int parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || end != text.data() + text.size() || parsed < 0 || parsed > bits) {
      return false;
    }
    bits = parsed;
  }
  if (net->v4) {
    bits += 96;
  }
  for (int i = 0; i < bits; ++i) {
    const auto byte = static_cast<std::size_t>(i / 8);
    const int mask = 0x80 >> (i % 8);
    if ((host.bytes[byte] & mask) != (net->bytes[byte] & mask)) {
      return false;
    }
  }
  return true;
}

}  // namespace

ProxySettings ProxySettings::fromEnvironment(
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  const auto first = [&lookup](std::initializer_list<std::string_view> names) {
    for (auto name : names) {
      if (auto v = lookup(name); v && !v->empty()) {
        return *v;
      }
    }
    return std::string();
  };
  ProxySettings p;
  p.http_proxy = first({"http_proxy", "all_proxy", "ALL_PROXY"});
  p.https_proxy = first({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
  p.no_proxy = first({"no_proxy", "NO_PROXY"});
  return p;
}

std::string Proxy::address() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

bool bypassesProxy(std::string_view no_proxy, std::string_view host) {
  const std::string lower_host = toLower(host);
  const auto host_address = parseAddress(lower_host);
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    std::string entry = toLower(trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry.empty()) {
      continue;
    }
    if (entry == "*") {
      return true;
    }
    if (entry.starts_with('[') && entry.ends_with(']')) {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (host_address) {
      if (inCidr(*host_address, entry)) {
        return true;
      }
      continue;
    }
    std::string_view domain = entry;
    if (domain.starts_with('.')) {
      domain.remove_prefix(1);
    }
    const std::string_view h = lower_host;
    if (h == domain || (h.size() > domain.size() && h.ends_with(domain) &&
                        h[h.size() - domain.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

Result<std::optional<Proxy>> proxyFor(const ProxySettings& settings, const Url& url) {
  const std::string& configured =
      url.scheme == "https" ? settings.https_proxy : settings.http_proxy;
  if (configured.empty() || bypassesProxy(settings.no_proxy, url.host)) {
    return std::optional<Proxy>();
  }
  std::string_view rest = configured;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string scheme = toLower(rest.substr(0, sep));
    if (scheme != "http") {
      return fail(ErrorCode::InvalidInput,
                  "proxy scheme '" + scheme + "' is not supported (only http:// proxies)");
    }
    rest.remove_prefix(sep + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  Proxy proxy;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    proxy.authorization = "Basic " + base64(percentDecode(rest.substr(0, at), PlusIs::Plus));
    rest.remove_prefix(at + 1);
  }
  auto parsed = parseUrl("http://" + std::string(rest));
  if (!parsed) {
    return fail(ErrorCode::InvalidInput, "proxy address is invalid: " + parsed.error().message);
  }
  proxy.host = parsed->host;
  proxy.port = parsed->port.value_or(1080);
  return std::optional<Proxy>(std::move(proxy));
}

}  // namespace trailwall::http
