#pragma once
// HttpTransport over POSIX sockets and OpenSSL: HTTP/1.1 with kept-alive connections, one pool
// of idle connections per origin, so each thread that sends at the same time holds its own
// connection and finds it again for its next request. TLS peer and host verification are on
// unless `insecure_skip_tls_verify` is set explicitly. Redirects are not followed (a signed
// request must not wander), bodies pass through undecoded (no Accept-Encoding is sent).
//
// Nothing is set up before the first request that needs it: the TLS context is built on the
// first https:// connection, and the CA bundle is read while that connection waits for the
// server's first answer (after the ClientHello is out), never at start.
//
// A kept-alive connection the server has closed is noticed before it is used and replaced. If a
// reused connection dies after the request went out and before any byte of the answer came
// back, the request is sent again on a new connection only when it is idempotent
// (Request::idempotent, else by method: GET, HEAD, PUT, DELETE, OPTIONS); anything else is a
// Network error saying it was not re-sent, because the server may have acted on it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "http/proxy.h"
#include "http/transport.h"
#include "http/url.h"

namespace trailwall::http {

struct TransportOptions {
  // Name resolution, TCP connect, proxy tunnel and TLS handshake of a new connection.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  // The whole request, connecting included; a Request's own timeout overrides it.
  std::chrono::milliseconds total_timeout{std::chrono::seconds(25)};
  // PEM file (or hashed directory) of trusted CAs. Unset: the first of the usual system bundles
  // (systemCaBundles()) that exists; none existing is an error, never TLS turned off.
  std::optional<std::string> ca_bundle;
  bool insecure_skip_tls_verify = false;  // explicit opt-out; callers must warn about it
  ProxySettings proxy;                    // explicit; the process environment is not read here
  std::size_t max_response_bytes = std::size_t{512} << 20;
  std::string user_agent = "trailwall";
  std::size_t max_idle_per_origin = 8;  // kept-alive connections kept per scheme://host:port
};

class SocketTransport final : public HttpTransport {
 public:
  explicit SocketTransport(TransportOptions options = {});
  ~SocketTransport() override;
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  // Safe to call from several threads at once. Errors: Network (resolve, connect, TLS, proxy,
  // reset, malformed answer, answer too large), Timeout (connect or total), InvalidInput
  // (malformed URL, method or proxy). Any HTTP status is a Response.
  [[nodiscard]] Result<Response> send(const Request& request) override;

  // New connections opened so far (for tests and benchmarks of connection reuse).
  [[nodiscard]] std::size_t connectionsOpened() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The CA bundle paths tried, in order, when no ca_bundle is configured: Debian/Ubuntu, Amazon
// Linux/RHEL/Fedora, openSUSE, Alpine/macOS-style.
[[nodiscard]] const std::vector<std::string>& systemCaBundles();

}  // namespace trailwall::http
