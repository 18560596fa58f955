// The daemon's HTTP listener on loopback with raw sockets: the three pages, kept-alive
// connections (GET then HEAD on one connection), and what it refuses — other methods, bodies,
// unknown paths, oversized headers — and a stop() that does not wait for an idle client.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>

#include "serve/health.h"
#include "serve/http_server.h"
#include "serve/monitor.h"

namespace trailwall::serve {
namespace {

using namespace std::chrono_literals;

const SystemTime kStart = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1);

struct Answer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// One loopback connection to the server.
class Connection {
 public:
  explicit Connection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    const timeval timeout{10, 0};  // a server that never answers fails the test, not hangs it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  void send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // One answer; `head_only` for an answer to HEAD (its Content-Length has no body behind it).
  Answer read(bool head_only = false) {
    Answer answer;
    std::size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos && fill()) {
    }
    if (end == std::string::npos) return answer;
    answer.head = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    answer.status = std::stoi(answer.head.substr(9, 3));
    const auto at = answer.head.find("Content-Length: ");
    const std::size_t length =
        at == std::string::npos || head_only ? 0 : std::stoul(answer.head.substr(at + 16));
    while (buffer_.size() < length && fill()) {
    }
    answer.body = buffer_.substr(0, length);
    buffer_.erase(0, answer.body.size());
    return answer;
  }
  // True when the server closed the connection (and sent nothing more).
  bool closedByServer() { return !fill() && buffer_.empty(); }

 private:
  bool fill() {
    std::array<char, 4096> chunk{};
    const auto n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n <= 0) return false;
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

class StatusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start(ListenAddress{"127.0.0.1", 0}));
    ASSERT_NE(server_.port(), 0);
  }

  FakeClock clock_{kStart + 5s};
  Monitor monitor_{"https://sqs.example/q", kStart, 10};
  StatusServer server_{monitor_, clock_, 300s};
};

TEST_F(StatusServerTest, ServesTheThreePagesOnOneKeptAliveConnection) {
  EXPECT_EQ(server_.url(), "http://127.0.0.1:" + std::to_string(server_.port()));
  Connection c(server_.port());
  ASSERT_TRUE(c.connected());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto healthz = c.read();
  const auto expected = health(monitor_.snapshot(clock_.now()), 300s);
  EXPECT_EQ(healthz.status, expected.ok ? 200 : 503);
  EXPECT_EQ(healthz.body, expected.reason + "\n");
  EXPECT_NE(healthz.head.find("Cache-Control: no-store\r\n"), std::string::npos) << healthz.head;

  c.send("GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto metrics = c.read();
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE trailwall_runs_total counter"), std::string::npos);

  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto page = c.read();
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.head.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.head.find("Content-Security-Policy: "), std::string::npos);
  EXPECT_NE(page.body.find("</html>"), std::string::npos);

  // HEAD: the same headers and length, no body; then the client closes.
  c.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto head = c.read(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.head.find("Content-Length: " + std::to_string(page.body.size()) + "\r\n"),
            std::string::npos)
      << head.head;
  EXPECT_NE(head.head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(c.closedByServer());
}

TEST_F(StatusServerTest, RefusesWhatItDoesNotServe) {
  {
    Connection c(server_.port());
    c.send("GET /admin HTTP/1.1\r\n\r\n");
    const auto a = c.read();
    EXPECT_EQ(a.status, 404);
    EXPECT_EQ(a.body, "not found: try /, /healthz or /metrics\n");
    c.send("DELETE / HTTP/1.1\r\n\r\n");  // still the same connection
    const auto b = c.read();
    EXPECT_EQ(b.status, 405);
    EXPECT_NE(b.head.find("Allow: GET, HEAD\r\n"), std::string::npos);
  }
  {
    Connection c(server_.port());
    c.send("POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
    EXPECT_EQ(c.read().status, 413);
    EXPECT_TRUE(c.closedByServer());
  }
  {
    Connection c(server_.port());
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_EQ(c.read().status, 431);
    EXPECT_TRUE(c.closedByServer());
  }
  {
    Connection c(server_.port());
    c.send("hello\r\n\r\n");
    EXPECT_EQ(c.read().status, 400);
  }
  {  // HTTP/1.0 without keep-alive: one answer, then the server closes.
    Connection c(server_.port());
    c.send("GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_NE(c.read().status, 0);
    EXPECT_TRUE(c.closedByServer());
  }
}

TEST_F(StatusServerTest, StopDoesNotWaitForAnIdleKeptAliveClient) {
  Connection idle(server_.port());
  idle.send("GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_NE(idle.read().status, 0);
  const auto started = std::chrono::steady_clock::now();
  server_.stop();
  // The idle timeout is 5 s; stopping closes the connection at once (bound generous for load).
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_TRUE(idle.closedByServer());
  Connection refused(server_.port());
  EXPECT_FALSE(refused.connected());
}

TEST(StatusServer, AnAddressInUseIsANetworkErrorNamingIt) {
  FakeClock clock(kStart);
  Monitor monitor("https://sqs.example/q", kStart, 10);
  StatusServer first(monitor, clock, 300s);
  ASSERT_TRUE(first.start(ListenAddress{"127.0.0.1", 0}));
  StatusServer second(monitor, clock, 300s);
  const auto started = second.start(ListenAddress{"127.0.0.1", first.port()});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::Network);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace trailwall::serve
