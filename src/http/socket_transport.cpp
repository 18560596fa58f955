#include "http/socket_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "http/ca_index.h"
#include "http/text.h"

namespace trailwall::http {

namespace {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using std::chrono::milliseconds;

int msLeft(TimePoint deadline) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count() + 1;
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// How an I/O step failed: the peer went away (EOF, reset), time ran out, or anything else.
enum class Failure { Closed, Timeout, Other };

struct IoError {
  Failure kind = Failure::Other;
  std::string what;
};

template <class T>
using IoResult = std::expected<T, IoError>;

std::unexpected<IoError> ioFail(Failure kind, std::string what) {
  return std::unexpected(IoError{kind, std::move(what)});
}

std::string opensslErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof buffer);
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

// The fd a BIO of ours reads and writes, kept in its data pointer.
int bioFd(BIO* bio) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

// A BIO on a socket that sends with MSG_NOSIGNAL, so a peer that closed never raises SIGPIPE.
BIO_METHOD* socketBioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "trailwall socket");
    BIO_meth_set_write(m, [](BIO* bio, const char* data, int len) -> int {
      BIO_clear_retry_flags(bio);
      const auto n = ::send(bioFd(bio), data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_write(bio);
      }
      return static_cast<int>(n);
    });
    BIO_meth_set_read(m, [](BIO* bio, char* data, int len) -> int {
      BIO_clear_retry_flags(bio);
      const auto n = ::recv(bioFd(bio), data, static_cast<std::size_t>(len), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_read(bio);
      }
      return static_cast<int>(n);
    });
    BIO_meth_set_ctrl(
        m, [](BIO*, int cmd, long, void*) -> long { return cmd == BIO_CTRL_FLUSH ? 1 : 0; });
    return m;
  }();
  return method;
}

BIO* newSocketBio(int fd) {
  BIO* bio = BIO_new(socketBioMethod());
  if (bio != nullptr) {
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
    BIO_set_init(bio, 1);
  }
  return bio;
}

}  // namespace

const std::vector<std::string>& systemCaBundles() {
  static const std::vector<std::string> paths = {
      "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Alpine
      "/etc/pki/tls/certs/ca-bundle.crt",                   // Amazon Linux, RHEL, Fedora
      "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL, Fedora
      "/etc/ssl/ca-bundle.pem",                             // openSUSE
      "/etc/ssl/cert.pem",                                  // Alpine, macOS-style
  };
  return paths;
}

namespace {

// One TCP (and maybe TLS) connection, used by one request at a time.
struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  std::string key;  // pool key: origin (+ proxy)
  bool reused = false;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (ssl != nullptr) SSL_free(ssl);  // frees the BIO too
    if (fd >= 0) ::close(fd);
  }

  // Waits until the socket is readable / writable or the deadline passes.
  [[nodiscard]] IoResult<void> wait(bool for_write, TimePoint deadline) const {
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    for (;;) {
      const int left = msLeft(deadline);
      if (left == 0) return ioFail(Failure::Timeout, "timed out");
      const int r = ::poll(&p, 1, left);
      if (r > 0) return {};
      if (r == 0) return ioFail(Failure::Timeout, "timed out");
      if (errno != EINTR) return ioFail(Failure::Other, std::strerror(errno));
    }
  }

  [[nodiscard]] IoResult<void> writeAll(std::string_view data, TimePoint deadline) const {
    while (!data.empty()) {
      if (ssl != nullptr) {
        ERR_clear_error();
        const int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
        if (n > 0) {
          data.remove_prefix(static_cast<std::size_t>(n));
          continue;
        }
        const int err = SSL_get_error(ssl, n);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
          if (auto w = wait(err == SSL_ERROR_WANT_WRITE, deadline); !w) return w;
          continue;
        }
        return ioFail(Failure::Closed, "connection closed while sending (" +
                                           std::string(std::strerror(errno)) + ")");
      }
      const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        if (auto w = wait(true, deadline); !w) return w;
        continue;
      }
      const int e = errno;
      return ioFail(e == EPIPE || e == ECONNRESET ? Failure::Closed : Failure::Other,
                    std::string("send: ") + std::strerror(e));
    }
    return {};
  }

  // Appends what arrives to `buffer`; 0 bytes means the peer closed the connection.
  [[nodiscard]] IoResult<std::size_t> readSome(std::string& buffer, TimePoint deadline) const {
    char chunk[16384];
    for (;;) {
      if (ssl != nullptr) {
        ERR_clear_error();
        const int n = SSL_read(ssl, chunk, sizeof chunk);
        if (n > 0) {
          buffer.append(chunk, static_cast<std::size_t>(n));
          return static_cast<std::size_t>(n);
        }
        const int err = SSL_get_error(ssl, n);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
          if (auto w = wait(err == SSL_ERROR_WANT_WRITE, deadline); !w)
            return std::unexpected(w.error());
          continue;
        }
        if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL) {
          return std::size_t{0};  // close_notify, or the socket closed without it
        }
        return ioFail(Failure::Other, "TLS: " + opensslErrors());
      }
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer.append(chunk, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
      }
      if (n == 0) return std::size_t{0};
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        if (auto w = wait(false, deadline); !w) return std::unexpected(w.error());
        continue;
      }
      if (errno == ECONNRESET) return std::size_t{0};
      return ioFail(Failure::Other, std::string("recv: ") + std::strerror(errno));
    }
  }

  // An idle kept-alive connection is usable when nothing is waiting on it: readable means the
  // server closed it (or sent something unasked). Over TLS, a record that carries no data (a
  // session ticket) does not count.
  [[nodiscard]] bool stillOpen() const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return true;
    if ((p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 || ssl == nullptr) return false;
    char byte = 0;
    ERR_clear_error();
    const int n = SSL_peek(ssl, &byte, 1);
    return n <= 0 && SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ;
  }
};

// Parsed answer head.
struct Head {
  int status = 0;
  int minor_version = 1;
  Headers headers;
};

// Parses "HTTP/1.x SSS reason" and the header lines of `block` (without the blank line).
std::optional<Head> parseHead(std::string_view block) {
  Head head;
  const auto eol = block.find("\r\n");
  const std::string_view status_line = block.substr(0, eol);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    return std::nullopt;
  }
  head.minor_version = status_line[7] - '0';
  const auto code = status_line.substr(9, 3);
  const auto [end, ec] = std::from_chars(code.data(), code.data() + 3, head.status);
  if (ec != std::errc() || end != code.data() + 3 || head.status < 100) return std::nullopt;
  std::string_view rest = eol == std::string_view::npos ? "" : block.substr(eol + 2);
  while (!rest.empty()) {
    const auto line_end = rest.find("\r\n");
    const auto line = rest.substr(0, line_end);
    rest = line_end == std::string_view::npos ? "" : rest.substr(line_end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    head.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                              std::string(trim(line.substr(colon + 1))));
  }
  return head;
}

bool hasToken(std::optional<std::string_view> value, std::string_view token) {
  if (!value) return false;
  std::string_view v = *value;
  while (!v.empty()) {
    const auto comma = v.find(',');
    if (equalsIgnoreCase(trim(v.substr(0, comma)), token)) return true;
    v = comma == std::string_view::npos ? "" : v.substr(comma + 1);
  }
  return false;
}

bool isIdempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool isIpLiteral(const std::string& host) {
  in6_addr buffer{};
  return ::inet_pton(AF_INET, host.c_str(), &buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &buffer) == 1;
}

// getaddrinfo has no timeout: it runs on a helper thread that is left behind when the deadline
// passes first (it finishes on its own and frees what it resolved).
Result<std::vector<sockaddr_storage>> resolve(const std::string& host, int port,
                                              TimePoint deadline) {
  struct Lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int status = 0;
    std::vector<sockaddr_storage> addresses;
  };
  const auto run = [host, port](Lookup& lookup) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    std::vector<sockaddr_storage> addresses;
    for (addrinfo* a = list; a != nullptr; a = a->ai_next) {
      sockaddr_storage s{};
      std::memcpy(&s, a->ai_addr, std::min<std::size_t>(a->ai_addrlen, sizeof s));
      addresses.push_back(s);
    }
    if (list != nullptr) ::freeaddrinfo(list);
    const std::lock_guard lock(lookup.mutex);
    lookup.status = status;
    lookup.addresses = std::move(addresses);
    lookup.done = true;
    lookup.done_cv.notify_all();
  };
  auto lookup = std::make_shared<Lookup>();
  if (isIpLiteral(host)) {
    run(*lookup);  // numeric: no name service involved, no wait
  } else {
    std::thread([lookup, run] { run(*lookup); }).detach();
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    return fail(ErrorCode::Timeout, "resolving '" + host + "' timed out");
  }
  if (lookup->status != 0 || lookup->addresses.empty()) {
    return fail(ErrorCode::Network,
                "cannot resolve host '" + host + "' (" + ::gai_strerror(lookup->status) + ")");
  }
  return std::move(lookup->addresses);
}

std::string describe(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (address.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    port = ntohs(a.sin_port);
    return std::string(text) + ":" + std::to_string(port);
  }
  const auto& a = reinterpret_cast<const sockaddr_in6&>(address);
  ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  port = ntohs(a.sin6_port);
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

// TCP connection to the first address that answers before the deadline.
Result<int> connectTcp(const std::string& host, int port, TimePoint deadline) {
  auto addresses = resolve(host, port, deadline);
  if (!addresses) return std::unexpected(addresses.error());
  std::string last_error;
  for (const auto& address : *addresses) {
    const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    const auto length = static_cast<socklen_t>(address.ss_family == AF_INET ? sizeof(sockaddr_in)
                                                                            : sizeof(sockaddr_in6));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) return fd;
    if (errno != EINPROGRESS) {
      last_error = describe(address) + ": " + std::strerror(errno);
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int r = 0;
    do {
      r = ::poll(&p, 1, msLeft(deadline));
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
      ::close(fd);
      return fail(ErrorCode::Timeout, "connecting to " + describe(address) + " timed out");
    }
    int error = 0;
    socklen_t error_length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
    if (r > 0 && error == 0) return fd;
    last_error = describe(address) + ": " + std::strerror(error != 0 ? error : errno);
    ::close(fd);
  }
  return fail(ErrorCode::Network,
              "cannot connect to " + host + ":" + std::to_string(port) + " (" + last_error + ")");
}

std::string hostPort(const Url& url) {
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return host + ":" + std::to_string(url.port.value_or(url.scheme == "https" ? 443 : 80));
}

}  // namespace

struct SocketTransport::State {
  TransportOptions options;
  std::mutex pool_mutex;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  std::atomic<std::size_t> opened{0};

  std::once_flag tls_once;
  std::unique_ptr<CaIndex> ca_index;  // outlives `tls`, whose store asks it for issuers
  SSL_CTX* tls = nullptr;
  std::string tls_error;
  std::mutex ca_mutex;
  std::atomic<bool> ca_loaded{false};
  std::string ca_error;

  explicit State(TransportOptions o) : options(std::move(o)) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    idle.clear();
    if (tls != nullptr) SSL_CTX_free(tls);
  }

  // The TLS context, built on first use. Trust anchors come later (loadTrust).
  SSL_CTX* tlsContext() {
    std::call_once(tls_once, [this] {
      // openssl.cnf belongs to the machine that built OpenSSL, not to the one that runs us.
      OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
      tls = SSL_CTX_new(TLS_client_method());
      if (tls == nullptr) {
        tls_error = "TLS: cannot create a context: " + opensslErrors();
        return;
      }
      SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
      SSL_CTX_set_verify(tls, options.insecure_skip_tls_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                         nullptr);
      // The trust anchors are read before the first verification at the latest (usually
      // earlier, while the first handshake waits: see handshake()).
      SSL_CTX_set_cert_verify_callback(
          tls,
          [](X509_STORE_CTX* store_ctx, void* self) -> int {
            if (!static_cast<State*>(self)->loadTrust()) {
              X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_UNSPECIFIED);
              return 0;
            }
            return X509_verify_cert(store_ctx);
          },
          this);
      SSL_CTX_set_mode(tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      SSL_CTX_set_session_cache_mode(tls, SSL_SESS_CACHE_OFF);
    });
    return tls;
  }

  // Reads the trust anchors once, the first time a handshake waits for the server.
  Status loadTrust() {
    if (options.insecure_skip_tls_verify || ca_loaded.load(std::memory_order_acquire)) {
      return ca_error.empty() ? Status{} : fail(ErrorCode::Network, ca_error);
    }
    const std::lock_guard lock(ca_mutex);
    if (!ca_loaded.load(std::memory_order_relaxed)) {
      std::string path;
      if (options.ca_bundle) {
        path = *options.ca_bundle;
      } else {
        for (const auto& candidate : systemCaBundles()) {
          if (::access(candidate.c_str(), R_OK) == 0) {
            path = candidate;
            break;
          }
        }
      }
      struct stat info {};
      X509_STORE* store = SSL_CTX_get_cert_store(tls);
      if (path.empty()) {
        std::string tried;
        for (const auto& candidate : systemCaBundles())
          tried += (tried.empty() ? "" : ", ") + candidate;
        ca_error = "TLS: no CA bundle found (tried " + tried +
                   "); configure one (firewall.ca_bundle, AWS_CA_BUNDLE or SSL_CERT_FILE)";
      } else if (::stat(path.c_str(), &info) != 0) {
        ca_error = "TLS: cannot read the CA bundle " + path + " (" + std::strerror(errno) + ")";
      } else if (S_ISDIR(info.st_mode)) {
        ERR_clear_error();  // a hashed directory (c_rehash): OpenSSL reads it lazily itself
        if (X509_STORE_load_path(store, path.c_str()) != 1) {
          ca_error = "TLS: cannot use the CA directory " + path + " (" + opensslErrors() + ")";
        }
      } else {
        auto index = CaIndex::fromPemFile(path);
        if (!index) {
          ca_error = "TLS: cannot load the CA bundle " + path + " (" + index.error().message + ")";
        } else if (auto attached = (*index)->attachTo(store); !attached) {
          ca_error = "TLS: " + attached.error().message;
        } else {
          ca_index = std::move(*index);
        }
      }
      ca_loaded.store(true, std::memory_order_release);
    }
    return ca_error.empty() ? Status{} : fail(ErrorCode::Network, ca_error);
  }

  Status handshake(Connection& c, const std::string& host, TimePoint deadline) {
    SSL_CTX* ctx = tlsContext();
    if (ctx == nullptr) return fail(ErrorCode::Network, tls_error);
    c.ssl = SSL_new(ctx);
    BIO* bio = c.ssl != nullptr ? newSocketBio(c.fd) : nullptr;
    if (bio == nullptr) return fail(ErrorCode::Network, "TLS: " + opensslErrors());
    SSL_set_bio(c.ssl, bio, bio);
    if (!isIpLiteral(host)) {
      SSL_set_tlsext_host_name(c.ssl, host.c_str());
    }
    if (!options.insecure_skip_tls_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(c.ssl);
      const int ok = isIpLiteral(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                       : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
      if (ok != 1) return fail(ErrorCode::Network, "TLS: cannot verify host '" + host + "'");
    }
    for (;;) {
      ERR_clear_error();
      const int r = SSL_connect(c.ssl);
      if (r == 1) return {};
      const int err = SSL_get_error(c.ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        // The ClientHello is out: read the trust anchors while the server answers.
        if (auto trust = loadTrust(); !trust) return trust;
        if (auto w = c.wait(err == SSL_ERROR_WANT_WRITE, deadline); !w) {
          return fail(w.error().kind == Failure::Timeout ? ErrorCode::Timeout : ErrorCode::Network,
                      "TLS handshake with " + host + " " + w.error().what);
        }
        continue;
      }
      if (!options.insecure_skip_tls_verify && ca_loaded.load() && !ca_error.empty()) {
        return fail(ErrorCode::Network, ca_error);
      }
      const long verify = SSL_get_verify_result(c.ssl);
      std::string detail =
          verify != X509_V_OK ? X509_verify_cert_error_string(verify) : opensslErrors();
      if (detail.empty()) detail = "the server closed the connection during the handshake";
      return fail(ErrorCode::Network, "TLS: handshake with " + host + " failed: " + detail);
    }
  }

  // A tunnel through an http:// proxy for an https:// origin.
  Status connectTunnel(Connection& c, const Url& url, const Proxy& proxy, TimePoint deadline) {
    std::string request = "CONNECT " + hostPort(url) + " HTTP/1.1\r\nHost: " + hostPort(url) +
                          "\r\nUser-Agent: " + options.user_agent + "\r\n";
    if (!proxy.authorization.empty()) {
      request += "Proxy-Authorization: " + proxy.authorization + "\r\n";
    }
    request += "\r\n";
    if (auto w = c.writeAll(request, deadline); !w) {
      return fail(ErrorCode::Network, "proxy " + proxy.address() + ": " + w.error().what);
    }
    std::string buffer;
    while (buffer.find("\r\n\r\n") == std::string::npos) {
      auto n = c.readSome(buffer, deadline);
      if (!n) {
        return fail(n.error().kind == Failure::Timeout ? ErrorCode::Timeout : ErrorCode::Network,
                    "proxy " + proxy.address() + " CONNECT " + n.error().what);
      }
      if (*n == 0 || buffer.size() > 65536) {
        return fail(ErrorCode::Network,
                    "proxy " + proxy.address() + " closed the connection during CONNECT");
      }
    }
    auto head = parseHead(std::string_view(buffer).substr(0, buffer.find("\r\n\r\n")));
    if (!head || head->status / 100 != 2) {
      return fail(ErrorCode::Network,
                  "proxy " + proxy.address() + " refused CONNECT to " + hostPort(url) +
                      (head ? " (HTTP " + std::to_string(head->status) + ")" : ""));
    }
    return {};
  }

  Result<std::unique_ptr<Connection>> open(const Url& url, const std::optional<Proxy>& proxy,
                                           std::string key, TimePoint deadline) {
    const TimePoint connect_deadline =
        std::min(deadline, SteadyClock::now() + options.connect_timeout);
    const std::string& host = proxy ? proxy->host : url.host;
    const int port = proxy ? proxy->port : url.port.value_or(url.scheme == "https" ? 443 : 80);
    auto fd = connectTcp(host, port, connect_deadline);
    if (!fd) {
      return std::unexpected(proxy ? fd.error().withContext("proxy " + proxy->address())
                                   : fd.error());
    }
    auto c = std::make_unique<Connection>();
    c->fd = *fd;
    c->key = std::move(key);
    ++opened;
    if (url.scheme == "https") {
      if (proxy) {
        if (auto t = connectTunnel(*c, url, *proxy, connect_deadline); !t) {
          return std::unexpected(t.error());
        }
      }
      if (auto h = handshake(*c, url.host, connect_deadline); !h) {
        return std::unexpected(h.error());
      }
    }
    return c;
  }

  std::unique_ptr<Connection> takeIdle(const std::string& key) {
    for (;;) {
      std::unique_ptr<Connection> c;
      {
        const std::lock_guard lock(pool_mutex);
        auto it = idle.find(key);
        if (it == idle.end() || it->second.empty()) return nullptr;
        c = std::move(it->second.back());
        it->second.pop_back();
      }
      if (c->stillOpen()) {
        c->reused = true;
        return c;
      }
      // Closed by the server while idle: dropped here, before anything was sent on it.
    }
  }

  void giveBack(std::unique_ptr<Connection> c) {
    const std::lock_guard lock(pool_mutex);
    auto& list = idle[c->key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }
};

namespace {

std::string requestHead(const Request& request, const Url& url, bool absolute_form,
                        const std::optional<Proxy>& proxy, const TransportOptions& options) {
  std::string target = absolute_form ? url.origin() + url.path : url.path;
  if (!url.query.empty()) target += "?" + url.query;
  std::string head = request.method + " " + target + " HTTP/1.1\r\n";
  if (!request.header("host")) head += "Host: " + url.hostHeader() + "\r\n";
  if (!request.header("user-agent")) head += "User-Agent: " + options.user_agent + "\r\n";
  if (!request.header("accept")) head += "Accept: */*\r\n";
  if (absolute_form && proxy && !proxy->authorization.empty()) {
    head += "Proxy-Authorization: " + proxy->authorization + "\r\n";
  }
  for (const auto& [name, value] : request.headers) {
    if (equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "connection") ||
        equalsIgnoreCase(name, "transfer-encoding")) {
      continue;  // the transport frames the message itself
    }
    head += name + ": " + value + "\r\n";
  }
  const bool body_expected = request.method != "GET" && request.method != "HEAD" &&
                             request.method != "DELETE" && request.method != "OPTIONS";
  if (body_expected || !request.body.empty()) {
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  head += "\r\n";
  return head;
}

struct Exchange {
  Response response;
  bool keep_alive = false;
  bool got_bytes = false;  // any byte of the answer arrived
};

// Reads one answer (skipping 1xx interim answers) from `c`.
IoResult<Exchange> readResponse(const Connection& c, bool head_request, std::size_t limit,
                                TimePoint deadline) {
  Exchange ex;
  std::string buffer;
  std::size_t head_end = std::string::npos;
  std::optional<Head> head;
  for (;;) {
    head_end = buffer.find("\r\n\r\n");
    while (head_end == std::string::npos) {
      auto n = c.readSome(buffer, deadline);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) {
        return ioFail(ex.got_bytes ? Failure::Other : Failure::Closed,
                      ex.got_bytes ? "connection closed in the middle of the answer"
                                   : "connection closed before an answer");
      }
      ex.got_bytes = true;
      if (buffer.size() > 1 << 20) return ioFail(Failure::Other, "answer header too large");
      head_end = buffer.find("\r\n\r\n");
    }
    head = parseHead(std::string_view(buffer).substr(0, head_end));
    if (!head) return ioFail(Failure::Other, "malformed HTTP answer");
    buffer.erase(0, head_end + 4);
    if (head->status >= 200 || head->status == 101) break;
  }
  ex.response.status = head->status;
  ex.response.headers = std::move(head->headers);
  const auto connection = ex.response.header("connection");
  ex.keep_alive = head->minor_version >= 1 ? !hasToken(connection, "close")
                                           : hasToken(connection, "keep-alive");
  std::string& body = ex.response.body;
  const int status = ex.response.status;
  if (head_request || status == 204 || status == 304 || status < 200) {
    return ex;
  }
  const auto too_large = [limit] {
    return ioFail(Failure::Other, "response body larger than " + std::to_string(limit) + " bytes");
  };
  const auto more = [&](std::string& into) -> IoResult<void> {
    auto n = c.readSome(into, deadline);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return ioFail(Failure::Other, "connection closed in the middle of the answer");
    return {};
  };
  if (hasToken(ex.response.header("transfer-encoding"), "chunked")) {
    for (;;) {
      std::size_t eol = buffer.find("\r\n");
      while (eol == std::string::npos) {
        if (auto m = more(buffer); !m) return std::unexpected(m.error());
        eol = buffer.find("\r\n");
      }
      std::size_t size = 0;
      const auto [end, ec] = std::from_chars(buffer.data(), buffer.data() + eol, size, 16);
      if (ec != std::errc() || end == buffer.data()) {
        return ioFail(Failure::Other, "malformed chunked body");
      }
      buffer.erase(0, eol + 2);
      if (size == 0) {
        // Trailer fields, then the blank line.
        while (buffer.find("\r\n") != 0 && buffer.find("\r\n\r\n") == std::string::npos) {
          if (auto m = more(buffer); !m) return std::unexpected(m.error());
        }
        return ex;
      }
      if (body.size() + size > limit) return too_large();
      while (buffer.size() < size + 2) {
        if (auto m = more(buffer); !m) return std::unexpected(m.error());
      }
      body.append(buffer, 0, size);
      buffer.erase(0, size + 2);
    }
  }
  if (const auto length_text = ex.response.header("content-length")) {
    std::size_t length = 0;
    const auto [end, ec] =
        std::from_chars(length_text->data(), length_text->data() + length_text->size(), length);
    if (ec != std::errc() || end != length_text->data() + length_text->size()) {
      return ioFail(Failure::Other, "malformed Content-Length");
    }
    if (length > limit) return too_large();
    body = std::move(buffer);
    body.reserve(length);
    while (body.size() < length) {
      if (auto m = more(body); !m) return std::unexpected(m.error());
    }
    if (body.size() > length) return ioFail(Failure::Other, "more bytes than Content-Length");
    return ex;
  }
  // Delimited by the end of the connection.
  ex.keep_alive = false;
  body = std::move(buffer);
  for (;;) {
    if (body.size() > limit) return too_large();
    auto n = c.readSome(body, deadline);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return ex;
  }
}

}  // namespace

SocketTransport::SocketTransport(TransportOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

SocketTransport::~SocketTransport() = default;

std::size_t SocketTransport::connectionsOpened() const {
  return state_->opened.load();
}

Result<Response> SocketTransport::send(const Request& request) {
  const TransportOptions& options = state_->options;
  const TimePoint deadline = SteadyClock::now() + request.timeout.value_or(options.total_timeout);
  if (request.method.empty() ||
      !std::ranges::all_of(request.method, [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return fail(ErrorCode::InvalidInput, "invalid HTTP method '" + request.method + "'");
  }
  auto url = parseUrl(request.url);
  if (!url) {
    return std::unexpected(url.error().withContext(redactedUrl(request.url)));
  }
  auto proxy = proxyFor(options.proxy, *url);
  if (!proxy) return std::unexpected(proxy.error());
  const bool absolute_form = *proxy && url->scheme == "http";
  const std::string where = " (" + redactedUrl(request.url) + ")";
  const std::string key = url->origin() + (*proxy ? " via " + (*proxy)->address() : "");
  const bool idempotent = request.idempotent.value_or(isIdempotentMethod(request.method));
  const std::string head = requestHead(request, *url, absolute_form, *proxy, options);

  std::string message = head;
  message += request.body;
  const auto total = request.timeout.value_or(options.total_timeout);
  for (int attempt = 1;; ++attempt) {
    auto connection = state_->takeIdle(key);
    if (!connection) {
      auto opened = state_->open(*url, *proxy, key, deadline);
      if (!opened) {
        Error e = opened.error();
        e.message += where;
        return std::unexpected(std::move(e));
      }
      connection = std::move(*opened);
    }
    IoResult<Exchange> exchange = std::unexpected(IoError{});
    if (auto written = connection->writeAll(message, deadline); written) {
      exchange =
          readResponse(*connection, request.method == "HEAD", options.max_response_bytes, deadline);
    } else {
      exchange = std::unexpected(written.error());
    }
    if (exchange) {
      if (exchange->keep_alive) state_->giveBack(std::move(connection));
      return std::move(exchange->response);
    }
    const IoError& error = exchange.error();
    if (error.kind == Failure::Timeout) {
      return fail(ErrorCode::Timeout,
                  "no answer within " + std::to_string(total.count()) + " ms" + where);
    }
    if (connection->reused && error.kind == Failure::Closed) {
      // The server closed a kept-alive connection as this request went out.
      if (idempotent && attempt == 1) continue;
      return fail(ErrorCode::Network,
                  "the kept-alive connection closed before an answer; the " + request.method +
                      " request was not re-sent because it is not idempotent (the server may "
                      "have acted on it)" +
                      where);
    }
    return fail(ErrorCode::Network, error.what + where);
  }
}

}  // namespace trailwall::http
