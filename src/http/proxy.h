#pragma once
// HTTP proxies as curl and the AWS SDKs read them from http_proxy / https_proxy / no_proxy, and
// the choice of proxy for one URL. Only http:// proxies are supported (plain requests go in
// absolute form, https:// requests through a CONNECT tunnel); a proxy URL may carry
// user:password for Basic proxy authentication.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/url.h"

namespace trailwall::http {

struct ProxySettings {
  std::string http_proxy;   // for http:// URLs; empty = direct
  std::string https_proxy;  // for https:// URLs; empty = direct
  std::string no_proxy;     // comma-separated hosts/domains/IPs/CIDRs that go direct; "*" = all

  // Reads the usual variables through `lookup` (lowercase first, then uppercase, as curl does;
  // HTTP_PROXY in uppercase is ignored, as curl does, because of the CGI "httpoxy" problem).
  [[nodiscard]] static ProxySettings fromEnvironment(
      const std::function<std::optional<std::string>(std::string_view)>& lookup);
};

struct Proxy {
  std::string host;
  int port = 1080;                            // curl's default when the proxy URL names none
  std::string authorization;                  // "Basic …" for Proxy-Authorization, or empty
  [[nodiscard]] std::string address() const;  // host:port, IPv6 in brackets
};

// Whether `host` goes direct under a no_proxy list: "*", an exact host or IP, a domain suffix
// ("example.com" and ".example.com" both match example.com and a.example.com), or a CIDR.
[[nodiscard]] bool bypassesProxy(std::string_view no_proxy, std::string_view host);

// The proxy for `url`, or nullopt to go direct. Errors: InvalidInput for a malformed proxy URL or
// a proxy scheme other than http (socks, https proxies).
[[nodiscard]] Result<std::optional<Proxy>> proxyFor(const ProxySettings& settings, const Url& url);

}  // namespace trailwall::http
