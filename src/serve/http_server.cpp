#include "serve/http_server.h"

#include <httplib.h>

#include <charconv>

#include <fmt/format.h>

#include "serve/health.h"
#include "serve/metrics_text.h"
#include "serve/status_page.h"

namespace trailwall::serve {

struct StatusServer::Http {
  httplib::Server server;
};

namespace {

constexpr std::size_t kThreads = 4;  // a scraper, a probe and a few people

}  // namespace

Result<ListenAddress> parseListenAddress(std::string_view text) {
  const auto bad = [text](std::string_view why) {
    return fail(ErrorCode::InvalidInput,
                fmt::format("listen address '{}': {} (expected ADDR:PORT, e.g. 127.0.0.1:9090, "
                            "[::1]:9090 or :9090)",
                            text, why));
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || host.size() < 3) return bad("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 address needs brackets");
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return bad("the port is not 0-65535");
  }
  if (host.find_first_of(" /?#@") != std::string_view::npos) return bad("not a host");
  return ListenAddress{host.empty() ? "0.0.0.0" : std::string(host),
                       static_cast<std::uint16_t>(port)};
}

StatusServer::StatusServer(Monitor& monitor, Clock& clock, std::chrono::seconds unhealthy_after)
    : monitor_(monitor), clock_(clock), unhealthy_after_(unhealthy_after) {}

StatusServer::~StatusServer() {
  stop();
}

std::string StatusServer::url() const {
  if (host_.find(':') != std::string::npos) return fmt::format("http://[{}]:{}", host_, port_);
  return fmt::format("http://{}:{}", host_, port_);
}

Status StatusServer::start(const ListenAddress& address) {
  auto http = std::make_unique<Http>();
  httplib::Server& srv = http->server;
  srv.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  srv.set_payload_max_length(1024);  // nothing is uploaded here
  srv.set_tcp_nodelay(true);         // small answers: no Nagle + delayed-ACK stall per request
  srv.set_read_timeout(5, 0);
  srv.set_write_timeout(5, 0);
  srv.set_default_headers({{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});

  srv.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const auto snapshot = monitor_.snapshot(clock_.now());
    const auto h = health(snapshot, unhealthy_after_);
    res.status = h.ok ? 200 : 503;
    res.set_content(h.reason + "\n", "text/plain; charset=utf-8");
  });
  srv.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    const auto snapshot = monitor_.snapshot(clock_.now());
    const auto h = health(snapshot, unhealthy_after_);
    res.set_content(renderMetrics(snapshot, h.ok), std::string(kMetricsContentType));
  });
  srv.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    const auto snapshot = monitor_.snapshot(clock_.now());
    const auto h = health(snapshot, unhealthy_after_);
    res.set_header("Content-Security-Policy", std::string(kStatusPagePolicy));
    res.set_content(renderStatusPage(snapshot, h), "text/html; charset=utf-8");
  });
  srv.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(
          fmt::format("{}\n",
                      res.status == 404 ? "not found: try /, /healthz or /metrics" : "not allowed"),
          "text/plain; charset=utf-8");
    }
  });

  const int bound =
      address.port == 0
          ? srv.bind_to_any_port(address.host)
          : (srv.bind_to_port(address.host, address.port) ? static_cast<int>(address.port) : -1);
  if (bound <= 0) {
    return fail(ErrorCode::Network,
                fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                            address.host, address.port));
  }
  host_ = address.host;
  port_ = static_cast<std::uint16_t>(bound);
  http_ = std::move(http);
  thread_ = std::thread([this] { http_->server.listen_after_bind(); });
  // The socket already listens; wait until the accept loop runs so stop() cannot race it.
  for (int i = 0; i < 2000 && !http_->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void StatusServer::stop() {
  if (http_) http_->server.stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

}  // namespace trailwall::serve
