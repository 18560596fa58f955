#include "serve/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "serve/health.h"
#include "serve/metrics_text.h"
#include "serve/status_page.h"

namespace trailwall::serve {
namespace {

constexpr std::size_t kThreads = 4;         // a scraper, a probe and a few people at once
constexpr std::size_t kMaxHead = 8 * 1024;  // request line and headers
constexpr int kIdleTimeoutMs = 5000;        // a kept-alive connection with nothing to say
constexpr std::size_t kMaxRequestsPerConnection = 100;

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool containsIgnoringCase(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (equalsIgnoringCase(text.substr(i, word.size()), word)) return true;
  }
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

std::string response(int status, std::string_view content_type, std::string_view body,
                     bool keep_alive, bool head_only, std::string_view extra_headers = {}) {
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\n{}Connection: {}\r\n\r\n",
      status, reason(status), content_type, body.size(), extra_headers,
      keep_alive ? "keep-alive" : "close");
  if (!head_only) out += body;
  return out;
}

std::string plain(int status, std::string_view text, bool keep_alive, bool head_only = false,
                  std::string_view extra_headers = {}) {
  return response(status, "text/plain; charset=utf-8", fmt::format("{}\n", text), keep_alive,
                  head_only, extra_headers);
}

// Writes all of `data`; false when the peer is gone or the send timeout passed.
bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

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
  const auto cannot = [&address](std::string_view why) {
    return fail(ErrorCode::Network,
                fmt::format("cannot listen on {}:{} ({})", address.host, address.port, why));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string port_text = std::to_string(address.port);
  if (const int status = ::getaddrinfo(address.host.c_str(), port_text.c_str(), &hints, &list);
      status != 0) {
    return cannot(fmt::format("not an address of this machine: {}", ::gai_strerror(status)));
  }
  int fd = -1;
  int last_errno = 0;
  for (const addrinfo* ai = list; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      last_errno = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(list);
  if (fd < 0) return cannot(std::strerror(last_errno));
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    ::close(fd);
    return cannot(std::strerror(errno));
  }
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    ::close(fd);
    return cannot(std::strerror(errno));
  }
  host_ = address.host;
  listen_fd_ = fd;
  for (std::size_t i = 0; i < kThreads; ++i) threads_.emplace_back([this] { serveConnections(); });
  return {};
}

void StatusServer::stop() {
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  listen_fd_ = -1;
  stop_fd_ = -1;
}

void StatusServer::serveConnections() {
  while (true) {
    std::array<pollfd, 2> fds{pollfd{listen_fd_, POLLIN, 0}, pollfd{stop_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    // Another thread may have taken it: the listening socket does not block.
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // small answers: no Nagle stall
    const timeval send_timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    serveOne(fd);
    ::close(fd);
  }
}

void StatusServer::serveOne(int fd) {
  std::string buffer;
  for (std::size_t served = 0; served < kMaxRequestsPerConnection; ++served) {
    std::size_t end = buffer.find("\r\n\r\n");
    while (end == std::string::npos) {
      if (buffer.size() > kMaxHead) {
        (void)sendAll(fd, plain(431, "the request's headers are too large", false));
        return;
      }
      std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stop_fd_, POLLIN, 0}};
      const int ready = ::poll(fds.data(), fds.size(), kIdleTimeoutMs);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0 || fds[1].revents != 0) return;  // idle, or stopping
      std::array<char, 4096> chunk{};
      const auto n = ::recv(fd, chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      buffer.append(chunk.data(), static_cast<std::size_t>(n));
      end = buffer.find("\r\n\r\n");
    }
    if (end > kMaxHead) {
      (void)sendAll(fd, plain(431, "the request's headers are too large", false));
      return;
    }
    const std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);

    const std::string_view text(head);
    const auto line_end = std::min(text.find("\r\n"), text.size());
    const std::string_view line = text.substr(0, line_end);
    const auto first = line.find(' ');
    const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos) {
      (void)sendAll(fd, plain(400, "not an HTTP request", false));
      return;
    }
    const std::string_view method = line.substr(0, first);
    const std::string_view target = line.substr(first + 1, second - first - 1);
    const std::string_view version = line.substr(second + 1);
    if (!version.starts_with("HTTP/1.")) {
      (void)sendAll(fd, plain(400, "not an HTTP/1 request", false));
      return;
    }
    bool keep_alive = version == "HTTP/1.1";
    bool has_body = false;
    std::size_t pos = line_end;
    while (pos < text.size()) {
      pos += 2;  // the CRLF before this header line
      const auto next = std::min(text.find("\r\n", pos), text.size());
      const std::string_view header = text.substr(pos, next - pos);
      pos = next;
      const auto colon = header.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = trim(header.substr(0, colon));
      const std::string_view value = trim(header.substr(colon + 1));
      if (equalsIgnoringCase(name, "connection")) {
        if (containsIgnoringCase(value, "close")) keep_alive = false;
        if (containsIgnoringCase(value, "keep-alive")) keep_alive = true;
      } else if (equalsIgnoringCase(name, "transfer-encoding") ||
                 (equalsIgnoringCase(name, "content-length") && value != "0")) {
        has_body = true;
      }
    }
    if (has_body) {  // nothing is uploaded here; the body is not read, so the connection ends
      (void)sendAll(fd, plain(413, "not allowed: nothing is uploaded here", false));
      return;
    }
    if (served + 1 == kMaxRequestsPerConnection) keep_alive = false;
    if (!sendAll(fd, answer(method, target, keep_alive)) || !keep_alive) return;
  }
}

std::string StatusServer::answer(std::string_view method, std::string_view target,
                                 bool keep_alive) {
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    return plain(405, "not allowed: GET or HEAD only", keep_alive, false, "Allow: GET, HEAD\r\n");
  }
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/healthz" && path != "/metrics" && path != "/") {
    return plain(404, "not found: try /, /healthz or /metrics", keep_alive, head_only);
  }
  const auto snapshot = monitor_.snapshot(clock_.now());
  const auto h = health(snapshot, unhealthy_after_);
  if (path == "/healthz") return plain(h.ok ? 200 : 503, h.reason, keep_alive, head_only);
  if (path == "/metrics") {
    return response(200, kMetricsContentType, renderMetrics(snapshot, h.ok), keep_alive, head_only);
  }
  return response(200, "text/html; charset=utf-8", renderStatusPage(snapshot, h), keep_alive,
                  head_only, fmt::format("Content-Security-Policy: {}\r\n", kStatusPagePolicy));
}

}  // namespace trailwall::serve
