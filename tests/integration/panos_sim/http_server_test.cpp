// panos-sim's HTTP/1.1 listener on raw loopback sockets: the bytes of status lines, bodies,
// keep-alive, pipelining, chunked and 100-continue uploads, and connections cut off by faults.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "http_server.h"
#include "support/panos_sim_fixture.h"

namespace trailwall::panossim::testing {
namespace {

// A client socket that writes raw bytes and reads what comes back.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until `until` has arrived, the peer closes, or `timeout` passes.
  std::string read(const std::string& until = "",
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (until.empty() || received_.find(until) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        break;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return received_;
  }
  [[nodiscard]] bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

class RawHttp : public PanosSimTest {
 protected:
  void configure(ServerOptions& options) override { options.tls = false; }
};

TEST_F(RawHttp, ARefusedKeygenHasTheDevicesStatusLine) {
  RawSocket s(sim().port());
  ASSERT_TRUE(s.connected());
  s.send("GET /api/?type=keygen&user=admin&password=wrong HTTP/1.1\r\nHost: fw\r\n\r\n");
  const std::string reply = s.read("Credential</msg></result></response>");
  ASSERT_TRUE(reply.starts_with("HTTP/1.1 403 Invalid Credential\r\n")) << reply;
  EXPECT_NE(reply.find("\r\nContent-Type: application/xml; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(reply.find("\r\nContent-Length: 97\r\n"), std::string::npos) << reply;
  // A bad key on any other request is the same refusal.
  RawSocket t(sim().port());
  t.send("GET /api/?type=version&key=nope HTTP/1.1\r\nHost: fw\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(t.read().starts_with("HTTP/1.1 403 Invalid Credential\r\n"));
}

TEST_F(RawHttp, KeepAlivePipeliningAndConnectionClose) {
  RawSocket s(sim().port());
  s.send(
      "GET /sim/health HTTP/1.1\r\nHost: fw\r\n\r\n"
      "GET /sim/health HTTP/1.1\r\nHost: fw\r\nConnection: close\r\n\r\n");
  const std::string reply = s.read();
  EXPECT_TRUE(s.closed());
  const std::size_t second = reply.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << reply;
  EXPECT_EQ(reply.substr(0, second).find("Connection: close"), std::string::npos);
  EXPECT_NE(reply.find("Connection: close", second), std::string::npos);
  // HTTP/1.0 closes unless asked to keep the connection.
  RawSocket old(sim().port());
  old.send("GET /sim/health HTTP/1.0\r\n\r\n");
  EXPECT_NE(old.read().find("{\"ok\":true}"), std::string::npos);
  EXPECT_TRUE(old.closed());
}

TEST_F(RawHttp, FormBodiesWithLengthChunkedOrAfter100Continue) {
  const std::string form = "type=op&cmd=%3Cshow%3E%3Cclock%2F%3E%3C%2Fshow%3E&key=" +
                           httplib::detail::encode_query_param(apiKey());
  RawSocket s(sim().port());
  s.send(
      "POST /api/ HTTP/1.1\r\nHost: fw\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
      std::to_string(form.size()) + "\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(s.read("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  s.send(form);
  EXPECT_NE(s.read("</response>").find("<response status=\"success\"><result>"), std::string::npos);
  RawSocket c(sim().port());
  const std::size_t half = form.size() / 2;
  char size1[24];
  char size2[24];
  std::snprintf(size1, sizeof size1, "%zx", half);
  std::snprintf(size2, sizeof size2, "%zx", form.size() - half);
  c.send(
      "POST /api HTTP/1.1\r\nHost: fw\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(size1) + "\r\n" + form.substr(0, half) + "\r\n" + size2 + ";ext=1\r\n" +
      form.substr(half) + "\r\n0\r\n\r\n");
  EXPECT_NE(c.read("</response>").find("<response status=\"success\"><result>"), std::string::npos);
}

TEST_F(RawHttp, MalformedRequestsGetAnErrorAndAClosedConnection) {
  const auto answer = [&](const std::string& request) {
    RawSocket s(sim().port());
    s.send(request);
    const std::string reply = s.read();
    EXPECT_TRUE(s.closed()) << request.substr(0, 60);
    return reply.substr(0, reply.find("\r\n"));
  };
  EXPECT_EQ(answer("NONSENSE\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer("GET /api/ HTTP/2.0\r\n\r\n"), "HTTP/1.1 505 HTTP Version Not Supported");
  EXPECT_EQ(answer("GET /api/ HTTP/1.1\r\n folded: x\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer("POST /api/ HTTP/1.1\r\nContent-Length: 12x\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(answer("POST /api/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            "HTTP/1.1 501 Not Implemented");
  EXPECT_EQ(answer("POST /api/ HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
            "HTTP/1.1 413 Content Too Large");
  EXPECT_EQ(answer("GET /" + std::string(70000, 'a') + " HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(answer("PUT /api/ HTTP/1.1\r\nConnection: close\r\n\r\n"),
            "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(answer("GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n"), "HTTP/1.1 404 Not Found");
}

TEST_F(RawHttp, ADroppedAnswerClosesTheConnectionWithoutAByte) {
  Faults faults;
  faults.drops.push_back({.type = "version"});
  setFaults(faults);
  RawSocket s(sim().port());
  s.send("GET /api/?type=version&key=" + httplib::detail::encode_query_param(apiKey()) +
         " HTTP/1.1\r\nHost: fw\r\n\r\n");
  EXPECT_EQ(s.read(), "");
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(counters().by_type["version"], 1U);  // the device answered; the wire lost it
}

TEST_F(RawHttp, AHungRequestGetsNoByteWhileOthersAreServed) {
  Faults faults;
  faults.hangs.push_back({.type = "version"});
  setFaults(faults);
  RawSocket hung(sim().port());
  hung.send("GET /api/?type=version&key=" + httplib::detail::encode_query_param(apiKey()) +
            " HTTP/1.1\r\nHost: fw\r\n\r\n");
  EXPECT_EQ(hung.read("", std::chrono::milliseconds(200)), "");
  EXPECT_FALSE(hung.closed());
  RawSocket other(sim().port());
  other.send("GET /sim/health HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(other.read().starts_with("HTTP/1.1 200 OK\r\n"));
  setFaults({});
  EXPECT_EQ(hung.read(), "");
  EXPECT_TRUE(hung.closed());
}

TEST(HttpServer, AtMostMaxConnectionsAreServedAtOnceAndStopEndsIdleOnes) {
  HttpServerOptions options;
  options.max_connections = 2;
  HttpServer server(options, [](const HttpRequest& req) {
    HttpReply reply;
    reply.body = req.method + " " + req.target;
    return reply;
  });
  ASSERT_TRUE(server.start().has_value());
  RawSocket a(server.port());
  RawSocket b(server.port());
  a.send("GET /a HTTP/1.1\r\n\r\n");
  b.send("GET /b HTTP/1.1\r\n\r\n");
  EXPECT_NE(a.read("GET /a").find("GET /a"), std::string::npos);
  EXPECT_NE(b.read("GET /b").find("GET /b"), std::string::npos);
  // Both keep their connection open: a third waits in the backlog until one closes.
  RawSocket c(server.port());
  c.send("HEAD /c HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.read("", std::chrono::milliseconds(200)), "");
  a.send("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n");
  a.read();
  const std::string head = c.read("\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 7\r\n"), std::string::npos);  // "HEAD /c", not sent
  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  b.read();
  EXPECT_TRUE(b.closed());
}

TEST(HttpServer, TheReasonPhraseIsTheHandlersAndCannotSplitTheHead) {
  HttpServer server({}, [](const HttpRequest&) {
    HttpReply reply;
    reply.status = 403;
    reply.reason = "Invalid Credential\r\nX-Injected: 1";
    return reply;
  });
  ASSERT_TRUE(server.start().has_value());
  RawSocket s(server.port());
  s.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::string reply = s.read();
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 403 Invalid CredentialX-Injected: 1\r\n")) << reply;
  EXPECT_EQ(reply.find("\r\nX-Injected"), std::string::npos);
}

}  // namespace
}  // namespace trailwall::panossim::testing
