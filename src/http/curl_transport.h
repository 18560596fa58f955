#pragma once
// HttpTransport over libcurl. Connections are kept alive and reused (a small pool of easy
// handles, so concurrent callers do not serialize). TLS peer and host verification are on
// unless `insecure_skip_tls_verify` is set explicitly. Redirects are not followed (a signed
// request must not wander) and bodies are passed through undecoded.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/transport.h"

namespace trailwall::http {

// Proxies as curl and the AWS SDKs read them from http_proxy / https_proxy / no_proxy.
struct ProxySettings {
  std::string http_proxy;   // for http:// URLs; empty = direct
  std::string https_proxy;  // for https:// URLs; empty = direct
  std::string no_proxy;     // comma-separated hosts/domains/CIDRs that go direct; "*" = all

  // Reads the usual variables through `lookup` (lowercase first, then uppercase, as curl does;
  // HTTP_PROXY in uppercase is ignored, as curl does, because of the CGI "httpoxy" problem).
  [[nodiscard]] static ProxySettings fromEnvironment(
      const std::function<std::optional<std::string>(std::string_view)>& lookup);
};

struct CurlOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};  // a Request may override
  std::optional<std::string> ca_bundle;   // PEM file of trusted CAs; the system store if unset
  bool insecure_skip_tls_verify = false;  // explicit opt-out; callers must warn about it
  ProxySettings proxy;                    // explicit; the process environment is not read here
  std::size_t max_response_bytes = std::size_t{512} << 20;
  std::string user_agent = "trailwall";
};

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Errors: Network (resolve, connect, TLS, proxy, reset), Timeout (connect or total),
  // InvalidInput (malformed URL or method). Any HTTP status is a Response.
  [[nodiscard]] Result<Response> send(const Request& request) override;

 private:
  struct Handle;
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);

  CurlOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

// The URL without its query and fragment, for error messages (a query may carry a signature).
[[nodiscard]] std::string redactedUrl(std::string_view url);

}  // namespace trailwall::http
