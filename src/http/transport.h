#pragma once
// The one HTTP interface shared by the AWS and PAN-OS clients. Production: SocketTransport;
// tests: FakeTransport (scripted responses, recorded requests). A transport reports only
// transport failures (connect, TLS, timeout) as errors; any HTTP status is a response.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace trailwall::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match.
[[nodiscard]] std::optional<std::string_view> findHeader(const Headers& headers,
                                                         std::string_view name);

struct Request {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
  std::optional<std::chrono::milliseconds> timeout;  // total; the transport's default if unset
  // Whether sending it twice does no harm, so a transport may send it again when a kept-alive
  // connection dies before any answer. Unset: by method (GET, HEAD, PUT, DELETE, OPTIONS are;
  // POST is not). AWS read calls and PAN-OS reads set it; PAN-OS writes and commits never do.
  std::optional<bool> idempotent{};

  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return findHeader(headers, name);
  }
};

struct Response {
  int status = 0;
  Headers headers;  // names as received
  std::string body;

  // Case-insensitive header lookup; the first match.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
    return findHeader(headers, name);
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  [[nodiscard]] virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace trailwall::http
