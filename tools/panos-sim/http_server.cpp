#include "http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace trailwall::panossim {

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

namespace {

constexpr std::size_t kMaxHead = 64 * 1024;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Whether a comma-separated header value holds `token` (Connection: keep-alive, close).
bool hasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) {
      return true;
    }
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  return false;
}

// One accepted connection, plain or TLS.
class Channel {
 public:
  Channel(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Channel() {
    if (ssl_ != nullptr) {
      if (graceful_) {
        SSL_shutdown(ssl_);  // close_notify; the peer's answer is not awaited
      }
      SSL_free(ssl_);
    }
    ::close(fd_);
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  bool handshake() { return ssl_ == nullptr || SSL_accept(ssl_) == 1; }

  // Appends what arrives within `timeout` to `buffer`; false on end of stream, timeout or error.
  bool readSome(std::string& buffer, std::chrono::milliseconds timeout) {
    char chunk[16384];
    if (ssl_ == nullptr || SSL_has_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      int ready = 0;
      do {
        ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      } while (ready < 0 && errno == EINTR);
      if (ready <= 0) {
        return false;
      }
    }
    ssize_t n = 0;
    if (ssl_ != nullptr) {
      n = SSL_read(ssl_, chunk, static_cast<int>(sizeof chunk));
    } else {
      do {
        n = ::recv(fd_, chunk, sizeof chunk, 0);
      } while (n < 0 && errno == EINTR);
    }
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  bool writeAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = 0;
      if (ssl_ != nullptr) {
        n = SSL_write(ssl_, data.data(),
                      static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
      } else {
        do {
          n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
      }
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Close without TLS close_notify: the peer sees the connection cut off.
  void abort() { graceful_ = false; }

 private:
  int fd_;
  SSL* ssl_;
  bool graceful_ = true;
};

std::string replyHead(const HttpReply& reply, std::size_t body_size, bool keep_alive) {
  std::string reason =
      reply.reason.empty() ? std::string(reasonPhrase(reply.status)) : reply.reason;
  std::erase_if(reason, [](char c) { return c == '\r' || c == '\n'; });
  std::string content_type = reply.content_type;
  std::erase_if(content_type, [](char c) { return c == '\r' || c == '\n'; });
  return "HTTP/1.1 " + std::to_string(reply.status) + " " + reason +
         "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body_size) +
         (keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
}

}  // namespace

HttpRequestReader::HttpRequestReader(ReadMore more, SendContinue send_continue,
                                     const HttpServerOptions& options)
    : more_(std::move(more)), send_continue_(std::move(send_continue)), options_(options) {}

std::optional<int> HttpRequestReader::read(HttpRequest& out, bool& keep_alive) {
  std::size_t end = std::string::npos;
  while (true) {
    while (buffer_.starts_with("\r\n")) {
      buffer_.erase(0, 2);  // empty lines before a request line are ignored (RFC 9112 2.2)
    }
    end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      if (end > kMaxHead) {
        return 431;
      }
      break;
    }
    if (buffer_.size() > kMaxHead) {
      return 431;
    }
    if (!more_(buffer_, buffer_.empty() ? options_.idle_timeout : options_.read_timeout)) {
      return 0;
    }
  }
  const std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  bool http10 = false;
  if (auto bad = parseHead(head, out, http10)) {
    return bad;
  }
  const std::string connection = out.header("Connection");
  keep_alive = http10 ? hasToken(connection, "keep-alive") : !hasToken(connection, "close");
  return readBody(out);
}

std::optional<int> HttpRequestReader::parseHead(std::string_view head, HttpRequest& out,
                                                bool& http10) {
  const std::size_t eol = std::min(head.find("\r\n"), head.size());
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos ||
      sp1 == 0) {
    return 400;
  }
  out.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return version.starts_with("HTTP/") ? 505 : 400;
  }
  http10 = version == "HTTP/1.0";
  if (target.starts_with("http://") || target.starts_with("https://")) {
    // absolute-form: keep the path and query
    const std::size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (!target.starts_with('/')) {
    return 400;
  }
  out.target = std::string(target);
  const std::size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  out.query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
  std::string_view rest = eol < head.size() ? head.substr(eol + 2) : std::string_view();
  while (!rest.empty()) {
    const std::size_t next = std::min(rest.find("\r\n"), rest.size());
    const std::string_view field = rest.substr(0, next);
    rest = next < rest.size() ? rest.substr(next + 2) : std::string_view();
    const std::size_t colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos || field.front() == ' ' ||
        field.front() == '\t' || trim(field.substr(0, colon)).size() != colon) {
      return 400;  // no name, obsolete line folding, or whitespace before the colon
    }
    out.headers.emplace_back(std::string(field.substr(0, colon)),
                             std::string(trim(field.substr(colon + 1))));
  }
  return std::nullopt;
}

std::optional<int> HttpRequestReader::readBody(HttpRequest& out) {
  const std::string coding = out.header("Transfer-Encoding");
  const std::string length = out.header("Content-Length");
  const bool chunked = !coding.empty();
  if (chunked && !iequals(trim(coding), "chunked")) {
    return 501;
  }
  std::size_t size = 0;
  if (!chunked && !length.empty()) {
    const auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
    if (ec != std::errc() || ptr != length.data() + length.size()) {
      return 400;
    }
    if (size > options_.max_body) {
      return 413;
    }
  }
  if ((chunked || size > 0) && iequals(out.header("Expect"), "100-continue") && buffer_.empty() &&
      !send_continue_()) {
    return 0;
  }
  if (chunked) {
    return readChunked(out.body);
  }
  if (!fill(size)) {
    return 0;
  }
  out.body = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return std::nullopt;
}

std::optional<int> HttpRequestReader::readChunked(std::string& body) {
  while (true) {
    std::size_t eol = 0;
    while ((eol = buffer_.find("\r\n")) == std::string::npos) {
      if (buffer_.size() > kMaxHead || !more_(buffer_, options_.read_timeout)) {
        return buffer_.size() > kMaxHead ? std::optional<int>(400) : std::optional<int>(0);
      }
    }
    const std::string_view line = std::string_view(buffer_).substr(0, eol);
    const std::string_view digits = trim(line.substr(0, line.find(';')));
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
      return 400;
    }
    buffer_.erase(0, eol + 2);
    if (size == 0) {
      // Trailer fields, ignored, up to the empty line.
      while (true) {
        while ((eol = buffer_.find("\r\n")) == std::string::npos) {
          if (buffer_.size() > kMaxHead || !more_(buffer_, options_.read_timeout)) {
            return 0;
          }
        }
        buffer_.erase(0, eol + 2);
        if (eol == 0) {
          return std::nullopt;
        }
      }
    }
    if (size > options_.max_body - std::min(options_.max_body, body.size())) {
      return 413;
    }
    if (!fill(size + 2)) {
      return 0;
    }
    if (buffer_.compare(size, 2, "\r\n") != 0) {
      return 400;
    }
    body.append(buffer_, 0, size);
    buffer_.erase(0, size + 2);
  }
}

bool HttpRequestReader::fill(std::size_t size) {
  while (buffer_.size() < size) {
    if (!more_(buffer_, options_.read_timeout)) {
      return false;
    }
  }
  return true;
}

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) {
      return v;
    }
  }
  return "";
}

struct HttpServer::State {
  HttpServerOptions options;
  Handler handler;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // the accept loop's stop signal
  std::thread acceptor;
  std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  std::size_t active = 0;
  struct Connection {
    int fd = -1;  // -1 once the connection's thread closes it
    bool done = false;
    std::thread thread;
  };
  std::list<Connection> connections;

  void acceptLoop();
  void serve(Connection& connection, int fd);
  void serveRequests(Channel& channel);
  void reap();
};

void HttpServer::State::reap() {
  for (auto it = connections.begin(); it != connections.end();) {
    if (it->done) {
      it->thread.join();  // already past its last use of the mutex
      it = connections.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::State::acceptLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return stopping || active < options.max_connections; });
      if (stopping) {
        return;
      }
      reap();
    }
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      continue;  // EINTR
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const auto ms = options.read_timeout.count();
    const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);  // bounds TLS handshakes and
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // writes to stalled peers
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) {
      ::close(fd);
      return;
    }
    ++active;
    Connection& c = connections.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c, fd] { serve(c, fd); });
  }
}

void HttpServer::State::serve(Connection& connection, int fd) {
  // A peer that is gone makes writes raise SIGPIPE; blocked here, write fails with EPIPE
  // instead and the pending signal dies with this thread.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  SSL* ssl = options.tls != nullptr ? SSL_new(options.tls) : nullptr;
  if (ssl != nullptr) {
    SSL_set_fd(ssl, fd);
  }
  {
    Channel channel(fd, ssl);
    if (options.tls == nullptr || ssl != nullptr) {
      serveRequests(channel);
    }
    std::lock_guard<std::mutex> lock(mutex);
    connection.fd = -1;  // stop() no longer touches it; closed right below
  }
  std::lock_guard<std::mutex> lock(mutex);
  connection.done = true;
  --active;
  changed.notify_all();
}

void HttpServer::State::serveRequests(Channel& channel) {
  if (!channel.handshake()) {
    channel.abort();
    return;
  }
  HttpRequestReader reader(
      [&channel](std::string& buffer, std::chrono::milliseconds timeout) {
        return channel.readSome(buffer, timeout);
      },
      [&channel] { return channel.writeAll("HTTP/1.1 100 Continue\r\n\r\n"); }, options);
  while (true) {
    HttpRequest request;
    bool keep_alive = false;
    if (const std::optional<int> bad = reader.read(request, keep_alive)) {
      if (*bad != 0) {
        HttpReply reply;
        reply.status = *bad;
        reply.body = std::string(reasonPhrase(*bad)) + "\n";
        channel.writeAll(replyHead(reply, reply.body.size(), false) + reply.body);
      }
      return;
    }
    HttpReply reply;
    try {
      reply = handler(request);
    } catch (const std::exception& e) {
      reply = HttpReply{};
      reply.status = 500;
      reply.body = std::string("panos-sim: ") + e.what() + "\n";
    }
    if (reply.close_without_answer) {
      channel.abort();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      keep_alive = keep_alive && !stopping;
    }
    const std::size_t size = reply.body.size();
    std::string out = replyHead(reply, size, keep_alive);
    if (request.method != "HEAD") {
      out += reply.body;
    }
    if (!channel.writeAll(out) || !keep_alive) {
      return;
    }
  }
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::start() {
  State& s = *state_;
  if (s.listen_fd >= 0) {
    return fail(ErrorCode::InvalidInput, "server already started");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string where = s.options.bind_address + ":" + std::to_string(s.options.port);
  if (::getaddrinfo(s.options.bind_address.c_str(), std::to_string(s.options.port).c_str(), &hints,
                    &found) != 0 ||
      found == nullptr) {
    return fail(ErrorCode::Network, "cannot resolve " + s.options.bind_address);
  }
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  const int one = 1;
  const bool bound = fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                     ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
                     ::listen(fd, SOMAXCONN) == 0;
  ::freeaddrinfo(found);
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  if (!bound || ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
      ::pipe2(s.wake, O_CLOEXEC) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return fail(ErrorCode::Network, "cannot listen on " + where);
  }
  port_ = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  s.listen_fd = fd;
  s.acceptor = std::thread([&s] { s.acceptLoop(); });
  return {};
}

void HttpServer::stop() {
  State& s = *state_;
  if (s.listen_fd < 0) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stopping = true;
    for (const State::Connection& c : s.connections) {
      if (c.fd >= 0) {
        ::shutdown(c.fd, SHUT_RDWR);  // wakes reads; the connection's thread closes it
      }
    }
  }
  s.changed.notify_all();
  const char wake = 1;
  (void)!::write(s.wake[1], &wake, 1);
  s.acceptor.join();
  std::list<State::Connection> connections;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    connections.swap(s.connections);
  }
  for (State::Connection& c : connections) {
    c.thread.join();
  }
  ::close(s.listen_fd);
  ::close(s.wake[0]);
  ::close(s.wake[1]);
  s.listen_fd = -1;
  s.wake[0] = s.wake[1] = -1;
  s.stopping = false;
  s.active = 0;
}

}  // namespace trailwall::panossim
