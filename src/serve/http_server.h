#pragma once
// The daemon's HTTP endpoint (plain HTTP/1.1 on the --listen address, its own small listener on
// sockets so trailwall links no HTTP server library): /healthz, /metrics and the status page at
// /. Each request renders a fresh Monitor snapshot; nothing is cached and nothing can be changed
// over HTTP (GET and HEAD only; a request with a body is refused).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "serve/monitor.h"

namespace trailwall::serve {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 address, or a name
  std::uint16_t port = 0;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// "127.0.0.1:9090", "[::1]:9090", ":9090" (every interface), "localhost:0" (a free port).
// InvalidInput naming the text otherwise.
[[nodiscard]] Result<ListenAddress> parseListenAddress(std::string_view text);

class StatusServer {
 public:
  StatusServer(Monitor& monitor, Clock& clock, std::chrono::seconds unhealthy_after);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Binds and starts serving on a few background threads (each serves one connection at a time,
  // kept alive up to 5 s idle). Network when the address cannot be bound.
  [[nodiscard]] Status start(const ListenAddress& address);
  // Stops serving and joins the threads (connections in progress are closed); idempotent.
  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // "http://HOST:PORT" as bound (IPv6 hosts in brackets).
  [[nodiscard]] std::string url() const;

 private:
  void serveConnections();
  void serveOne(int fd);
  // The answer to one request: status line, headers and body (none for HEAD).
  [[nodiscard]] std::string answer(std::string_view method, std::string_view target,
                                   bool keep_alive);

  Monitor& monitor_;
  Clock& clock_;
  std::chrono::seconds unhealthy_after_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // an eventfd, readable once stop() was called
  std::vector<std::thread> threads_;
  std::string host_;
  std::uint16_t port_ = 0;
};

}  // namespace trailwall::serve
