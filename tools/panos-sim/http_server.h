#pragma once
// A small HTTP/1.1 server (plain or TLS) under panos-sim's Server.
//
// Why not cpp-httplib's server: the device refuses a keygen with the status line
// "HTTP/1.1 403 Invalid Credential" (API-NOTES.md section 1; clients such as pan-python report
// the reason phrase), and cpp-httplib 0.11.4 (Debian 12) writes every status line from its own
// table: its server ignores httplib::Response::reason. Owning the wire also lets a fault close
// a connection without writing a byte. Scope: what PAN-OS API clients send — GET, POST, PUT,
// DELETE, HEAD; bodies with Content-Length or chunked; Expect: 100-continue; keep-alive and
// pipelining (RFC 9112). One thread per connection, at most max_connections at once (further
// connections wait in the listen backlog); an idle keep-alive connection closes after
// idle_timeout.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/ssl.h>

#include "common/error.h"

namespace trailwall::panossim {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent, e.g. "/api/?type=keygen"
  std::string path;    // the target before '?'
  std::string query;   // the target after '?', still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header of that name (case-insensitive); empty when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct HttpReply {
  int status = 200;
  std::string reason;  // empty: the standard phrase of the status
  std::string content_type = "text/plain";
  std::string body;
  bool close_without_answer = false;  // write nothing and close the connection
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t max_connections = 16;
  std::size_t max_body = std::size_t{64} << 20;  // larger bodies get 413
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};  // inside one request
  SSL_CTX* tls = nullptr;                         // not owned; nullptr = plain HTTP
};

// Reads HTTP/1.1 requests from a byte stream, one at a time; bytes of a following (pipelined)
// request stay buffered for the next read. Socket-free, so it can be fuzzed.
class HttpRequestReader {
 public:
  // Appends the bytes that arrive within the timeout; false at end of stream or timeout.
  using ReadMore = std::function<bool(std::string& buffer, std::chrono::milliseconds timeout)>;
  // Writes "HTTP/1.1 100 Continue"; false when that fails.
  using SendContinue = std::function<bool()>;

  HttpRequestReader(ReadMore more, SendContinue send_continue, const HttpServerOptions& options);

  // nullopt: `out` holds a request and `keep_alive` whether the connection may stay open.
  // Otherwise the status to answer before closing (400, 413, 431, 501, 505), or 0 to close
  // without an answer (end of stream, timeout).
  [[nodiscard]] std::optional<int> read(HttpRequest& out, bool& keep_alive);

 private:
  std::optional<int> parseHead(std::string_view head, HttpRequest& out, bool& http10);
  std::optional<int> readBody(HttpRequest& out);
  std::optional<int> readChunked(std::string& body);
  bool fill(std::size_t size);

  ReadMore more_;
  SendContinue send_continue_;
  const HttpServerOptions& options_;
  std::string buffer_;
};

class HttpServer {
 public:
  // Called on the connection's thread, possibly many at once; it may block (the caller's stop
  // must then release it before HttpServer::stop returns).
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and serves on background threads. Network when the address cannot be bound.
  [[nodiscard]] Status start();
  // Stops accepting, shuts every connection down and joins all threads; idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::uint16_t port_ = 0;
};

// The standard reason phrase of an HTTP status ("Forbidden"); "Unknown" for others.
[[nodiscard]] std::string_view reasonPhrase(int status);

}  // namespace trailwall::panossim
