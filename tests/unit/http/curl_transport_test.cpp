// CurlTransport against real loopback servers (cpp-httplib on port 0).
#include "http/curl_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

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

TEST(CurlTransport, SendsMethodHeadersAndBodyAndReturnsTheResponse) {
  LoopbackServer server;
  server->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Seen-Header", req.get_header_value("X-Custom"));
    res.set_header("X-Seen-Query", req.get_param_value("a"));
    res.set_content("got:" + req.body, "text/plain");
  });
  server.start();
  CurlTransport transport;
  auto r = transport.send(
      Request{"POST", server.url() + "/echo?a=1", {{"X-Custom", "v"}}, "payload", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got:payload");
  EXPECT_EQ(r->header("x-seen-header"), "v");
  EXPECT_EQ(r->header("X-Seen-Query"), "1");
}

TEST(CurlTransport, HttpErrorStatusIsAResponseNotAnError) {
  LoopbackServer server;
  server->Get("/boom", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("<Error>slow down</Error>", "text/xml");
  });
  server.start();
  CurlTransport transport;
  auto r = transport.send(Request{"GET", server.url() + "/boom", {}, "", {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "<Error>slow down</Error>");
}

TEST(CurlTransport, PutAndDeleteUseTheirMethods) {
  LoopbackServer server;
  server->Put("/x", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("put " + req.body, "text/plain");
  });
  server->Delete("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("deleted", "text/plain");
  });
  server.start();
  CurlTransport transport;
  EXPECT_EQ(transport.send(Request{"PUT", server.url() + "/x", {}, "b", {}})->body, "put b");
  EXPECT_EQ(transport.send(Request{"DELETE", server.url() + "/x", {}, "", {}})->body, "deleted");
}

TEST(CurlTransport, ReusesTheConnectionAcrossRequests) {
  LoopbackServer server;
  std::mutex mutex;
  std::set<int> client_ports;
  server->Get("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    client_ports.insert(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  server.start();
  CurlTransport transport;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(transport.send(Request{"GET", server.url() + "/", {}, "", {}}));
  }
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(CurlTransport, ConnectionRefusedIsANetworkError) {
  int port = 0;
  {
    LoopbackServer server;
    server.start();
    port = server.port();
  }  // stopped: nothing listens on the port now
  CurlTransport transport;
  auto r = transport.send(Request{
      "GET", "http://127.0.0.1:" + std::to_string(port) + "/?X-Amz-Signature=s3cr3t", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_EQ(r.error().message.find("s3cr3t"), std::string::npos) << r.error().message;
}

TEST(CurlTransport, TotalTimeoutIsATimeoutError) {
  LoopbackServer server;
  server->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("late", "text/plain");
  });
  server.start();
  CurlTransport transport;
  const auto start = std::chrono::steady_clock::now();
  auto r = transport.send(Request{"GET", server.url() + "/slow", {}, "", 200ms});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
}

TEST(CurlTransport, ResponseLargerThanTheLimitIsRefused) {
  LoopbackServer server;
  server->Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, 'x'), "text/plain");
  });
  server.start();
  CurlOptions options;
  options.max_response_bytes = 1000;
  CurlTransport transport(options);
  auto r = transport.send(Request{"GET", server.url() + "/big", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
}

TEST(CurlTransport, HonoursTheHttpProxyAndNoProxy) {
  LoopbackServer proxy;
  std::string seen_target;
  proxy->Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    seen_target = req.target;
    res.set_content("via proxy", "text/plain");
  });
  proxy.start();
  CurlOptions options;
  options.proxy =
      ProxySettings::fromEnvironment([&](std::string_view name) -> std::optional<std::string> {
        if (name == "http_proxy") {
          return proxy.url();
        }
        return std::nullopt;
      });
  CurlTransport transport(options);
  auto r = transport.send(Request{"GET", "http://trailwall-proxy-test.invalid/path", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body, "via proxy");
  EXPECT_EQ(seen_target, "http://trailwall-proxy-test.invalid/path");

  options.proxy.no_proxy = "trailwall-proxy-test.invalid";
  CurlTransport direct(options);
  auto d = direct.send(Request{"GET", "http://trailwall-proxy-test.invalid/path", {}, "", 2s});
  EXPECT_FALSE(d);  // went direct, and .invalid does not resolve
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
  CurlTransport transport;
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::Network);
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
}

TEST_F(TlsTest, CaBundleMakesTheCertificateTrusted) {
  CurlOptions options;
  options.ca_bundle = (dir_ / "cert.pem").string();
  CurlTransport transport(options);
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->body, "secure");
}

TEST_F(TlsTest, ExplicitInsecureSkipsVerification) {
  CurlOptions options;
  options.insecure_skip_tls_verify = true;
  CurlTransport transport(options);
  auto r = transport.send(Request{"GET", server_->url("https") + "/", {}, "", {}});
  ASSERT_TRUE(r) << to_string(r.error());
}

}  // namespace
}  // namespace trailwall::http
