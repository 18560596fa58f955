// SocketTransport against real loopback servers on port 0: cpp-httplib for well-behaved HTTP and
// HTTPS, and a raw socket server for the misbehaving ones (silent, closing kept-alive connections).
#include "http/socket_transport.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace trailwall::http {
namespace {

using namespace std::chrono_literals;

// A server on a free loopback port, listening on a thread, stopped in the destructor.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::unique_ptr<httplib::Server> server = nullptr)
      : server_(server ? std::move(server) : std::make_unique<httplib::Server>()) {}
  ~LoopbackServer() { stop(); }
  httplib::Server& operator*() { return *server_; }
  httplib::Server* operator->() { return server_.get(); }
  void start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // The socket listens from bind on; wait for the accept loop so stop() cannot miss it.
    while (!server_->is_running()) {
      std::this_thread::sleep_for(1ms);
    }
  }
  void stop() {
    server_->stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A raw HTTP/1.1 server on a loopback port: connections are accepted one after another on one
// thread and each is handed to `serve(fd, connection_number)` (numbered from 1), which reads
// and answers, or stays silent, or closes, as the test needs.
class RawServer {
 public:
  using Serve = std::function<void(int fd, int connection)>;
  explicit RawServer(Serve serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int n = 1;; ++n) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;  // the listener was shut down
        connections_ = n;
        serve_(fd, n);
        ::close(fd);
      }
    });
  }
  ~RawServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int connections() const { return connections_.load(); }

  // The request line of the next request on `fd` (its body read and dropped), "" at EOF.
  static std::string readRequest(int fd) {
    std::string data;
    char chunk[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      data.append(chunk, static_cast<std::size_t>(n));
    }
    const auto head_end = data.find("\r\n\r\n") + 4;
    std::size_t length = 0;
    if (const auto at = data.find("Content-Length: "); at != std::string::npos && at < head_end) {
      length = std::stoul(data.substr(at + 16));
    }
    while (data.size() < head_end + length) {
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      data.append(chunk, static_cast<std::size_t>(n));
    }
    return data.substr(0, data.find("\r\n"));
  }
  static void answer(int fd, const std::string& body) {
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    EXPECT_EQ(::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(reply.size()));
  }

 private:
  Serve serve_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(SocketTransport, SendsMethodHeadersAndBodyAndReturnsTheResponse) {
  LoopbackServer server;
  server->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Seen-Header", req.get_header_value("X-Custom"));
    res.set_header("X-Seen-Query", req.get_param_value("a"));
    res.set_content("got:" + req.body, "text/plain");
  });
  server.start();
  SocketTransport transport;
  auto r = transport.send(
      Request{"POST", server.url() + "/echo?a=1", {{"X-Custom", "v"}}, "payload", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got:payload");
  EXPECT_EQ(r->header("x-seen-header"), "v");
  EXPECT_EQ(r->header("X-Seen-Query"), "1");
}

TEST(SocketTransport, HttpErrorStatusIsAResponseNotAnError) {
  LoopbackServer server;
  server->Get("/boom", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("<Error>slow down</Error>", "text/xml");
  });
  server.start();
  SocketTransport transport;
  auto r = transport.send(Request{"GET", server.url() + "/boom", {}, "", {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "<Error>slow down</Error>");
}

TEST(SocketTransport, PutAndDeleteUseTheirMethods) {
  LoopbackServer server;
  server->Put("/x", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("put " + req.body, "text/plain");
  });
  server->Delete("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("deleted", "text/plain");
  });
  server.start();
  SocketTransport transport;
  EXPECT_EQ(transport.send(Request{"PUT", server.url() + "/x", {}, "b", {}})->body, "put b");
  EXPECT_EQ(transport.send(Request{"DELETE", server.url() + "/x", {}, "", {}})->body, "deleted");
}

TEST(SocketTransport, ReusesTheConnectionAcrossRequests) {
  LoopbackServer server;
  std::mutex mutex;
  std::set<int> client_ports;
  server->Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  server.start();
  SocketTransport transport;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(transport.send(Request{"GET", server.url() + "/", {}, "", {}}));
  }
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(SocketTransport, ConnectionRefusedIsANetworkError) {
  int port = 0;
  {
    LoopbackServer server;
    server.start();
    port = server.port();
  }  // stopped: nothing listens on the port now
  SocketTransport transport;
  auto r = transport.send(Request{
      "GET", "http://127.0.0.1:" + std::to_string(port) + "/?X-Amz-Signature=s3cr3t", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos) << r.error().message;
}

TEST(SocketTransport, TotalTimeoutIsATimeoutError) {
  LoopbackServer server;
  server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("late", "text/plain");
  });
  server.start();
  SocketTransport transport;
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.send(Request{"GET", server.url() + "/slow", {}, "", 200ms});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
}

TEST(SocketTransport, ResponseLargerThanTheLimitIsRefused) {
  LoopbackServer server;
  server->Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, 'x'), "text/plain");
  });
  server.start();
  TransportOptions options;
  options.max_response_bytes = 1000;
  SocketTransport transport(options);
  auto r = transport.send(Request{"GET", server.url() + "/big", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
}

TEST(SocketTransport, HonoursTheHttpProxyAndNoProxy) {
  LoopbackServer proxy;
  std::string seen_target;
  proxy->Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    seen_target = req.target;
    res.set_content("via proxy", "text/plain");
  });
  proxy.start();
  TransportOptions options;
  options.proxy =
      ProxySettings::fromEnvironment([&](std::string_view name) -> std::optional<std::string> {
        if (name == "http_proxy") {
          return proxy.url();
        }
        return std::nullopt;
      });
  SocketTransport transport(options);
  auto r = transport.send(Request{"GET", "http://trailwall-proxy-test.invalid/path", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body, "via proxy");
  EXPECT_EQ(seen_target, "http://trailwall-proxy-test.invalid/path");

  options.proxy.no_proxy = "trailwall-proxy-test.invalid";
  SocketTransport direct(options);
  auto d = direct.send(Request{"GET", "http://trailwall-proxy-test.invalid/path", {}, "", 2s});
  EXPECT_FALSE(d);  // went direct, and .invalid does not resolve
}

TEST(SocketTransport, DefaultTimeoutsAreBounded) {
  const TransportOptions options;
  EXPECT_LE(options.connect_timeout, 10s);
  EXPECT_LT(options.total_timeout, 30s);
}

TEST(SocketTransport, ServerThatAcceptsAndNeverAnswersFailsWithinTheTimeout) {
  std::atomic<bool> release{false};
  RawServer server([&](int fd, int) {
    (void)RawServer::readRequest(fd);
    while (!release) std::this_thread::sleep_for(10ms);  // silent
  });
  TransportOptions options;
  options.total_timeout = 300ms;
  SocketTransport transport(options);
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.send(Request{"GET", server.url() + "/?X-Amz-Signature=s3cr3t", {}, "", {}});
  const auto took = std::chrono::steady_clock::now() - start;
  release = true;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_NE(r.error().message.find("no answer within 300 ms"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos) << r.error().message;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);  // generous: only "bounded" matters
}

TEST(SocketTransport, TlsServerThatNeverAnswersTheHandshakeFailsOnTheConnectTimeout) {
  std::atomic<bool> release{false};
  RawServer server([&](int, int) {
    while (!release) std::this_thread::sleep_for(10ms);  // accepts, reads nothing, says nothing
  });
  TransportOptions options;
  options.connect_timeout = 300ms;
  options.total_timeout = 20s;
  SocketTransport transport(options);
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.send(
      Request{"GET", "https://127.0.0.1:" + server.url().substr(17) + "/", {}, "", {}});
  const auto took = std::chrono::steady_clock::now() - start;
  release = true;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  EXPECT_LT(took, 5s);
}

TEST(SocketTransport, EachConcurrentSenderKeepsItsOwnConnection) {
  LoopbackServer server;
  std::mutex mutex;
  std::set<int> client_ports;
  server->Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::this_thread::sleep_for(2ms);
    const std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  server->set_keep_alive_max_count(100);  // cpp-httplib closes after 5 requests by default
  server.start();
  SocketTransport transport;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (transport.send(Request{"GET", server.url() + "/", {}, "", {}})) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 40);
  EXPECT_LE(transport.connectionsOpened(), 4u);
  EXPECT_EQ(client_ports.size(), transport.connectionsOpened());
}

TEST(SocketTransport, ChunkedAnswerIsDecoded) {
  LoopbackServer server;
  server->Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
      sink.write("hello ", 6);
      sink.write("chunked ", 8);
      sink.write("world", 5);
      sink.done();
      return true;
    });
  });
  server.start();
  SocketTransport transport;
  for (int i = 0; i < 2; ++i) {  // the connection stays usable after a chunked answer
    auto r = transport.send(Request{"GET", server.url() + "/chunked", {}, "", {}});
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->body, "hello chunked world");
  }
  EXPECT_EQ(transport.connectionsOpened(), 1u);
}

TEST(SocketTransport, IdleConnectionClosedByTheServerIsReplacedBeforeSending) {
  std::atomic<int> closed{0};
  std::atomic<int> requests{0};
  RawServer server([&](int fd, int) {
    if (!RawServer::readRequest(fd).empty()) ++requests;
    RawServer::answer(fd, "one");
    ::shutdown(fd, SHUT_RDWR);  // the server's keep-alive timeout, while the client is idle
    ++closed;
  });
  SocketTransport transport;
  ASSERT_TRUE(transport.send(Request{"POST", server.url() + "/", {}, "a", {}}));
  while (closed < 1) std::this_thread::sleep_for(1ms);
  // A POST is not idempotent, and it need not be: the dead connection is seen before sending.
  auto r = transport.send(Request{"POST", server.url() + "/", {}, "b", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(requests, 2);
  EXPECT_EQ(server.connections(), 2);
}

// The server answers one request per connection and closes the connection when the next
// request arrives, without answering it: the race of a keep-alive timeout with a new request.
class ClosesOnSecondRequest {
 public:
  ClosesOnSecondRequest()
      : server_([this](int fd, int) {
          if (!RawServer::readRequest(fd).empty()) {
            ++requests_;
            RawServer::answer(fd, "answered");
          }
          if (!RawServer::readRequest(fd).empty()) ++requests_;  // received, never answered
        }) {}
  [[nodiscard]] std::string url() const { return server_.url() + "/"; }
  [[nodiscard]] int requests() const { return requests_; }
  [[nodiscard]] int connections() const { return server_.connections(); }

 private:
  std::atomic<int> requests_{0};
  RawServer server_;
};

TEST(SocketTransport, IdempotentRequestIsResentWhenItsKeptAliveConnectionDiesUnanswered) {
  ClosesOnSecondRequest server;
  SocketTransport transport;
  ASSERT_TRUE(transport.send(Request{"GET", server.url(), {}, "", {}}));
  auto r = transport.send(Request{"GET", server.url(), {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body, "answered");
  EXPECT_EQ(server.requests(), 3);  // the lost one, then again on a new connection
  EXPECT_EQ(server.connections(), 2);
}

TEST(SocketTransport, PostMarkedIdempotentIsResent) {
  ClosesOnSecondRequest server;
  SocketTransport transport;
  Request read{"POST", server.url(), {}, "Action=DescribeInstances", {}};
  read.idempotent = true;
  ASSERT_TRUE(transport.send(read));
  auto r = transport.send(read);
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(server.requests(), 3);
}

TEST(SocketTransport, NonIdempotentRequestIsNeverResent) {
  ClosesOnSecondRequest server;
  SocketTransport transport;
  ASSERT_TRUE(transport.send(Request{"POST", server.url(), {}, "type=config&action=set", {}}));
  auto r = transport.send(Request{"POST", server.url(), {}, "type=commit", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_NE(r.error().message.find("not re-sent"), std::string::npos) << r.error().message;
  EXPECT_EQ(server.requests(), 2);  // the commit reached the server once, and only once
  EXPECT_EQ(server.connections(), 1);
}

TEST(SocketTransport, AnswerWithConnectionCloseIsNotReused) {
  LoopbackServer server;
  server->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Connection", "close");
    res.set_content("bye", "text/plain");
  });
  server.start();
  SocketTransport transport;
  for (int i = 0; i < 3; ++i) {
    auto r = transport.send(Request{"GET", server.url() + "/", {}, "", {}});
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->body, "bye");
  }
  EXPECT_EQ(transport.connectionsOpened(), 3u);
}

TEST(SocketTransport, HeadHasNoBody) {
  LoopbackServer server;
  server->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("a body HEAD must not read", "text/plain");
  });
  server.start();
  SocketTransport transport;
  auto r = transport.send(Request{"HEAD", server.url() + "/", {}, "", 2s});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_TRUE(transport.send(Request{"GET", server.url() + "/", {}, "", 2s}));
  EXPECT_EQ(transport.connectionsOpened(), 1u);
}

TEST(SocketTransport, InvalidMethodAndUrlAreInvalidInput) {
  SocketTransport transport;
  EXPECT_EQ(transport.send(Request{"get", "http://127.0.0.1:1/", {}, "", {}}).error().code,
            ErrorCode::InvalidInput);
  EXPECT_EQ(transport.send(Request{"GET", "ftp://127.0.0.1/", {}, "", {}}).error().code,
            ErrorCode::InvalidInput);
}

TEST(SocketTransport, UnresolvableHostIsANetworkError) {
  SocketTransport transport;
  auto r = transport.send(Request{"GET", "http://trailwall-test.invalid/", {}, "", 5s});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().code == ErrorCode::Network || r.error().code == ErrorCode::Timeout)
      << to_string(r.error());
}

TEST(ProxySettings, ReadsLowercaseFirstAndIgnoresUppercaseHttpProxy) {
  const std::map<std::string, std::string, std::less<>> env = {
      {"HTTP_PROXY", "http://ignored:1"},
      {"HTTPS_PROXY", "http://upper:2"},
      {"NO_PROXY", "169.254.169.254,localhost"},
  };
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional(it->second);
  };
  const auto p = ProxySettings::fromEnvironment(lookup);
  EXPECT_EQ(p.http_proxy, "");
  EXPECT_EQ(p.https_proxy, "http://upper:2");
  EXPECT_EQ(p.no_proxy, "169.254.169.254,localhost");
}

// A self-signed certificate for 127.0.0.1, made with the openssl command line per test run.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("trailwall-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
    server_ = std::make_unique<LoopbackServer>(std::make_unique<httplib::SSLServer>(
        (dir_ / "cert.pem").c_str(), (dir_ / "key.pem").c_str()));
    (*server_)->Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("secure", "text/plain");
    });
    server_->start();
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<LoopbackServer> server_;
};

TEST_F(TlsTest, UntrustedCertificateFailsByDefault) {
  SocketTransport transport;
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
}

TEST_F(TlsTest, CaBundleMakesTheCertificateTrusted) {
  TransportOptions options;
  options.ca_bundle = (dir_ / "cert.pem").string();
  SocketTransport transport(options);
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body, "secure");
}

TEST_F(TlsTest, ExplicitInsecureSkipsVerification) {
  TransportOptions options;
  options.insecure_skip_tls_verify = true;
  SocketTransport transport(options);
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
}

// An http:// proxy that tunnels CONNECT to the loopback port it names.
void serveConnectTunnel(int client, std::atomic<int>& tunnels, std::string& seen) {
  const std::string line = RawServer::readRequest(client);
  seen = line;
  const auto colon = line.rfind(':');
  const int port = std::stoi(line.substr(colon + 1));
  const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ASSERT_EQ(::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ++tunnels;
  const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
  ::send(client, ok.data(), ok.size(), MSG_NOSIGNAL);
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  char buffer[16384];
  for (bool open = true; open && ::poll(fds, 2, 5000) > 0;) {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const auto n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      ::send(fds[1 - i].fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL);
    }
  }
  ::close(upstream);
}

TEST_F(TlsTest, HttpsGoesThroughTheProxyInAConnectTunnel) {
  std::atomic<int> tunnels{0};
  std::string seen;
  RawServer proxy([&](int fd, int) { serveConnectTunnel(fd, tunnels, seen); });
  TransportOptions options;
  options.ca_bundle = (dir_ / "cert.pem").string();
  options.proxy.https_proxy = proxy.url();
  SocketTransport transport(options);
  for (int i = 0; i < 2; ++i) {
    auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", 5s});
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->body, "secure");
  }
  EXPECT_EQ(tunnels, 1);  // the tunnel is kept alive like any connection
  EXPECT_EQ(seen, "CONNECT 127.0.0.1:" + std::to_string(server_->port()) + " HTTP/1.1");
}

TEST_F(TlsTest, MissingCaBundleIsAnErrorNotAnUnverifiedConnection) {
  TransportOptions options;
  options.ca_bundle = (dir_ / "no-such-bundle.pem").string();
  SocketTransport transport(options);
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_NE(r.error().message.find("no-such-bundle.pem"), std::string::npos) << r.error().message;
}

TEST_F(TlsTest, CertificateForAnotherHostIsRefused) {
  TransportOptions options;
  options.ca_bundle = (dir_ / "cert.pem").string();
  SocketTransport transport(options);
  // The certificate names 127.0.0.1; "localhost" is the same server under another name.
  auto r = transport.send(
      Request{"GET", "https://localhost:" + std::to_string(server_->port()) + "/", {}, "", 5s});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
}

TEST(TlsChain, ServerSignedByACaInABundleOfManyIsTrusted) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("trailwall-tls-chain-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = [&](const char* name) { return (dir / name).string(); };
  // A CA, a server certificate for 127.0.0.1 it signs, and two unrelated CAs around it.
  const std::string cmd =
      "cd " + dir.string() +
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=trailwall-test-ca"
      " -keyout ca.key -out ca.pem"
      " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key"
      " -out server.csr"
      " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
      " -extfile san.ext -out server.pem"
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-one"
      " -keyout o1.key -out o1.pem"
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-two"
      " -keyout o2.key -out o2.pem"
      " && cat o1.pem ca.pem o2.pem > bundle.pem";
  ASSERT_EQ(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()), 0);
  {
    LoopbackServer server(std::make_unique<httplib::SSLServer>(path("server.pem").c_str(),
                                                               path("server.key").c_str()));
    server->Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("chained", "text/plain");
    });
    server.start();
    TransportOptions options;
    options.ca_bundle = path("bundle.pem");
    SocketTransport transport(options);
    auto r = transport.send(Request{"GET", server.url("https") + "/", {}, "", 5s});
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->body, "chained");
    // Without the CA in the bundle the same server is refused.
    TransportOptions others;
    others.ca_bundle = path("o1.pem");
    SocketTransport refusing(others);
    auto refused = refusing.send(Request{"GET", server.url("https") + "/", {}, "", 5s});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("TLS"), std::string::npos) << refused.error().message;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trailwall::http
